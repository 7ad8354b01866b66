package ratelimit

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// LocalIdentifyLimiter is the in-process [IdentifyLimiter]: it schedules the
// identifies of every shard in this process. Use one per bot per process;
// if several processes share a bot, they need a shared backend instead.
//
// Each bucket shard_id % max_concurrency admits one identify at a time: a
// ticket holds it from Acquire until Done (or the hold limit), and the next
// identify of the bucket starts no earlier than one window after the
// previous one was sent (Ticket.Sent), or, if Sent was not called, after it
// ended. Counting from the grant would not be safe: Discord measures the
// window when identifies arrive, and an identify granted early but sent
// late (a busy machine) would land less than a window before the next.
// Waiters of a bucket are served lowest shard id first, and shards
// announced with [LocalIdentifyLimiter.Expect] are waited for, so the order
// holds even for the first grant of a fleet whose connections come up in
// any order. The daily budget is spent one per ticket and enforced
// fail-closed.
type LocalIdentifyLimiter struct {
	clock     Clock
	window    time.Duration
	holdLimit time.Duration
	reserve   int

	mu      sync.Mutex
	buckets []identifyBucket
	budget  budget
	seq     uint64
	held    int // tickets currently held, across buckets
	stats   IdentifyStats

	onGrant func(shardID int, t time.Time) // test hook, called under mu
}

type identifyBucket struct {
	held      bool
	gen       uint64    // ticket generation, so a stale Done releases nothing
	started   time.Time // when the latest ticket was granted, then sent, or released by Done without Sent; zero if never
	holdUntil time.Time
	waiters   []*identifyWaiter // sorted by shard id, then arrival
	wake      chan struct{}     // closed when the bucket's state changes
	expected  []expectedShard   // announced by Expect, not arrived yet
}

// expectedShard is a shard announced by Expect: until it calls Acquire (or
// until its deadline), no shard of its bucket with a higher id is granted.
type expectedShard struct {
	shard    int
	deadline time.Time
}

type identifyWaiter struct {
	shard int
	seq   uint64
}

// IdentifyStats counts what a [LocalIdentifyLimiter] did.
type IdentifyStats struct {
	// Granted is how many tickets were granted (session starts spent).
	Granted int
	// Succeeded and Failed count the tickets whose Done reported ok or not.
	Succeeded, Failed int
	// Expired counts tickets released by the hold limit, not by Done.
	Expired int
	// Refused counts Acquire and CanStart calls refused for lack of budget.
	Refused int
}

// MaxIdentifyConcurrency is the largest max_concurrency a limiter accepts.
// Discord gives 1, and 16 or a multiple of it to bots with large bot
// sharding (a few hundred at most so far); the bound keeps a hostile or
// broken /gateway/bot answer from making a limiter allocate a bucket for
// each of millions.
const MaxIdentifyConcurrency = 1 << 12

// NewLocalIdentifyLimiter returns an in-process identify limiter with
// maxConcurrency buckets (session_start_limit.max_concurrency), from 1 to
// [MaxIdentifyConcurrency]. Without
// [WithSessionStartLimit] the daily budget is unknown and not enforced
// until [LocalIdentifyLimiter.UpdateBudget] is called.
func NewLocalIdentifyLimiter(maxConcurrency int, opts ...IdentifyOption) (*LocalIdentifyLimiter, error) {
	cfg := identifyConfig{
		window: DefaultIdentifyWindow,
		period: DefaultBudgetPeriod,
		clock:  SystemClock,
	}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.holdLimit == 0 {
		cfg.holdLimit = 6 * cfg.window
	}
	switch {
	case maxConcurrency < 1 || maxConcurrency > MaxIdentifyConcurrency:
		return nil, fmt.Errorf("ratelimit: max concurrency %d: %w (want 1 to %d)", maxConcurrency, ErrInvalidOption, MaxIdentifyConcurrency)
	case cfg.window <= 0:
		return nil, fmt.Errorf("ratelimit: identify window %v: %w (want more than 0)", cfg.window, ErrInvalidOption)
	case cfg.holdLimit < 0:
		return nil, fmt.Errorf("ratelimit: hold limit %v: %w (want 0 or more)", cfg.holdLimit, ErrInvalidOption)
	case cfg.reserve < 0:
		return nil, fmt.Errorf("ratelimit: budget reserve %d: %w (want 0 or more)", cfg.reserve, ErrInvalidOption)
	case cfg.period <= 0:
		return nil, fmt.Errorf("ratelimit: budget period %v: %w (want more than 0)", cfg.period, ErrInvalidOption)
	case cfg.clock == nil:
		return nil, fmt.Errorf("ratelimit: nil clock: %w", ErrInvalidOption)
	}
	l := &LocalIdentifyLimiter{
		clock:     cfg.clock,
		window:    cfg.window,
		holdLimit: cfg.holdLimit,
		reserve:   cfg.reserve,
		buckets:   make([]identifyBucket, maxConcurrency),
		budget:    budget{period: cfg.period},
	}
	for i := range l.buckets {
		l.buckets[i].wake = make(chan struct{})
	}
	if cfg.limit != nil {
		l.budget.set(*cfg.limit, cfg.clock.Now(), 0)
	}
	return l, nil
}

// MaxConcurrency returns the number of buckets.
func (l *LocalIdentifyLimiter) MaxConcurrency() int { return len(l.buckets) }

// Acquire implements [IdentifyLimiter]. It refuses at once with a
// [*BudgetError] if the budget cannot pay for one more identify, and again
// when the ticket would be granted if others spent the budget meanwhile.
func (l *LocalIdentifyLimiter) Acquire(ctx context.Context, shardID int) (Ticket, error) {
	if shardID < 0 {
		return nil, fmt.Errorf("ratelimit: shard %d: %w", shardID, ErrInvalidShard)
	}
	if ctx.Err() != nil {
		return nil, ctxError(ctx, "an identify slot")
	}
	bi := shardID % len(l.buckets)
	l.mu.Lock()
	if err := l.budget.check(l.clock.Now(), 1, l.reserve); err != nil {
		l.stats.Refused++
		l.mu.Unlock()
		return nil, err
	}
	b := &l.buckets[bi]
	l.seq++
	w := &identifyWaiter{shard: shardID, seq: l.seq}
	b.arrived(shardID)
	b.enqueue(w)
	if b.waiters[0] == w {
		// A new head: the old one must step back.
		b.broadcast()
	}
	for {
		now := l.clock.Now()
		if b.held && !now.Before(b.holdUntil) {
			l.releaseLocked(b)
			l.stats.Expired++
		}
		wait := time.Duration(-1) // wait for the bucket to change
		if b.waiters[0] == w {
			if err := l.budget.check(now, 1, l.reserve); err != nil {
				l.stats.Refused++
				b.remove(w)
				b.broadcast()
				l.mu.Unlock()
				return nil, err
			}
			next := b.started.Add(l.window)
			lower, expecting := b.expectedBelow(shardID, now)
			switch {
			case b.held:
				wait = b.holdUntil.Sub(now)
			case !b.started.IsZero() && now.Before(next):
				wait = next.Sub(now)
			case expecting:
				wait = lower.Sub(now)
			default:
				t := l.grantLocked(b, bi, w, now)
				l.mu.Unlock()
				return t, nil
			}
		}
		wake := b.wake
		l.mu.Unlock()
		err := sleep(ctx, l.clock, wait, wake, "an identify slot")
		l.mu.Lock()
		if err != nil {
			head := b.waiters[0] == w
			b.remove(w)
			if head {
				b.broadcast()
			}
			l.mu.Unlock()
			return nil, err
		}
	}
}

func (l *LocalIdentifyLimiter) grantLocked(b *identifyBucket, bi int, w *identifyWaiter, now time.Time) *localTicket {
	b.remove(w)
	b.held = true
	b.gen++
	b.started = now
	b.holdUntil = now.Add(l.holdLimit)
	b.broadcast() // the next waiter becomes head
	l.held++
	l.budget.spend()
	l.stats.Granted++
	if l.onGrant != nil {
		l.onGrant(w.shard, now)
	}
	return &localTicket{l: l, bucket: bi, gen: b.gen}
}

func (l *LocalIdentifyLimiter) releaseLocked(b *identifyBucket) {
	b.held = false
	l.held--
	b.broadcast()
}

// Expect announces shards that are about to call Acquire, such as the
// shards a Manager starts together: until each of them has called Acquire,
// or for one identify window at most, no shard of its bucket with a higher
// id is granted. Their connections come up in any order, so without it the
// first of a bucket to call Acquire would identify first, not the lowest.
// A shard that does not come (it resumed instead, or failed to connect)
// delays the others of its bucket by at most a window.
func (l *LocalIdentifyLimiter) Expect(shardIDs ...int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	deadline := now.Add(l.window)
	for _, id := range shardIDs {
		if id < 0 {
			continue
		}
		b := &l.buckets[id%len(l.buckets)]
		b.dropExpired(now)
		i := slices.IndexFunc(b.expected, func(e expectedShard) bool { return e.shard == id })
		if i < 0 {
			b.expected = append(b.expected, expectedShard{shard: id})
			i = len(b.expected) - 1
		}
		b.expected[i].deadline = deadline
	}
}

// arrived forgets that shard was expected: it called Acquire.
func (b *identifyBucket) arrived(shard int) {
	b.expected = slices.DeleteFunc(b.expected, func(e expectedShard) bool { return e.shard == shard })
}

// dropExpired forgets the expected shards whose deadline passed.
func (b *identifyBucket) dropExpired(now time.Time) {
	b.expected = slices.DeleteFunc(b.expected, func(e expectedShard) bool { return !now.Before(e.deadline) })
}

// expectedBelow reports whether a shard with a lower id than shard is
// expected, and until when the grant must wait for it.
func (b *identifyBucket) expectedBelow(shard int, now time.Time) (time.Time, bool) {
	b.dropExpired(now)
	var until time.Time
	found := false
	for _, e := range b.expected {
		if e.shard < shard && (!found || e.deadline.Before(until)) {
			until, found = e.deadline, true
		}
	}
	return until, found
}

// CanStart implements [IdentifyLimiter].
func (l *LocalIdentifyLimiter) CanStart(ctx context.Context, n int) error {
	if ctx.Err() != nil {
		return ctxError(ctx, "the session start budget")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.budget.check(l.clock.Now(), n, l.reserve)
	if err != nil {
		l.stats.Refused++
	}
	return err
}

// UpdateBudget implements [IdentifyLimiter]. Identifies whose tickets are
// still held are taken off limit.Remaining, since the report may predate
// them. limit.MaxConcurrency is ignored: build a new limiter if it changed.
func (l *LocalIdentifyLimiter) UpdateBudget(ctx context.Context, limit SessionStartLimit) error {
	if ctx.Err() != nil {
		return ctxError(ctx, "the session start budget")
	}
	l.mu.Lock()
	l.budget.set(limit, l.clock.Now(), l.held)
	l.mu.Unlock()
	return nil
}

// Budget returns the budget as the limiter sees it now, with
// MaxConcurrency filled in, and whether a budget is known at all.
func (l *LocalIdentifyLimiter) Budget() (SessionStartLimit, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.budget.snapshot(l.clock.Now())
	s.MaxConcurrency = len(l.buckets)
	return s, ok
}

// Stats returns what the limiter did so far.
func (l *LocalIdentifyLimiter) Stats() IdentifyStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

type localTicket struct {
	l      *LocalIdentifyLimiter
	bucket int
	gen    uint64
	sent   atomic.Bool
	done   atomic.Bool
}

// Sent implements [Ticket].
func (t *localTicket) Sent() {
	if t.done.Load() || !t.sent.CompareAndSwap(false, true) {
		return
	}
	l := t.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := &l.buckets[t.bucket]; b.held && b.gen == t.gen {
		b.started = l.clock.Now()
	}
}

// Done implements [Ticket].
func (t *localTicket) Done(ok bool) {
	if !t.done.CompareAndSwap(false, true) {
		return
	}
	l := t.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if ok {
		l.stats.Succeeded++
	} else {
		l.stats.Failed++
	}
	if b := &l.buckets[t.bucket]; b.held && b.gen == t.gen {
		if !t.sent.Load() {
			// Not knowing when it was sent, count the window from now.
			// (A ticket released by the hold limit counts from its grant:
			// that identify, if it was ever sent, arrived long ago.)
			b.started = l.clock.Now()
		}
		l.releaseLocked(b)
	}
}

func (b *identifyBucket) enqueue(w *identifyWaiter) {
	i, _ := slices.BinarySearchFunc(b.waiters, w, compareWaiters)
	b.waiters = slices.Insert(b.waiters, i, w)
}

func (b *identifyBucket) remove(w *identifyWaiter) {
	if i := slices.Index(b.waiters, w); i >= 0 {
		b.waiters = slices.Delete(b.waiters, i, i+1)
	}
}

func (b *identifyBucket) broadcast() {
	close(b.wake)
	b.wake = make(chan struct{})
}

func compareWaiters(a, b *identifyWaiter) int {
	if c := cmp.Compare(a.shard, b.shard); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}
