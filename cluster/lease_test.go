package cluster

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestLeaseExclusiveRenewReleaseAndFence(t *testing.T) {
	srv := startNATS(t)
	cfg := testConfig("lease1", time.Second)
	a := openBuckets(t, connectNATS(t, srv.URL(), "a"), cfg)
	b := openBuckets(t, connectNATS(t, srv.URL(), "b"), cfg)
	ctx := context.Background()

	la, err := a.AcquireLease(ctx, 7, "a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.AcquireLease(ctx, 7, "b"); !errors.Is(err, ErrLeaseHeld) {
		t.Fatalf("second acquire: %v, want ErrLeaseHeld", err)
	}
	before, rev := la.SafeUntil(), la.Revision()
	time.Sleep(20 * time.Millisecond)
	if err := la.Renew(ctx); err != nil {
		t.Fatal(err)
	}
	if la.Revision() <= rev || !la.SafeUntil().After(before) {
		t.Fatalf("renewal did not move the fencing token (%d → %d) or the deadline", rev, la.Revision())
	}
	if holder, _, err := b.LeaseHolder(ctx, 7); err != nil || holder != "a" {
		t.Fatalf("holder %q (%v), want a", holder, err)
	}
	if err := la.Release(ctx); err != nil {
		t.Fatal(err)
	}
	// Create over the delete marker works.
	lb, err := b.AcquireLease(ctx, 7, "b")
	if err != nil {
		t.Fatalf("acquire after release: %v", err)
	}
	// The old holder is fenced out.
	if err := la.Renew(ctx); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("renewal of a released lease: %v, want ErrLeaseLost", err)
	}
	if err := la.Release(ctx); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("release of a lease someone else holds: %v, want ErrLeaseLost", err)
	}
	if err := lb.Renew(ctx); err != nil {
		t.Fatal(err)
	}
}

// A lease that is not renewed expires with the bucket's TTL, and never
// before SafeUntil.
func TestLeaseExpiresAfterSafeUntil(t *testing.T) {
	srv := startNATS(t)
	cfg := testConfig("lease2", time.Second)
	a := openBuckets(t, connectNATS(t, srv.URL(), "a"), cfg)
	b := openBuckets(t, connectNATS(t, srv.URL(), "b"), cfg)
	ctx := context.Background()
	la, err := a.AcquireLease(ctx, 1, "a")
	if err != nil {
		t.Fatal(err)
	}
	safe := la.SafeUntil()
	for {
		_, err := b.AcquireLease(ctx, 1, "b")
		if err == nil {
			break
		}
		if !errors.Is(err, ErrLeaseHeld) {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	took := time.Now()
	if !took.After(safe) {
		t.Fatalf("lease taken over %v before the holder's SafeUntil", safe.Sub(took))
	}
	t.Logf("taken over %v after SafeUntil (margin %v, TTL %v)", took.Sub(safe), a.cfg.LeaseMargin, a.cfg.LeaseTTL)
}
