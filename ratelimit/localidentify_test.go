package ratelimit

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func newTestIdentifyLimiter(t *testing.T, clock Clock, mc int, opts ...IdentifyOption) *LocalIdentifyLimiter {
	t.Helper()
	l, err := NewLocalIdentifyLimiter(mc, append([]IdentifyOption{WithIdentifyClock(clock)}, opts...)...)
	if err != nil {
		t.Fatalf("NewLocalIdentifyLimiter: %v", err)
	}
	return l
}

// recordGrants makes l record which shard it let identify at which time.
func recordGrants(l *LocalIdentifyLimiter) func() []identifyGrant {
	var grants []identifyGrant
	l.onGrant = func(shard int, at time.Time) { grants = append(grants, identifyGrant{shard, at}) }
	return func() []identifyGrant {
		l.mu.Lock()
		defer l.mu.Unlock()
		return slices.Clone(grants)
	}
}

type identifyGrant struct {
	shard int
	at    time.Time
}

func TestIdentifyLimiterOptions(t *testing.T) {
	cases := map[string]struct {
		mc  int
		opt IdentifyOption
	}{
		"zero concurrency":  {0, nil},
		"zero window":       {1, WithIdentifyWindow(0)},
		"negative hold":     {1, WithHoldLimit(-time.Second)},
		"negative reserve":  {1, WithBudgetReserve(-1)},
		"zero period":       {1, WithBudgetPeriod(0)},
		"nil clock":         {1, WithIdentifyClock(nil)},
		"negative window":   {1, WithIdentifyWindow(-time.Second)},
		"negative concurrc": {-3, nil},
	}
	for name, c := range cases {
		l, err := NewLocalIdentifyLimiter(c.mc, c.opt)
		if !errors.Is(err, ErrInvalidOption) || l != nil {
			t.Errorf("%s: got %v, %v; want nil, ErrInvalidOption", name, l, err)
		}
	}
	l, err := NewLocalIdentifyLimiter(4)
	if err != nil {
		t.Fatal(err)
	}
	if l.MaxConcurrency() != 4 {
		t.Errorf("MaxConcurrency = %d", l.MaxConcurrency())
	}
	if _, known := l.Budget(); known {
		t.Error("a budget is known without being given one")
	}
	if _, err := l.Acquire(t.Context(), -1); !errors.Is(err, ErrInvalidShard) {
		t.Errorf("negative shard: %v", err)
	}
}

func TestBucket(t *testing.T) {
	for _, c := range []struct{ shard, mc, want int }{
		{0, 1, 0}, {5, 1, 0}, {17, 16, 1}, {31, 16, 15}, {3, 0, 0}, {-1, 4, 0},
	} {
		if got := Bucket(c.shard, c.mc); got != c.want {
			t.Errorf("Bucket(%d, %d) = %d, want %d", c.shard, c.mc, got, c.want)
		}
	}
}

// TestIdentifyLimiterSchedule starts 8 shards at once, in no particular
// order, with max_concurrency 2 and checks every window starts one identify
// in each bucket: 8 shards in 4 windows.
func TestIdentifyLimiterSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := newFakeClock()
		start := clock.Now()
		l := newTestIdentifyLimiter(t, clock, 2)
		grants := recordGrants(l)
		ctx := t.Context()
		for _, shard := range []int{7, 3, 5, 1, 0, 6, 2, 4} {
			go func() {
				tk, err := l.Acquire(ctx, shard)
				if err != nil {
					t.Error(err)
					return
				}
				tk.Done(true) // READY at once
			}()
		}
		synctest.Wait()
		for range 3 {
			clock.Advance(DefaultIdentifyWindow)
			synctest.Wait()
		}
		got := grants()
		if len(got) != 8 {
			t.Fatalf("%d grants, want 8: %v", len(got), got)
		}
		perWindow := map[time.Duration][]int{}
		for _, g := range got {
			d := g.at.Sub(start)
			perWindow[d] = append(perWindow[d], g.shard%2)
		}
		for w := range 4 {
			buckets := perWindow[time.Duration(w)*DefaultIdentifyWindow]
			slices.Sort(buckets)
			if !slices.Equal(buckets, []int{0, 1}) {
				t.Errorf("window %d started identifies in buckets %v, want one in each of [0 1]", w, buckets)
			}
		}
		if s := l.Stats(); s.Granted != 8 || s.Succeeded != 8 {
			t.Errorf("stats %+v", s)
		}
	})
}

// TestIdentifyLimiterHoldsUntilDone checks a bucket stays closed until the
// identify holding it is done, even past the window, and that the window
// counts from the start of the previous identify.
func TestIdentifyLimiterHoldsUntilDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := newFakeClock()
		start := clock.Now()
		l := newTestIdentifyLimiter(t, clock, 2, WithHoldLimit(time.Hour))
		grants := recordGrants(l)
		ctx := t.Context()

		t0, err := l.Acquire(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		tickets := make(chan Ticket, 2)
		for _, shard := range []int{2, 4} {
			go func() {
				tk, err := l.Acquire(ctx, shard)
				if err != nil {
					t.Error(err)
					return
				}
				tickets <- tk
			}()
		}
		// Another bucket is not held up by bucket 0.
		t1, err := l.Acquire(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		t1.Done(false)

		clock.Advance(7 * time.Second)
		synctest.Wait()
		if len(tickets) != 0 {
			t.Fatal("bucket 0 reopened while shard 0 still held it")
		}
		t0.Done(true) // READY after 7 s
		// The window counts from the end of shard 0's identify.
		clock.Advance(5*time.Second - time.Nanosecond)
		synctest.Wait()
		if len(tickets) != 0 {
			t.Fatal("shard 2 started less than a window after shard 0 ended")
		}
		clock.Advance(time.Nanosecond)
		synctest.Wait()
		t2 := <-tickets
		t2.Done(true) // shard 2 started at 12 s, READY at once

		clock.Advance(5*time.Second - time.Nanosecond)
		synctest.Wait()
		if len(tickets) != 0 {
			t.Fatal("shard 4 started less than a window after shard 2 ended")
		}
		clock.Advance(time.Nanosecond)
		synctest.Wait()
		(<-tickets).Done(true)

		want := map[int]time.Duration{0: 0, 1: 0, 2: 12 * time.Second, 4: 17 * time.Second}
		for _, g := range grants() {
			if d := g.at.Sub(start); d != want[g.shard] {
				t.Errorf("shard %d started at +%v, want +%v", g.shard, d, want[g.shard])
			}
		}
		if s := l.Stats(); s.Granted != 4 || s.Succeeded != 3 || s.Failed != 1 {
			t.Errorf("stats %+v", s)
		}
	})
}

func TestIdentifyLimiterHoldLimitReleasesForgottenTicket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := newFakeClock()
		start := clock.Now()
		l := newTestIdentifyLimiter(t, clock, 1, WithHoldLimit(20*time.Second))
		grants := recordGrants(l)
		ctx := t.Context()
		forgotten, err := l.Acquire(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan Ticket, 1)
		go func() {
			tk, err := l.Acquire(ctx, 1)
			if err != nil {
				t.Error(err)
			}
			got <- tk
		}()
		synctest.Wait()
		clock.Advance(19 * time.Second)
		synctest.Wait()
		if len(got) != 0 {
			t.Fatal("released before the hold limit")
		}
		clock.Advance(time.Second)
		synctest.Wait()
		second := <-got
		if d := grants()[1].at.Sub(start); d != 20*time.Second {
			t.Fatalf("shard 1 started at +%v, want +20s", d)
		}

		// The forgotten ticket's late Done must not release shard 1's hold.
		forgotten.Done(false)
		forgotten.Done(false) // and a second Done does nothing
		clock.Advance(10 * time.Second)
		third := make(chan error, 1)
		go func() {
			_, err := l.Acquire(ctx, 2)
			third <- err
		}()
		synctest.Wait()
		if len(third) != 0 {
			t.Fatal("a stale Done released the bucket held by shard 1")
		}
		second.Done(true)
		synctest.Wait()
		if len(third) != 0 {
			t.Fatal("shard 2 started less than a window after shard 1 ended")
		}
		clock.Advance(5 * time.Second)
		synctest.Wait()
		if err := <-third; err != nil {
			t.Fatal(err)
		}
		if s := l.Stats(); s.Expired != 1 || s.Failed != 1 || s.Succeeded != 1 || s.Granted != 3 {
			t.Errorf("stats %+v", s)
		}
	})
}

func TestIdentifyLimiterServesLowestShardFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := newFakeClock()
		l := newTestIdentifyLimiter(t, clock, 2)
		grants := recordGrants(l)
		ctx := t.Context()
		first, err := l.Acquire(ctx, 8)
		if err != nil {
			t.Fatal(err)
		}
		for _, shard := range []int{6, 4, 2} {
			go func() {
				tk, err := l.Acquire(ctx, shard)
				if err != nil {
					t.Error(err)
					return
				}
				tk.Done(true)
			}()
			synctest.Wait() // arrival order 6, 4, 2
		}
		first.Done(true)
		for range 3 {
			clock.Advance(DefaultIdentifyWindow)
			synctest.Wait()
		}
		var order []int
		for _, g := range grants() {
			order = append(order, g.shard)
		}
		if want := []int{8, 2, 4, 6}; !slices.Equal(order, want) {
			t.Fatalf("order %v, want %v", order, want)
		}
	})
}

func TestIdentifyLimiterCancellation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := newFakeClock()
		l := newTestIdentifyLimiter(t, clock, 1,
			WithSessionStartLimit(SessionStartLimit{Total: 10, Remaining: 10, ResetAfter: time.Hour}))
		ctx := t.Context()
		held, err := l.Acquire(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		cause := errors.New("manager stopping")
		cctx, cancel := context.WithCancelCause(ctx)
		errc := make(chan error, 1)
		go func() {
			_, err := l.Acquire(cctx, 1) // the head waiter
			errc <- err
		}()
		synctest.Wait()
		later := make(chan Ticket, 1)
		go func() {
			tk, err := l.Acquire(ctx, 2) // queued behind shard 1
			if err != nil {
				t.Error(err)
			}
			later <- tk
		}()
		synctest.Wait()
		cancel(cause)
		if err := <-errc; !errors.Is(err, context.Canceled) || !errors.Is(err, cause) {
			t.Fatalf("cancelled Acquire: %v", err)
		}
		if b, _ := l.Budget(); b.Remaining != 9 {
			t.Fatalf("remaining %d, want 9: a cancelled Acquire spends nothing", b.Remaining)
		}
		// Shard 2 takes over as head and goes when the bucket frees.
		held.Done(true)
		clock.Advance(DefaultIdentifyWindow)
		synctest.Wait()
		(<-later).Done(true)

		dctx, dcancel := context.WithTimeout(ctx, time.Second)
		defer dcancel()
		if _, err := l.Acquire(dctx, 0); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Acquire past deadline: %v", err)
		}
		done, dc := context.WithCancel(ctx)
		dc()
		if _, err := l.Acquire(done, 3); !errors.Is(err, context.Canceled) {
			t.Fatalf("Acquire with ended ctx: %v", err)
		}
		if err := l.CanStart(done, 1); !errors.Is(err, context.Canceled) {
			t.Fatalf("CanStart with ended ctx: %v", err)
		}
		if err := l.UpdateBudget(done, SessionStartLimit{}); !errors.Is(err, context.Canceled) {
			t.Fatalf("UpdateBudget with ended ctx: %v", err)
		}
		if s := l.Stats(); s.Granted != 2 {
			t.Errorf("stats %+v", s)
		}
	})
}

func TestIdentifyLimiterBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := newFakeClock()
		l := newTestIdentifyLimiter(t, clock, 16, WithSessionStartLimit(SessionStartLimit{
			Total: 1000, Remaining: 3, ResetAfter: 4 * time.Hour, MaxConcurrency: 16,
		}))
		ctx := t.Context()

		// 8 shards, 3 remaining: refused before any identify.
		err := l.CanStart(ctx, 8)
		var be *BudgetError
		if !errors.As(err, &be) || !errors.Is(err, ErrBudgetExhausted) {
			t.Fatalf("CanStart(8) with 3 left: %v", err)
		}
		if be.Remaining != 3 || be.Needed != 8 || be.ResetAfter != 4*time.Hour {
			t.Fatalf("BudgetError %+v", be)
		}
		for _, want := range []string{"3 remaining", "8 needed", "resets in 4h0m0s"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
		if b, _ := l.Budget(); b.Remaining != 3 {
			t.Fatalf("CanStart spent budget: %+v", b)
		}
		if err := l.CanStart(ctx, 3); err != nil {
			t.Fatalf("CanStart(3) with 3 left: %v", err)
		}

		for shard := range 3 {
			tk, err := l.Acquire(ctx, shard)
			if err != nil {
				t.Fatalf("identify %d: %v", shard, err)
			}
			tk.Done(true)
		}
		clock.Advance(time.Hour)
		_, err = l.Acquire(ctx, 3)
		if !errors.As(err, &be) || be.Remaining != 0 || be.ResetAfter != 3*time.Hour {
			t.Fatalf("4th identify: %v", err)
		}

		// At the reset the budget refills, and the next reset is a period on.
		clock.Advance(3 * time.Hour)
		b, known := l.Budget()
		want := SessionStartLimit{Total: 1000, Remaining: 1000, ResetAfter: DefaultBudgetPeriod, MaxConcurrency: 16}
		if !known || b != want {
			t.Fatalf("after reset: %+v, want %+v", b, want)
		}
		tk, err := l.Acquire(ctx, 3)
		if err != nil {
			t.Fatalf("identify after reset: %v", err)
		}
		tk.Done(true)
		if s := l.Stats(); s.Refused != 2 || s.Granted != 4 {
			t.Errorf("stats %+v", s)
		}
	})
}

func TestIdentifyLimiterBudgetReserve(t *testing.T) {
	clock := newFakeClock()
	l := newTestIdentifyLimiter(t, clock, 1, WithBudgetReserve(2), WithIdentifyWindow(time.Nanosecond),
		WithSessionStartLimit(SessionStartLimit{Total: 1000, Remaining: 3, ResetAfter: time.Minute}))
	ctx := t.Context()
	tk, err := l.Acquire(ctx, 0)
	if err != nil {
		t.Fatalf("identify leaving 2 in reserve: %v", err)
	}
	tk.Done(true)
	clock.Advance(time.Second)
	_, err = l.Acquire(ctx, 0)
	var be *BudgetError
	if !errors.As(err, &be) || be.Remaining != 2 || be.Reserve != 2 {
		t.Fatalf("identify into the reserve: %v", err)
	}
	if !strings.Contains(err.Error(), "2 kept in reserve") || !strings.Contains(err.Error(), "resets in 59s") {
		t.Errorf("error %q", err)
	}
}

// TestIdentifyLimiterBudgetRefusedWhileQueued checks the budget is checked
// again when a queued identify reaches the front: others may have spent it.
func TestIdentifyLimiterBudgetRefusedWhileQueued(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := newFakeClock()
		l := newTestIdentifyLimiter(t, clock, 1,
			WithSessionStartLimit(SessionStartLimit{Total: 1000, Remaining: 2, ResetAfter: time.Hour}))
		ctx := t.Context()
		errs := make(chan error, 3)
		for shard := range 3 {
			go func() {
				tk, err := l.Acquire(ctx, shard)
				if err == nil {
					tk.Done(true)
				}
				errs <- err
			}()
		}
		synctest.Wait()
		clock.Advance(DefaultIdentifyWindow)
		synctest.Wait()
		var ok, refused int
		for range 3 {
			switch err := <-errs; {
			case err == nil:
				ok++
			case errors.Is(err, ErrBudgetExhausted):
				refused++
			default:
				t.Fatal(err)
			}
		}
		if ok != 2 || refused != 1 {
			t.Fatalf("%d granted, %d refused; want 2 and 1", ok, refused)
		}
	})
}

func TestIdentifyLimiterUpdateBudgetCountsInFlight(t *testing.T) {
	clock := newFakeClock()
	l := newTestIdentifyLimiter(t, clock, 4)
	ctx := t.Context()
	if err := l.CanStart(ctx, 5000); err != nil {
		t.Fatalf("unknown budget is not enforced: %v", err)
	}
	t0, _ := l.Acquire(ctx, 0)
	t1, _ := l.Acquire(ctx, 1)
	t1.Done(true)
	// A report that may not include the identify still in flight.
	if err := l.UpdateBudget(ctx, SessionStartLimit{Total: 1000, Remaining: 500, ResetAfter: time.Hour, MaxConcurrency: 99}); err != nil {
		t.Fatal(err)
	}
	b, known := l.Budget()
	want := SessionStartLimit{Total: 1000, Remaining: 499, ResetAfter: time.Hour, MaxConcurrency: 4}
	if !known || b != want {
		t.Fatalf("budget %+v, want %+v", b, want)
	}
	t0.Done(true)
	var be *BudgetError
	if err := l.CanStart(ctx, 500); !errors.As(err, &be) || be.Remaining != 499 {
		t.Fatalf("CanStart(500): %v", err)
	}
}

func TestBudgetErrorMessage(t *testing.T) {
	e := &BudgetError{Remaining: 0, Needed: 1}
	if got := e.Error(); !strings.Contains(got, "reset time unknown") || !strings.Contains(got, "exhausted") {
		t.Errorf("unknown reset: %q", got)
	}
	e = &BudgetError{Remaining: 1, Needed: 2, ResetAt: time.Now(), ResetAfter: 300 * time.Millisecond}
	if got := e.Error(); !strings.Contains(got, "resets in 300ms") {
		t.Errorf("short reset: %q", got)
	}
	if !errors.Is(e, ErrBudgetExhausted) {
		t.Error("BudgetError does not match ErrBudgetExhausted")
	}
}

// TestIdentifyLimiterConcurrentRealTime has many goroutines identify (and
// re-identify) shards against the system clock with a 50 ms window, each
// holding its ticket for a random time, and checks from the recorded grant
// times that every bucket started at most one identify per window, each
// after the previous one of its bucket was done.
func TestIdentifyLimiterConcurrentRealTime(t *testing.T) {
	const (
		mc     = 3
		window = 50 * time.Millisecond
		shards = 12
		rounds = 2
	)
	l := newTestIdentifyLimiter(t, SystemClock, mc, WithIdentifyWindow(window),
		WithSessionStartLimit(SessionStartLimit{Total: 1000, Remaining: 1000, ResetAfter: time.Hour}))
	grants := recordGrants(l)

	var mu sync.Mutex
	done := map[identifyGrant]time.Time{} // grant → time just before Done
	var wg sync.WaitGroup
	for shard := range shards {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(shard), 1))
			for range rounds {
				tk, err := l.Acquire(t.Context(), shard)
				if err != nil {
					t.Error(err)
					return
				}
				var this identifyGrant // the latest grant of this shard is this one
				for _, g := range grants() {
					if g.shard == shard {
						this = g
					}
				}
				time.Sleep(time.Duration(rng.IntN(int(window * 3 / 2))))
				mu.Lock()
				done[this] = time.Now()
				mu.Unlock()
				tk.Done(rng.IntN(4) != 0)
			}
		})
	}
	wg.Wait()

	got := grants()
	if len(got) != shards*rounds {
		t.Fatalf("%d grants, want %d", len(got), shards*rounds)
	}
	last := map[int]identifyGrant{}
	for i, g := range got {
		b := g.shard % mc
		if prev, ok := last[b]; ok {
			if gap := g.at.Sub(prev.at); gap < window {
				t.Errorf("grant %d: bucket %d started shard %d %v after shard %d", i, b, g.shard, gap, prev.shard)
			}
			if g.at.Before(done[prev]) {
				t.Errorf("grant %d: shard %d started before shard %d of bucket %d was done", i, g.shard, prev.shard, b)
			}
		}
		last[b] = g
		// At most mc identifies in any window, across buckets.
		n := 0
		for j := i; j >= 0 && got[j].at.After(g.at.Add(-window)); j-- {
			n++
		}
		if n > mc {
			t.Errorf("grant %d: %d identifies in one window, max concurrency %d", i, n, mc)
		}
	}
	if s := l.Stats(); s.Granted != shards*rounds || s.Succeeded+s.Failed != shards*rounds || s.Expired != 0 {
		t.Errorf("stats %+v", s)
	}
	if b, _ := l.Budget(); b.Remaining != 1000-shards*rounds {
		t.Errorf("remaining %d, want %d", b.Remaining, 1000-shards*rounds)
	}
}

func TestIdentifyLimiterWindowCountsFromSent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := newFakeClock()
		start := clock.Now()
		l := newTestIdentifyLimiter(t, clock, 1)
		grants := recordGrants(l)
		ctx := t.Context()
		first, err := l.Acquire(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second) // a slow dial: the identify goes out 1 s after its grant
		first.Sent()
		clock.Advance(2 * time.Second)
		first.Done(true) // READY 2 s later
		next := make(chan Ticket, 1)
		go func() {
			tk, err := l.Acquire(ctx, 1)
			if err != nil {
				t.Error(err)
			}
			next <- tk
		}()
		clock.Advance(3*time.Second - time.Nanosecond)
		synctest.Wait()
		if len(next) != 0 {
			t.Fatal("second identify less than a window after the first was sent")
		}
		clock.Advance(time.Nanosecond)
		synctest.Wait()
		(<-next).Done(true)
		if d := grants()[1].at.Sub(start); d != 6*time.Second {
			t.Fatalf("second identify at +%v, want +6s (sent at +1s, window 5s)", d)
		}
	})
}

// TestIdentifyLimiterRefusesHugeConcurrency: one bucket is allocated per
// unit of max_concurrency, so a value from a hostile /gateway/bot (1e8) is
// refused before anything is allocated.
func TestIdentifyLimiterRefusesHugeConcurrency(t *testing.T) {
	for _, n := range []int{MaxIdentifyConcurrency + 1, 100_000_000} {
		if _, err := NewLocalIdentifyLimiter(n); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("max concurrency %d: got %v, want ErrInvalidOption", n, err)
		}
	}
	l, err := NewLocalIdentifyLimiter(MaxIdentifyConcurrency)
	if err != nil || l.MaxConcurrency() != MaxIdentifyConcurrency {
		t.Fatalf("the bound itself: %v", err)
	}
}
