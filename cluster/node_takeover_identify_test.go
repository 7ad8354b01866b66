package cluster

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/nats-io/nats.go"
)

// A node that takes a shard over from a stored session the gateway no
// longer knows (it ended the session just before the old owner died, before
// the owner could forget it) must identify; it counts the takeover identify
// once and hands OnTakeoverIdentify the stored session it started from, so
// whoever watches can tell which session failed to resume.
func TestNodeTakeoverIdentifyReportsTheStoredSession(t *testing.T) {
	h := newHarness(t, 1, 1)
	stored := gateway.Session{ID: "0123456789abcdef0123456789abcdef", Seq: 42, ResumeURL: h.emu.URL(), ShardID: 0, ShardCount: 1}
	b := openBuckets(t, connectNATS(t, h.nats.URL(), "writer"), h.cfg)
	rec, err := json.Marshal(sessionRecord{SessionID: stored.ID, Seq: stored.Seq, ResumeURL: stored.ResumeURL,
		ShardID: stored.ShardID, ShardCount: stored.ShardCount, Instance: "dead", Written: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.sessions.Create(t.Context(), b.sessionKey(0, 1), rec); err != nil {
		t.Fatal(err)
	}

	type report struct {
		shard int
		sess  gateway.Session
	}
	var mu sync.Mutex
	var reports []report
	h.nodeTweak = func(_ *Buckets, _ *nats.Conn, cfg *NodeConfig) {
		cfg.OnTakeoverIdentify = func(shard int, s gateway.Session) {
			mu.Lock()
			reports = append(reports, report{shard, s})
			mu.Unlock()
		}
	}
	tn := h.startNode("a", false)
	h.waitAllConnected(30 * time.Second)
	// The identify is counted at the next session write after READY.
	deadline := time.Now().Add(10 * time.Second)
	for tn.node.Status().TakeoverIdentifies == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // a few more flushes: still counted once

	st := tn.node.Status()
	if st.Takeovers != 1 || st.TakeoverIdentifies != 1 {
		t.Fatalf("takeovers %d, takeover identifies %d; want 1 and 1", st.Takeovers, st.TakeoverIdentifies)
	}
	var refused bool
	for _, c := range h.emu.Conns() {
		for _, rr := range c.Record().Resumes {
			refused = refused || (rr.SessionID == stored.ID && rr.Seq == stored.Seq)
		}
	}
	if !refused {
		t.Errorf("the emulator saw no resume of the stored session")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reports) != 1 {
		t.Fatalf("OnTakeoverIdentify called %d times, want once: %+v", len(reports), reports)
	}
	if reports[0].shard != 0 || reports[0].sess.ID != stored.ID || reports[0].sess.Seq != stored.Seq {
		t.Errorf("OnTakeoverIdentify(%d, %+v), want shard 0 and the stored session %+v", reports[0].shard, reports[0].sess, stored)
	}
}
