package cluster

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatewaykit/gateway"
)

func TestSessionWritesAreFencedByOwner(t *testing.T) {
	srv := startNATS(t)
	cfg := testConfig("sess1", time.Second)
	a := openBuckets(t, connectNATS(t, srv.URL(), "a"), cfg)
	b := openBuckets(t, connectNATS(t, srv.URL(), "b"), cfg)
	ctx := context.Background()
	la, err := a.AcquireLease(ctx, 3, "a")
	if err != nil {
		t.Fatal(err)
	}
	s := gateway.Session{ID: "abc", Seq: 10, ResumeURL: "ws://127.0.0.1:1", ShardID: 3, ShardCount: 8}
	rev, err := a.writeSession(ctx, s, 0, la, "a")
	if err != nil {
		t.Fatal(err)
	}
	// A write that landed although its answer was lost: the next write
	// comes with the revision before it, and is not a fence.
	s.Seq = 20
	if _, err := a.writeSession(ctx, s, rev, la, "a"); err != nil {
		t.Fatal(err)
	}
	s.Seq = 30
	rev2, err := a.writeSession(ctx, s, rev, la, "a")
	if err != nil {
		t.Fatalf("write over a landed write of the same owner: %v", err)
	}

	// b takes the shard over and writes; a's next write is fenced.
	if err := la.Release(ctx); err != nil {
		t.Fatal(err)
	}
	lb, err := b.AcquireLease(ctx, 3, "b")
	if err != nil {
		t.Fatal(err)
	}
	got, brev, err := b.loadSession(ctx, 3, 8)
	if err != nil || got.Seq != 30 || got.ID != "abc" {
		t.Fatalf("loaded %+v (%v), want session abc at 30", got, err)
	}
	got.Seq = 31
	if _, err := b.writeSession(ctx, got, brev, lb, "b"); err != nil {
		t.Fatal(err)
	}
	s.Seq = 40
	if _, err := a.writeSession(ctx, s, rev2, la, "a"); !errors.Is(err, ErrFenced) {
		t.Fatalf("old owner's write after a takeover: %v, want ErrFenced", err)
	}
	// The SessionStore view agrees, and a different shard count finds
	// nothing.
	st := b.SessionStore()
	if sess, ok, err := st.Load(ctx, 3, 8); err != nil || !ok || sess.Seq != 31 {
		t.Fatalf("SessionStore.Load: %+v %v %v", sess, ok, err)
	}
	if _, ok, err := st.Load(ctx, 3, 16); err != nil || ok {
		t.Fatalf("a session found under another shard count (%v)", err)
	}

	// The gateway ended the session: the owner forgets it (fenced like a
	// write), and a new one is written over the marker.
	_, cur, err := b.loadSession(ctx, 3, 8)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.forgetSession(ctx, 3, 8, cur-1); !errors.Is(err, ErrFenced) {
		t.Fatalf("forget at a stale revision: %v, want ErrFenced", err)
	}
	if err := b.forgetSession(ctx, 3, 8, cur); err != nil {
		t.Fatal(err)
	}
	if sess, _, err := b.loadSession(ctx, 3, 8); err != nil || sess.Resumable() {
		t.Fatalf("after forget: %+v (%v), want nothing", sess, err)
	}
	fresh := gateway.Session{ID: "def", Seq: 1, ShardID: 3, ShardCount: 8}
	if _, err := b.writeSession(ctx, fresh, 0, lb, "b"); err != nil {
		t.Fatalf("new session over the forgotten one: %v", err)
	}
}
