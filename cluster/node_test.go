package cluster

import (
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
