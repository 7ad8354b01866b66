package cluster

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatewaykit/gateway/ratelimit"
)

// testConfig is a bot's cluster configuration with a short identify window.
func testConfig(app string, window time.Duration) Config {
	return Config{App: app, IdentifyWindow: window, LeaseTTL: 1500 * time.Millisecond, MemberTTL: 1500 * time.Millisecond}
}

func newLimiter(t *testing.T, url, instance string, cfg Config, maxConc int) *IdentifyLimiter {
	t.Helper()
	nc := connectNATS(t, url, instance)
	l, err := NewIdentifyLimiter(openBuckets(t, nc, cfg), IdentifyConfig{MaxConcurrency: maxConc, Instance: instance})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Wait)
	return l
}

// Three processes race for the identify slots of 18 shards over 2 buckets:
// per bucket, grants are at least a window apart, and the budget falls by
// exactly the number of grants.
func TestIdentifyLimiterOneGrantPerBucketPerWindowAcrossProcesses(t *testing.T) {
	srv := startNATS(t)
	const window = 300 * time.Millisecond
	const maxConc, shards, procs = 2, 18, 3
	cfg := testConfig("app1", window)
	var ls []*IdentifyLimiter
	for i := range procs {
		ls = append(ls, newLimiter(t, srv.URL(), fmt.Sprintf("p%d", i), cfg, maxConc))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := ls[0].UpdateBudget(ctx, ratelimit.SessionStartLimit{Total: 1000, Remaining: 500, ResetAfter: time.Hour, MaxConcurrency: maxConc}); err != nil {
		t.Fatal(err)
	}

	type grant struct {
		shard int
		at    time.Time
	}
	var mu sync.Mutex
	var grants []grant
	var wg sync.WaitGroup
	for s := range shards {
		wg.Go(func() {
			tk, err := ls[s%procs].Acquire(ctx, s)
			if err != nil {
				t.Errorf("shard %d: %v", s, err)
				return
			}
			at := time.Now()
			tk.Sent()
			mu.Lock()
			grants = append(grants, grant{s, at})
			mu.Unlock()
			tk.Done(true)
		})
	}
	wg.Wait()
	if len(grants) != shards {
		t.Fatalf("%d grants, want %d", len(grants), shards)
	}
	sort.Slice(grants, func(i, j int) bool { return grants[i].at.Before(grants[j].at) })
	last := map[int]time.Time{}
	minGap := time.Hour
	for _, g := range grants {
		b := g.shard % maxConc
		if prev, ok := last[b]; ok {
			gap := g.at.Sub(prev)
			minGap = min(minGap, gap)
			if gap < window {
				t.Errorf("bucket %d: shard %d granted %v after the previous grant, under the %v window", b, g.shard, gap, window)
			}
		}
		last[b] = g.at
	}
	t.Logf("%d grants over %d buckets, smallest gap within a bucket %v (window %v)", len(grants), maxConc, minGap, window)

	got, known, err := ls[1].ReadBudget(ctx)
	if err != nil || !known {
		t.Fatalf("read budget: %v (known %v)", err, known)
	}
	if got.Remaining != 500-shards {
		t.Fatalf("budget remaining %d, want %d (500 - %d grants)", got.Remaining, 500-shards, shards)
	}
	var granted int64
	for _, l := range ls {
		granted += l.Status().Granted
	}
	if granted != shards {
		t.Fatalf("limiters report %d grants, want %d", granted, shards)
	}
}

// With the budget at its floor an identify waits and says why; raising the
// budget lets it through. With RefuseWhenExhausted it is refused instead.
func TestIdentifyLimiterBudgetAtFloorWaitsThenResumes(t *testing.T) {
	srv := startNATS(t)
	cfg := testConfig("app2", 200*time.Millisecond)
	l := newLimiter(t, srv.URL(), "p0", cfg, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := l.UpdateBudget(ctx, ratelimit.SessionStartLimit{Total: 10, Remaining: 2, ResetAfter: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if err := l.CanStart(ctx, 3); !errors.Is(err, ratelimit.ErrBudgetExhausted) {
		t.Fatalf("CanStart(3) with 2 left: %v, want ErrBudgetExhausted", err)
	}
	for s := range 2 {
		tk, err := l.Acquire(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		tk.Sent()
		tk.Done(true)
	}
	// With no budget left, Acquire waits, and Status names the budget
	// as what blocks it (not a fixed deadline: on a loaded machine a KV
	// call can outlast one, and Status then rightly names NATS).
	short, cancelShort := context.WithCancel(ctx)
	defer cancelShort()
	blocked := make(chan error, 1)
	go func() {
		_, err := l.Acquire(short, 2)
		blocked <- err
	}()
	eventually(t, 20*time.Second, "Status.Blocked to name the budget", func() bool {
		return strings.Contains(l.Status().Blocked, "budget exhausted")
	})
	select {
	case err := <-blocked:
		t.Fatalf("Acquire with no budget returned %v, want it to wait", err)
	default:
	}
	cancelShort()
	if err := <-blocked; !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire with no budget: %v, want a wait ended by its context", err)
	}

	done := make(chan error, 1)
	go func() {
		tk, err := l.Acquire(ctx, 3)
		if err == nil {
			tk.Done(true)
		}
		done <- err
	}()
	eventually(t, 5*time.Second, "Acquire waiting", func() bool { return l.Status().Waiting == 1 })
	// A new period (reset much later than the stored one) replaces the
	// budget.
	if err := l.UpdateBudget(ctx, ratelimit.SessionStartLimit{Total: 10, Remaining: 10, ResetAfter: 3 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Acquire after the budget was raised: %v", err)
	}
	if st := l.Status(); st.Blocked != "" || st.Budget.Remaining != 9 {
		t.Fatalf("after the grant: Blocked %q, Remaining %d; want unblocked and 9", st.Blocked, st.Budget.Remaining)
	}

	refusing, err := NewIdentifyLimiter(l.b, IdentifyConfig{MaxConcurrency: 4, RefuseWhenExhausted: true, Reserve: 9})
	if err != nil {
		t.Fatal(err)
	}
	var be *ratelimit.BudgetError
	if _, err := refusing.Acquire(ctx, 0); !errors.As(err, &be) || be.Reserve != 9 {
		t.Fatalf("Acquire under the reserve with RefuseWhenExhausted: %v, want a *BudgetError", err)
	}
}

// Within one period, UpdateBudget keeps the lower Remaining: a report from
// GET /gateway/bot may predate identifies of other nodes.
func TestIdentifyLimiterUpdateBudgetKeepsLowerWithinPeriod(t *testing.T) {
	srv := startNATS(t)
	l := newLimiter(t, srv.URL(), "p0", testConfig("app3", 200*time.Millisecond), 1)
	ctx := context.Background()
	if err := l.UpdateBudget(ctx, ratelimit.SessionStartLimit{Total: 100, Remaining: 50, ResetAfter: time.Hour}); err != nil {
		t.Fatal(err)
	}
	tk, err := l.Acquire(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	tk.Done(true)
	if err := l.UpdateBudget(ctx, ratelimit.SessionStartLimit{Total: 100, Remaining: 50, ResetAfter: time.Hour}); err != nil {
		t.Fatal(err)
	}
	got, _, err := l.ReadBudget(ctx)
	if err != nil || got.Remaining != 49 {
		t.Fatalf("remaining %d (%v), want 49: the stale report must not undo a spent identify", got.Remaining, err)
	}
}

// NATS down: identifies wait (nothing is granted blind) and Status says why;
// once NATS is back they go through and the budget counts only real grants.
func TestIdentifyLimiterWaitsWhileNATSIsDown(t *testing.T) {
	srv := startNATS(t)
	l := newLimiter(t, srv.URL(), "p0", testConfig("app4", 200*time.Millisecond), 1)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := l.UpdateBudget(ctx, ratelimit.SessionStartLimit{Total: 100, Remaining: 100, ResetAfter: time.Hour}); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	short, cancelShort := context.WithTimeout(ctx, 1500*time.Millisecond)
	defer cancelShort()
	if tk, err := l.Acquire(short, 0); err == nil {
		tk.Done(false)
		t.Fatal("Acquire granted a ticket while NATS was down")
	} else if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Acquire while NATS is down: %v, want a wait ended by the deadline", err)
	}
	st := l.Status()
	if !strings.Contains(st.Blocked, "NATS unreachable") || st.Unreachable == 0 {
		t.Fatalf("Status while NATS is down: Blocked %q, Unreachable %d", st.Blocked, st.Unreachable)
	}
	if err := srv.StartAgain(); err != nil {
		t.Fatal(err)
	}
	tk, err := l.Acquire(ctx, 0)
	if err != nil {
		t.Fatalf("Acquire after NATS came back: %v", err)
	}
	tk.Done(true)
	got, _, err := l.ReadBudget(ctx)
	if err != nil || got.Remaining != 99 {
		t.Fatalf("budget after one grant: %d (%v), want 99", got.Remaining, err)
	}
	if st := l.Status(); st.Blocked != "" {
		t.Fatalf("still blocked after a grant: %q", st.Blocked)
	}
}

// A cancelled Acquire holds nothing: the bucket's next waiter gets through.
func TestIdentifyLimiterCancelledAcquireHoldsNothing(t *testing.T) {
	srv := startNATS(t)
	l := newLimiter(t, srv.URL(), "p0", testConfig("app5", 200*time.Millisecond), 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tk, err := l.Acquire(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelShort()
	if _, err := l.Acquire(short, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Acquire while the bucket is held: %v", err)
	}
	tk.Sent()
	tk.Done(true)
	tk2, err := l.Acquire(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	tk2.Done(true)
	if st := l.Status(); st.Granted != 2 || st.Succeeded != 2 {
		t.Fatalf("granted %d succeeded %d, want 2 and 2", st.Granted, st.Succeeded)
	}
}

// An identify granted early but sent late (a busy machine) keeps its slot
// until it is sent: the bucket's next grant, in another process, comes a
// window after the send, not after the grant.
func TestIdentifyLimiterHoldsSlotUntilSent(t *testing.T) {
	srv := startNATS(t)
	const window = 300 * time.Millisecond
	cfg := testConfig("app6", window)
	a := newLimiter(t, srv.URL(), "a", cfg, 2)
	b := newLimiter(t, srv.URL(), "b", cfg, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tk, err := a.Acquire(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	granted := make(chan time.Time, 1)
	go func() {
		tk2, err := b.Acquire(ctx, 2)
		if err != nil {
			t.Error(err)
			granted <- time.Time{}
			return
		}
		granted <- time.Now()
		tk2.Sent()
		tk2.Done(true)
	}()
	// Sent four TTLs after the grant.
	time.Sleep(4 * (window + cfg.IdentifyWindow/10))
	select {
	case at := <-granted:
		t.Fatalf("bucket granted to another process %v before the held identify was sent", time.Since(at))
	default:
	}
	sentAt := time.Now()
	tk.Sent()
	tk.Done(true)
	at := <-granted
	if gap := at.Sub(sentAt); gap < window {
		t.Fatalf("next grant %v after the send, under the %v window", gap, window)
	} else {
		t.Logf("next grant %v after the send (window %v)", gap, window)
	}
}
