package cluster

import (
	"context"
	"testing"
	"time"
)

// Three nodes share 8 shards; one is killed abruptly (NATS connection and
// sockets cut, no shutdown path). Its shards are resumed elsewhere within
// lease TTL plus a few seconds, no identify is spent on them, no event is
// lost (audited against the emulator's sequence numbers), and the emulator
// never saw a shard on two connections at once.
func TestNodeKillFailoverResumesWithoutIdentify(t *testing.T) {
	h := newHarness(t, 8, 2)
	a := h.startNode("a", false)
	h.startNode("b", false)
	h.startNode("c", false)
	took := h.waitAllConnected(30 * time.Second)
	st := h.emu.Stats()
	t.Logf("cold start: %d shards connected in %v, %d identifies, max %d per bucket per window", h.shards, took, st.Identifies, st.MaxIdentifiesPerBucket)
	if st.MaxIdentifiesPerBucket > 1 {
		t.Fatalf("emulator saw %d identifies in one bucket within a window", st.MaxIdentifiesPerBucket)
	}
	identifies := st.Identifies

	stop := h.publish(5 * time.Millisecond)
	time.Sleep(500 * time.Millisecond)

	// Kill the node with the most shards.
	victim := a
	for _, tn := range h.nodes {
		if len(tn.node.Status().Shards) > len(victim.node.Status().Shards) {
			victim = tn
		}
	}
	owned := len(victim.node.Status().Shards)
	if owned == 0 {
		t.Fatalf("no node owns a shard")
	}
	victim.nc.Close()
	victim.node.Kill()
	killedAt := time.Now()
	h.mu.Lock()
	delete(h.nodes, victim.name)
	h.mu.Unlock()
	h.waitAllConnected(h.cfg.LeaseTTL + 5*time.Second)
	t.Logf("killed %s with %d shards; all resumed elsewhere %v after the kill (lease TTL %v)", victim.name, owned, time.Since(killedAt).Round(time.Millisecond), h.cfg.LeaseTTL)
	time.Sleep(300 * time.Millisecond)
	published := stop()
	h.settle(10 * time.Second)

	var takeovers, takeoverIdentifies int64
	for _, tn := range h.nodes {
		s := tn.node.Status()
		takeovers += s.Takeovers
		takeoverIdentifies += s.TakeoverIdentifies
	}
	c := h.audit.Counts()
	st = h.emu.Stats()
	t.Logf("published %d, audit %+v, takeovers %d, emulator identifies %d resumes %d", published, c, takeovers, st.Identifies, st.Resumes)
	if takeovers < int64(owned) {
		t.Errorf("%d takeovers, want at least the %d shards of the killed node", takeovers, owned)
	}
	if takeoverIdentifies != 0 || st.Identifies != identifies {
		t.Errorf("takeovers identified: %d takeover identifies, emulator identifies %d → %d", takeoverIdentifies, identifies, st.Identifies)
	}
	if c.Lost != 0 || c.Duplicated != 0 {
		t.Errorf("audit: lost %d duplicated %d", c.Lost, c.Duplicated)
	}
	if d := h.doubleConnected(); len(d) > 0 {
		t.Errorf("shards connected twice at once: %v", d)
	}
	got, _, err := h.admin.ReadBudget(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if int64(h.budget.Remaining-got.Remaining) != st.Identifies {
		t.Errorf("budget fell by %d, emulator counted %d identifies", h.budget.Remaining-got.Remaining, st.Identifies)
	}
}

// A rolling restart: each node in turn drains (its shards close resumably,
// their sessions are written exactly, their leases released) and a new node
// takes its place. No identify is spent after the cold start, nothing is
// lost, and since every hand-over wrote the exact sequence number, nothing is
// even replayed.
func TestNodeRollingDrainSpendsNoIdentify(t *testing.T) {
	h := newHarness(t, 8, 2)
	for _, n := range []string{"a", "b", "c"} {
		h.startNode(n, false)
	}
	h.waitAllConnected(30 * time.Second)
	identifies := h.emu.Stats().Identifies
	stop := h.publish(5 * time.Millisecond)

	for _, n := range []string{"a", "b", "c"} {
		h.mu.Lock()
		tn := h.nodes[n]
		h.mu.Unlock()
		owned := len(tn.node.Status().Shards)
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		if err := tn.node.Drain(ctx); err != nil {
			t.Fatalf("drain %s: %v", n, err)
		}
		cancel()
		if err := <-tn.done; err != nil {
			t.Fatalf("node %s Run after drain: %v", n, err)
		}
		h.mu.Lock()
		delete(h.nodes, n)
		h.mu.Unlock()
		h.waitAllConnected(10 * time.Second)
		t.Logf("drained %s (%d shards); all connected again %v later", n, owned, time.Since(start).Round(time.Millisecond))
		h.startNode(n+"2", false)
		// Let the newcomer take its share (graceful hand-overs too).
		eventually(t, 15*time.Second, "the new node runs shards", func() bool {
			h.mu.Lock()
			defer h.mu.Unlock()
			return len(h.nodes[n+"2"].node.Status().Shards) > 0
		})
		h.waitAllConnected(15 * time.Second)
	}
	time.Sleep(200 * time.Millisecond)
	stop()
	h.settle(10 * time.Second)
	c := h.audit.Counts()
	st := h.emu.Stats()
	t.Logf("audit %+v; emulator identifies %d (after cold start %d), resumes %d", c, st.Identifies, identifies, st.Resumes)
	if st.Identifies != identifies {
		t.Errorf("rolling drain spent %d identifies", st.Identifies-identifies)
	}
	if c.Lost != 0 || c.Duplicated != 0 || c.Replayed != 0 {
		t.Errorf("audit after drains: lost %d duplicated %d replayed %d, want 0", c.Lost, c.Duplicated, c.Replayed)
	}
	if st.Resumes == 0 {
		t.Error("no shard was resumed")
	}
	if d := h.doubleConnected(); len(d) > 0 {
		t.Errorf("shards connected twice at once: %v", d)
	}
}

// A node cut off from NATS while its gateway sockets stay up stops its
// shards by its leases' SafeUntil, before they can expire; the others take
// them over and the emulator never sees a shard on two connections at once.
// When the cut heals, the node rejoins and takes shards again by hand-over.
func TestNodeCutFromNATSStopsShardsBeforeLeaseExpiry(t *testing.T) {
	h := newHarness(t, 8, 2)
	a := h.startNode("a", true)
	h.startNode("b", false)
	h.startNode("c", false)
	h.waitAllConnected(30 * time.Second)
	identifies := h.emu.Stats().Identifies
	stop := h.publish(5 * time.Millisecond)
	owned := len(a.node.Status().Shards)
	if owned == 0 {
		t.Fatal("node a owns no shard")
	}
	a.proxy.Cut()
	cutAt := time.Now()
	eventually(t, h.cfg.LeaseTTL+5*time.Second, "node a stopped its shards", func() bool { return len(a.node.Status().Shards) == 0 })
	stoppedAfter := time.Since(cutAt)
	h.waitAllConnected(h.cfg.LeaseTTL + 5*time.Second)
	t.Logf("cut a (%d shards) from NATS: it stopped them after %v, all running elsewhere after %v", owned, stoppedAfter.Round(time.Millisecond), time.Since(cutAt).Round(time.Millisecond))
	if ws := a.node.Status().WatchdogStops; ws != int64(owned) {
		t.Errorf("watchdog stopped %d shards, want %d", ws, owned)
	}

	a.proxy.Restore()
	eventually(t, 20*time.Second, "node a runs shards again after the cut healed", func() bool { return len(a.node.Status().Shards) > 0 })
	h.waitAllConnected(15 * time.Second)
	time.Sleep(200 * time.Millisecond)
	stop()
	h.settle(10 * time.Second)
	c := h.audit.Counts()
	st := h.emu.Stats()
	t.Logf("audit %+v; emulator identifies %d (after cold start %d)", c, st.Identifies, identifies)
	if c.Lost != 0 || c.Duplicated != 0 {
		t.Errorf("audit: lost %d duplicated %d", c.Lost, c.Duplicated)
	}
	if st.Identifies != identifies {
		t.Errorf("the partition cost %d identifies", st.Identifies-identifies)
	}
	if d := h.doubleConnected(); len(d) > 0 {
		t.Errorf("shards connected twice at once: %v", d)
	}
}

// NATS restarts under a running cluster: while it is down identifies wait
// (and say why), connected shards keep delivering, and once it is back the
// cluster goes on by itself: no shard stopped, no identify spent, nothing
// lost.
func TestNodeSurvivesNATSRestart(t *testing.T) {
	h := newHarness(t, 6, 2, func(c *Config) {
		// Long enough for the restart to fit before the lease deadline
		// (TTL - margin after the last renewal, renewals every TTL/3).
		c.LeaseTTL = 6 * time.Second
		c.MemberTTL = 6 * time.Second
	})
	for _, n := range []string{"a", "b", "c"} {
		h.startNode(n, false)
	}
	h.waitAllConnected(30 * time.Second)
	identifies := h.emu.Stats().Identifies
	stop := h.publish(5 * time.Millisecond)
	time.Sleep(300 * time.Millisecond)

	h.nats.Stop()
	downAt := time.Now()
	before := h.audit.Counts().Events
	waitCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	granted := make(chan error, 1)
	go func() {
		tk, err := h.admin.Acquire(waitCtx, 5)
		if err == nil {
			tk.Done(false)
		}
		granted <- err
	}()
	eventually(t, 5*time.Second, "events delivered while NATS is down", func() bool { return h.audit.Counts().Events > before+20 })
	eventually(t, 5*time.Second, "identify blocked while NATS is down", func() bool { return h.admin.Status().Blocked != "" })
	select {
	case err := <-granted:
		t.Fatalf("identify granted while NATS was down (err %v)", err)
	default:
	}
	if err := h.nats.StartAgain(); err != nil {
		t.Fatal(err)
	}
	t.Logf("NATS down for %v; %d events delivered meanwhile", time.Since(downAt).Round(time.Millisecond), h.audit.Counts().Events-before)
	if err := <-granted; err != nil {
		t.Fatalf("identify after NATS came back: %v", err)
	}
	// Renewals go on: wait past a whole lease TTL.
	time.Sleep(h.cfg.LeaseTTL)
	h.waitAllConnected(10 * time.Second)
	stop()
	h.settle(10 * time.Second)
	var stops int64
	for _, tn := range h.nodes {
		st := tn.node.Status()
		stops += st.WatchdogStops + st.LeaseLost + st.Fenced
	}
	c := h.audit.Counts()
	st := h.emu.Stats()
	t.Logf("audit %+v; emulator identifies %d resumes %d; shards stopped %d", c, st.Identifies, st.Resumes, stops)
	if stops != 0 {
		t.Errorf("%d shards stopped by the restart", stops)
	}
	if st.Identifies != identifies {
		t.Errorf("the restart cost %d identifies", st.Identifies-identifies)
	}
	if c.Lost != 0 || c.Duplicated != 0 {
		t.Errorf("audit: lost %d duplicated %d", c.Lost, c.Duplicated)
	}
}
