package ratelimit

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func newTestCommandLimiter(t *testing.T, clock Clock, opts ...CommandOption) *CommandLimiter {
	t.Helper()
	l, err := NewCommandLimiter(append([]CommandOption{WithCommandClock(clock)}, opts...)...)
	if err != nil {
		t.Fatalf("NewCommandLimiter: %v", err)
	}
	return l
}

func TestCommandLimiterOptions(t *testing.T) {
	for name, opt := range map[string]CommandOption{
		"zero limit":        WithCommandLimit(0, time.Minute),
		"zero window":       WithCommandLimit(10, 0),
		"negative margin":   WithPriorityMargin(-1),
		"negative interval": WithHeartbeatInterval(-time.Second),
		"nil clock":         WithCommandClock(nil),
	} {
		l, err := NewCommandLimiter(opt)
		if !errors.Is(err, ErrInvalidOption) || l != nil {
			t.Errorf("%s: got %v, %v; want nil, ErrInvalidOption", name, l, err)
		}
	}
	l, err := NewCommandLimiter(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := CommandStats{
		Limit:    DefaultCommandLimit,
		Window:   DefaultCommandWindow,
		Reserved: assumedHeartbeats + DefaultPriorityMargin,
	}
	if s := l.Stats(); s != want {
		t.Errorf("defaults: got %+v, want %+v", s, want)
	}
}

func TestCommandLimiterReserveFollowsHeartbeatInterval(t *testing.T) {
	l := newTestCommandLimiter(t, newFakeClock())
	for _, c := range []struct {
		interval time.Duration
		want     int
	}{
		{0, 2 + DefaultPriorityMargin},
		{41250 * time.Millisecond, 2 + DefaultPriorityMargin}, // Discord's usual: 115 left
		{45 * time.Second, 2 + DefaultPriorityMargin},
		{60 * time.Second, 1 + DefaultPriorityMargin},
		{10 * time.Second, 6 + DefaultPriorityMargin},
		{7 * time.Second, 9 + DefaultPriorityMargin}, // ceil(60/7) = 9
		{time.Millisecond, DefaultCommandLimit - 1},  // capped: one slot stays ordinary
	} {
		l.SetHeartbeatInterval(c.interval)
		s := l.Stats()
		if s.Reserved != c.want || s.HeartbeatInterval != c.interval {
			t.Errorf("interval %v: reserved %d (interval %v), want %d", c.interval, s.Reserved, s.HeartbeatInterval, c.want)
		}
	}

	// A scaled window scales the heartbeat count with it.
	scaled := newTestCommandLimiter(t, newFakeClock(),
		WithCommandLimit(120, 600*time.Millisecond), WithHeartbeatInterval(412500*time.Microsecond), WithPriorityMargin(0))
	if r := scaled.Stats().Reserved; r != 2 {
		t.Errorf("scaled: reserved %d, want 2", r)
	}
}

// TestCommandLimiterSlidingWindow checks the window slides: sends spread
// over a window boundary still total at most the quota in any window, where
// fixed buckets would let twice the quota through around the boundary.
func TestCommandLimiterSlidingWindow(t *testing.T) {
	clock := newFakeClock()
	// limit 10, one heartbeat per window and no margin: reserve 1, quota 9.
	l := newTestCommandLimiter(t, clock,
		WithCommandLimit(10, time.Minute), WithHeartbeatInterval(time.Minute), WithPriorityMargin(0))

	clock.Advance(59 * time.Second)
	for i := range 9 {
		if !l.Allow() {
			t.Fatalf("send %d refused", i)
		}
	}
	if l.Allow() {
		t.Fatal("the 10th ordinary send ate the reserve")
	}
	if s := l.Stats().Sent; s != 9 {
		t.Fatalf("Sent = %d, want 9", s)
	}

	// Past a minute boundary: a fixed bucket would reopen here.
	clock.Advance(2 * time.Second)
	if l.Allow() {
		t.Fatal("allowed a send while the window still holds 9 from 2 s ago")
	}

	// Exactly one window after the burst, all of it has left the window.
	clock.Advance(58 * time.Second)
	for i := range 9 {
		if !l.Allow() {
			t.Fatalf("send %d after the window refused", i)
		}
	}
	if l.Allow() {
		t.Fatal("allowed more than the quota after the window")
	}
}

func TestCommandLimiterSlidesOneAtATime(t *testing.T) {
	clock := newFakeClock()
	l := newTestCommandLimiter(t, clock,
		WithCommandLimit(4, 10*time.Second), WithHeartbeatInterval(10*time.Second), WithPriorityMargin(0))
	// quota 3: sends at 0 s, 1 s, 2 s.
	for i := range 3 {
		if !l.Allow() {
			t.Fatalf("send %d refused", i)
		}
		clock.Advance(time.Second)
	}
	// now 3 s: full until the send at 0 s leaves at 10 s.
	steps := []struct {
		advance time.Duration
		want    bool
		why     string
	}{
		{0, false, "full"},
		{7*time.Second - time.Nanosecond, false, "one nanosecond early"},
		{time.Nanosecond, true, "the 0 s send has left the window"},
		{0, false, "only one slot freed"},
		{time.Second, true, "the 1 s send has left the window"},
	}
	for _, s := range steps {
		clock.Advance(s.advance)
		if got := l.Allow(); got != s.want {
			t.Fatalf("%s: Allow = %v", s.why, got)
		}
	}
}

func TestCommandLimiterWaitBlocksUntilSlotFrees(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := newFakeClock()
		l := newTestCommandLimiter(t, clock,
			WithCommandLimit(3, time.Minute), WithHeartbeatInterval(time.Minute), WithPriorityMargin(0))
		ctx := t.Context()
		mustWait(t, l, ctx)
		clock.Advance(10 * time.Second)
		mustWait(t, l, ctx)

		var done atomic.Bool
		go func() {
			if err := l.Wait(ctx); err != nil {
				t.Error(err)
			}
			done.Store(true)
		}()
		synctest.Wait()
		if done.Load() {
			t.Fatal("third ordinary send did not wait: one slot is reserved")
		}
		if n := clock.Pending(); n != 1 {
			t.Fatalf("%d timers armed, want the waiter's one", n)
		}

		clock.Advance(50*time.Second - time.Nanosecond)
		synctest.Wait()
		if done.Load() {
			t.Fatal("let through a nanosecond early")
		}

		clock.Advance(time.Nanosecond)
		synctest.Wait()
		if !done.Load() {
			t.Fatal("still waiting after the first send left the window")
		}
		if s := l.Stats().Sent; s != 2 {
			t.Fatalf("Sent = %d, want 2", s)
		}
	})
}

func mustWait(t *testing.T, l *CommandLimiter, ctx context.Context) {
	t.Helper()
	if err := l.Wait(ctx); err != nil {
		t.Fatalf("Wait: %v", err)
	}
}

func TestCommandLimiterPriorityNeverQueuesBehindOrdinary(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := newFakeClock()
		// limit 10, reserve 2 + 1 = 3, quota 7.
		l := newTestCommandLimiter(t, clock,
			WithCommandLimit(10, time.Minute), WithHeartbeatInterval(30*time.Second), WithPriorityMargin(1))
		ctx := t.Context()
		for range 7 {
			mustWait(t, l, ctx)
		}
		var ordinary atomic.Int32
		for range 5 {
			go func() {
				if l.Wait(ctx) == nil {
					ordinary.Add(1)
				}
			}()
		}
		synctest.Wait()
		if n := ordinary.Load(); n != 0 {
			t.Fatalf("%d ordinary sends went past the quota", n)
		}

		// The reserve is there for priority commands, with no time passing.
		for i := range 3 {
			if err := l.WaitPriority(ctx); err != nil {
				t.Fatalf("priority send %d: %v", i, err)
			}
		}
		if s := l.Stats().Sent; s != 10 {
			t.Fatalf("Sent = %d, want 10: priority sends count against the window", s)
		}

		// Past the whole limit even priority sends wait.
		var prio atomic.Bool
		go func() {
			if err := l.WaitPriority(ctx); err != nil {
				t.Error(err)
			}
			prio.Store(true)
		}()
		synctest.Wait()
		if prio.Load() {
			t.Fatal("a priority send went past the whole limit")
		}

		clock.Advance(time.Minute)
		synctest.Wait()
		if !prio.Load() {
			t.Fatal("priority send still waiting after the window")
		}
		// 7 ordinary slots free again, the priority send took one of them.
		if n := ordinary.Load(); n != 5 {
			t.Fatalf("%d ordinary waiters went, want all 5", n)
		}
	})
}

func TestCommandLimiterServesOrdinaryWaitersInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := newFakeClock()
		l := newTestCommandLimiter(t, clock,
			WithCommandLimit(2, time.Minute), WithHeartbeatInterval(time.Minute), WithPriorityMargin(0))
		ctx := t.Context()
		mustWait(t, l, ctx) // the quota of 1 is used

		var mu sync.Mutex
		var order []int
		for i := range 5 {
			go func() {
				if err := l.Wait(ctx); err != nil {
					t.Error(err)
				}
				mu.Lock()
				order = append(order, i)
				mu.Unlock()
			}()
			synctest.Wait() // waiter i is queued before i+1 starts
		}
		for range 5 {
			clock.Advance(time.Minute)
			synctest.Wait()
		}
		if want := []int{0, 1, 2, 3, 4}; !slices.Equal(order, want) {
			t.Fatalf("served in order %v, want %v", order, want)
		}
	})
}

func TestCommandLimiterCancellation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := newFakeClock()
		l := newTestCommandLimiter(t, clock,
			WithCommandLimit(2, time.Minute), WithHeartbeatInterval(time.Minute), WithPriorityMargin(0))
		mustWait(t, l, t.Context())

		// A waiting Wait returns when its context is cancelled, and the
		// error carries the cause.
		cause := errors.New("shard closing")
		ctx, cancel := context.WithCancelCause(t.Context())
		errc := make(chan error, 1)
		go func() { errc <- l.Wait(ctx) }()
		synctest.Wait()
		// A second waiter queues behind the first, on the turn.
		ctx2, cancel2 := context.WithCancel(t.Context())
		errc2 := make(chan error, 1)
		go func() { errc2 <- l.Wait(ctx2) }()
		synctest.Wait()
		cancel(cause)
		if err := <-errc; !errors.Is(err, context.Canceled) || !errors.Is(err, cause) {
			t.Fatalf("cancelled Wait: %v", err)
		}
		cancel2()
		if err := <-errc2; !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled queued Wait: %v", err)
		}
		if s := l.Stats().Sent; s != 1 {
			t.Fatalf("Sent = %d, want 1: cancelled waits count nothing", s)
		}

		// A deadline ends a wait with DeadlineExceeded.
		dctx, dcancel := context.WithTimeout(t.Context(), time.Second)
		defer dcancel()
		if err := l.WaitPriority(dctx); err != nil {
			t.Fatalf("priority send with room (limit 2, 1 used): %v", err)
		}
		if err := l.Wait(dctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Wait past deadline: %v", err)
		}

		// An ended context fails at once even when there is room.
		l.Reset()
		done, dc := context.WithCancel(t.Context())
		dc()
		if err := l.Wait(done); !errors.Is(err, context.Canceled) {
			t.Fatalf("Wait with ended ctx: %v", err)
		}
		if err := l.WaitPriority(done); !errors.Is(err, context.Canceled) {
			t.Fatalf("WaitPriority with ended ctx: %v", err)
		}
		if s := l.Stats().Sent; s != 0 {
			t.Fatalf("Sent = %d, want 0", s)
		}
		// The turn was handed back: the limiter still works.
		if !l.Allow() {
			t.Fatal("limiter stuck after cancellations")
		}
	})
}

func TestCommandLimiterResetWakesWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := newFakeClock()
		l := newTestCommandLimiter(t, clock,
			WithCommandLimit(3, time.Minute), WithHeartbeatInterval(time.Minute), WithPriorityMargin(0))
		ctx := t.Context()
		mustWait(t, l, ctx)
		mustWait(t, l, ctx)
		errc := make(chan error, 1)
		go func() { errc <- l.Wait(ctx) }()
		synctest.Wait()
		if len(errc) != 0 {
			t.Fatal("Wait returned while the quota was used")
		}

		l.Reset() // a new connection: its count starts from zero
		synctest.Wait()
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
		if s := l.Stats().Sent; s != 1 {
			t.Fatalf("Sent = %d after Reset and one send, want 1", s)
		}
	})
}

func TestCommandLimiterShrinkingReserveWakesWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := newFakeClock()
		// No interval yet: reserve 2 + 0, quota 3 of 5.
		l := newTestCommandLimiter(t, clock, WithCommandLimit(5, time.Minute), WithPriorityMargin(0))
		ctx := t.Context()
		for range 3 {
			mustWait(t, l, ctx)
		}
		errc := make(chan error, 1)
		go func() { errc <- l.Wait(ctx) }()
		synctest.Wait()
		if len(errc) != 0 {
			t.Fatal("Wait returned while the quota was used")
		}

		l.SetHeartbeatInterval(time.Minute) // reserve 1: quota 4
		synctest.Wait()
		if len(errc) != 1 {
			t.Fatal("waiter not woken by a smaller reserve")
		}
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	})
}

func TestCommandLimiterClockGoingBackwards(t *testing.T) {
	clock := newFakeClock()
	l := newTestCommandLimiter(t, clock,
		WithCommandLimit(3, time.Minute), WithHeartbeatInterval(time.Minute), WithPriorityMargin(0))
	for range 2 {
		if !l.Allow() {
			t.Fatal("send refused")
		}
	}
	clock.Advance(-time.Hour)
	if l.Allow() {
		t.Fatal("time running backwards freed a slot")
	}
	if s := l.Stats().Sent; s != 2 {
		t.Fatalf("Sent = %d, want 2", s)
	}
}

// TestCommandLimiterConcurrentRealTime runs many goroutines against the
// system clock with a short window and checks, from the times the limiter
// let each command through, that no window ever held more than the limit
// and that no ordinary command was let into a window already holding
// limit - reserve.
func TestCommandLimiterConcurrentRealTime(t *testing.T) {
	const (
		limit   = 20
		window  = 50 * time.Millisecond
		workers = 12
		each    = 15
	)
	l := newTestCommandLimiter(t, SystemClock,
		WithCommandLimit(limit, window), WithHeartbeatInterval(25*time.Millisecond), WithPriorityMargin(1))
	reserve := l.Stats().Reserved
	if reserve != 3 {
		t.Fatalf("reserve %d, want 3", reserve)
	}

	type grant struct {
		at       time.Time
		priority bool
	}
	var grants []grant // appended under l.mu by the hook
	l.onGrant = func(at time.Time, priority bool) { grants = append(grants, grant{at, priority}) }

	ctx := t.Context()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				var err error
				if w == 0 && i%3 == 0 {
					err = l.WaitPriority(ctx)
				} else {
					err = l.Wait(ctx)
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	// Meanwhile a waiter with a short deadline gives up cleanly.
	dctx, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
	var err error
	for err == nil {
		err = l.Wait(dctx)
	}
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline waiter: %v", err)
	}
	wg.Wait()

	l.mu.Lock()
	defer l.mu.Unlock()
	if len(grants) < workers*each {
		t.Fatalf("%d grants, want at least %d", len(grants), workers*each)
	}
	for i, g := range grants {
		if i > 0 && g.at.Before(grants[i-1].at) {
			t.Fatalf("grant %d earlier than grant %d", i, i-1)
		}
		inWindow := 0
		for j := i; j >= 0 && grants[j].at.After(g.at.Add(-window)); j-- {
			inWindow++
		}
		if inWindow > limit {
			t.Fatalf("grant %d: %d commands in one window, limit %d", i, inWindow, limit)
		}
		if !g.priority && inWindow > limit-reserve {
			t.Fatalf("ordinary grant %d made %d in one window, ordinary quota %d", i, inWindow, limit-reserve)
		}
	}
}
