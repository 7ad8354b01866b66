package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Discord's per-connection send limit (docs/protocol.md §8) and the default room
// kept for priority commands.
const (
	// DefaultCommandLimit is how many commands a connection may send per
	// DefaultCommandWindow.
	DefaultCommandLimit = 120
	// DefaultCommandWindow is the length of the sliding send window.
	DefaultCommandWindow = 60 * time.Second
	// DefaultPriorityMargin is how many priority commands are reserved on
	// top of the heartbeats: one identify or resume and two heartbeats the
	// server may request with op 1. With a 41.25 s heartbeat this leaves
	// 115 of 120 for ordinary commands.
	DefaultPriorityMargin = 3
	// assumedHeartbeats is the heartbeat reserve used until the interval
	// is known: ceil(60 s / 41.25 s), Discord's usual interval.
	assumedHeartbeats = 2
)

// CommandLimiter keeps one connection under Discord's send limit: never more
// than the limit (120) in any window (60 s), measured as a sliding window
// over the times commands were let through, so no burst straddling a
// boundary can exceed it.
//
// Part of the limit is reserved for priority commands (heartbeat, identify,
// resume): ordinary commands may use only limit - reserve of any window,
// where reserve = ceil(window / heartbeat interval) + margin. Priority
// commands count against the same window but never queue behind ordinary
// ones, so a flood of presence updates cannot delay a heartbeat.
//
// Use one CommandLimiter per connection and call [CommandLimiter.Reset] when
// a new connection opens. A CommandLimiter is safe for concurrent use;
// ordinary waiters are served first come, first served.
type CommandLimiter struct {
	clock  Clock
	limit  int
	window time.Duration
	margin int

	// turn is held by the one ordinary waiter allowed to take the next
	// slot; the others queue on it in arrival order.
	turn chan struct{}

	mu       sync.Mutex
	base     time.Time // origin of the stamps in sent
	sent     []time.Duration
	oldest   int           // index in sent of the oldest stamp
	n        int           // stamps in sent, at most limit
	last     time.Duration // latest stamp, so time never runs backwards
	interval time.Duration
	reserve  int
	wake     chan struct{} // closed when a waiter should look again

	onGrant func(t time.Time, priority bool) // test hook, called under mu
}

// NewCommandLimiter returns a limiter for one connection with Discord's
// limit (120 per 60 s) unless options say otherwise.
func NewCommandLimiter(opts ...CommandOption) (*CommandLimiter, error) {
	cfg := commandConfig{
		limit:  DefaultCommandLimit,
		window: DefaultCommandWindow,
		margin: DefaultPriorityMargin,
		clock:  SystemClock,
	}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	switch {
	case cfg.limit < 1:
		return nil, fmt.Errorf("ratelimit: command limit %d: %w (want at least 1)", cfg.limit, ErrInvalidOption)
	case cfg.window <= 0:
		return nil, fmt.Errorf("ratelimit: command window %v: %w (want more than 0)", cfg.window, ErrInvalidOption)
	case cfg.margin < 0:
		return nil, fmt.Errorf("ratelimit: priority margin %d: %w (want 0 or more)", cfg.margin, ErrInvalidOption)
	case cfg.interval < 0:
		return nil, fmt.Errorf("ratelimit: heartbeat interval %v: %w (want 0 or more)", cfg.interval, ErrInvalidOption)
	case cfg.clock == nil:
		return nil, fmt.Errorf("ratelimit: nil clock: %w", ErrInvalidOption)
	}
	l := &CommandLimiter{
		clock:    cfg.clock,
		limit:    cfg.limit,
		window:   cfg.window,
		margin:   cfg.margin,
		turn:     make(chan struct{}, 1),
		base:     cfg.clock.Now(),
		sent:     make([]time.Duration, cfg.limit),
		interval: cfg.interval,
		wake:     make(chan struct{}),
	}
	l.reserve = l.reserveFor(cfg.interval)
	return l, nil
}

// reserveFor is how many slots of a window priority commands keep for
// themselves with heartbeats every interval (0 = not known yet). At least
// one slot is always left to ordinary commands.
func (l *CommandLimiter) reserveFor(interval time.Duration) int {
	beats := assumedHeartbeats
	if interval > 0 {
		beats = int((l.window + interval - 1) / interval)
	}
	r := beats + l.margin
	if r > l.limit-1 {
		r = l.limit - 1
	}
	return r
}

// Wait blocks until an ordinary command may be sent, and counts it as sent.
// Waiters are served in arrival order. If ctx ends first, Wait returns an
// error matching ctx.Err() (and its cause) and nothing is counted; an
// already-ended ctx fails at once.
func (l *CommandLimiter) Wait(ctx context.Context) error {
	if ctx.Err() != nil {
		return ctxError(ctx, "a command slot")
	}
	select {
	case l.turn <- struct{}{}:
	default:
		select {
		case l.turn <- struct{}{}:
		case <-ctx.Done():
			return ctxError(ctx, "a command slot")
		}
	}
	err := l.wait(ctx, false)
	<-l.turn
	return err
}

// WaitPriority is [CommandLimiter.Wait] for heartbeat, identify and resume:
// it draws on the whole limit, including the reserve, and does not queue
// behind ordinary commands. It waits only when the whole limit is used,
// which the reserve makes impossible unless priority commands are sent far
// more often than the heartbeat interval.
func (l *CommandLimiter) WaitPriority(ctx context.Context) error {
	if ctx.Err() != nil {
		return ctxError(ctx, "a priority command slot")
	}
	return l.wait(ctx, true)
}

// Allow counts an ordinary command as sent and reports true if one may be
// sent now without waiting; otherwise it counts nothing and reports false.
// It never jumps ahead of a command waiting in [CommandLimiter.Wait].
func (l *CommandLimiter) Allow() bool {
	select {
	case l.turn <- struct{}{}:
	default:
		return false
	}
	l.mu.Lock()
	_, ok := l.takeLocked(false)
	l.mu.Unlock()
	<-l.turn
	return ok
}

func (l *CommandLimiter) wait(ctx context.Context, priority bool) error {
	what := "a command slot"
	if priority {
		what = "a priority command slot"
	}
	for {
		l.mu.Lock()
		d, ok := l.takeLocked(priority)
		wake := l.wake
		l.mu.Unlock()
		if ok {
			return nil
		}
		if err := sleep(ctx, l.clock, d, wake, what); err != nil {
			return err
		}
	}
}

// takeLocked counts a command as sent now if the window has room for it;
// otherwise it reports how long until it will.
func (l *CommandLimiter) takeLocked(priority bool) (time.Duration, bool) {
	now := l.clock.Now()
	t := now.Sub(l.base)
	if t < l.last {
		t = l.last
	}
	quota := l.limit
	if !priority {
		quota -= l.reserve
	}
	if l.n >= quota {
		// The quota-th most recent send must have left the window:
		// then this one makes at most quota in any window ending now.
		i := (l.oldest + l.n - quota) % l.limit
		if free := l.sent[i] + l.window; t < free {
			return free - t, false
		}
	}
	if l.n == l.limit {
		l.sent[l.oldest] = t
		l.oldest = (l.oldest + 1) % l.limit
	} else {
		l.sent[(l.oldest+l.n)%l.limit] = t
		l.n++
	}
	l.last = t
	if l.onGrant != nil {
		l.onGrant(l.base.Add(t), priority)
	}
	return 0, true
}

// Reset forgets every command counted so far, for a new connection: the
// limit applies per connection. Waiters are woken to look again.
func (l *CommandLimiter) Reset() {
	l.mu.Lock()
	l.n, l.oldest = 0, 0
	l.broadcastLocked()
	l.mu.Unlock()
}

// SetHeartbeatInterval sets the heartbeat interval from Hello, which sizes
// the reserve: ceil(window / d) heartbeats plus the priority margin. Until
// it is called the limiter assumes two heartbeats per window. A d of 0 or
// less restores that assumption.
func (l *CommandLimiter) SetHeartbeatInterval(d time.Duration) {
	if d < 0 {
		d = 0
	}
	l.mu.Lock()
	l.interval = d
	l.reserve = l.reserveFor(d)
	l.broadcastLocked()
	l.mu.Unlock()
}

func (l *CommandLimiter) broadcastLocked() {
	close(l.wake)
	l.wake = make(chan struct{})
}

// CommandStats is a snapshot of a [CommandLimiter].
type CommandStats struct {
	// Sent is how many commands were counted in the window ending now.
	Sent int
	// Limit is how many may be sent per Window.
	Limit  int
	Window time.Duration
	// Reserved is how many of Limit only priority commands may use.
	Reserved int
	// HeartbeatInterval is the interval the reserve was computed from, 0
	// if not known yet.
	HeartbeatInterval time.Duration
}

// Stats returns the limiter's current state.
func (l *CommandLimiter) Stats() CommandStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.clock.Now().Sub(l.base)
	if t < l.last {
		t = l.last
	}
	sent := 0
	for k := range l.n {
		if l.sent[(l.oldest+k)%l.limit]+l.window > t {
			sent++
		}
	}
	return CommandStats{
		Sent:              sent,
		Limit:             l.limit,
		Window:            l.window,
		Reserved:          l.reserve,
		HeartbeatInterval: l.interval,
	}
}
