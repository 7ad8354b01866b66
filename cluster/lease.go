package cluster

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Lease errors.
var (
	// ErrLeaseHeld: another node holds the shard's lease.
	ErrLeaseHeld = errors.New("cluster: shard lease held by another node")
	// ErrLeaseLost: the lease changed hands or vanished; the holder must
	// stop the shard at once.
	ErrLeaseLost = errors.New("cluster: shard lease lost")
)

// leaseValue is what a lease key holds.
type leaseValue struct {
	Instance string    `json:"instance"`
	Nonce    string    `json:"nonce"`
	Since    time.Time `json:"since"`
}

// Lease is one node's hold on one shard: the key <app>.shard.<id> of the
// leases bucket, whose TTL is LeaseTTL. Its revision is the fencing token.
//
// SafeUntil is the contract: until then, on this process's monotonic clock,
// no other node can hold the shard. It is the moment the last successful
// renewal was sent, plus LeaseTTL, minus LeaseMargin: the key cannot expire
// before that send time plus the TTL, so stopping the shard by SafeUntil
// leaves the margin for the socket to close before anyone else can take over.
type Lease struct {
	b     *Buckets
	shard int
	key   string
	value []byte
	nonce string

	mu        sync.Mutex
	rev       uint64
	renewedAt time.Time // when the last successful write was sent
}

// AcquireLease takes the lease of a shard for instance, or fails with an error
// matching ErrLeaseHeld.
func (b *Buckets) AcquireLease(ctx context.Context, shard int, instance string) (*Lease, error) {
	return b.acquireLeaseKey(ctx, b.leaseKey(shard), shard, instance)
}

// acquireLeaseKey takes a lease under any key of the leases bucket (the
// consumers' partitions use their own).
func (b *Buckets) acquireLeaseKey(ctx context.Context, key string, shard int, instance string) (*Lease, error) {
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	v, err := json.Marshal(leaseValue{Instance: instance, Nonce: hex.EncodeToString(nonce[:]), Since: time.Now()})
	if err != nil {
		return nil, err
	}
	l := &Lease{b: b, shard: shard, key: key, value: v, nonce: hex.EncodeToString(nonce[:])}
	sent := time.Now()
	ctx, cancel := context.WithTimeout(ctx, b.cfg.OpTimeout)
	defer cancel()
	rev, err := b.leases.Create(ctx, l.key, v)
	if isConflict(err) {
		return nil, fmt.Errorf("%w: shard %d", ErrLeaseHeld, shard)
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: take lease of shard %d: %w", shard, err)
	}
	l.rev, l.renewedAt = rev, sent
	return l, nil
}

func (b *Buckets) leaseKey(shard int) string { return b.cfg.key("shard", strconv.Itoa(shard)) }

// LeaseHolder returns the instance holding a shard's lease, "" if none.
func (b *Buckets) LeaseHolder(ctx context.Context, shard int) (string, uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.OpTimeout)
	defer cancel()
	e, err := b.leases.Get(ctx, b.leaseKey(shard))
	if isNotFound(err) {
		return "", 0, nil
	}
	if err != nil {
		return "", 0, err
	}
	var v leaseValue
	if err := json.Unmarshal(e.Value(), &v); err != nil {
		return "", 0, err
	}
	return v.Instance, e.Revision(), nil
}

// Shard returns the leased shard.
func (l *Lease) Shard() int { return l.shard }

// Revision returns the fencing token: the key's revision as of the last
// successful write. It changes at every renewal.
func (l *Lease) Revision() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rev
}

// SafeUntil returns the deadline by which the holder must have stopped the
// shard unless a renewal succeeds first (monotonic clock).
func (l *Lease) SafeUntil() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.renewedAt.Add(l.b.cfg.LeaseTTL - l.b.cfg.LeaseMargin)
}

// Renew rewrites the lease by compare-and-set on its revision, restarting
// its TTL. An error matching ErrLeaseLost means someone else holds it now (or
// it expired and was deleted): stop the shard at once. Other errors leave the
// lease as it was: renew again, and stop the shard by SafeUntil.
func (l *Lease) Renew(ctx context.Context) error {
	l.mu.Lock()
	rev := l.rev
	l.mu.Unlock()
	sent := time.Now()
	ctx, cancel := l.opContext(ctx)
	defer cancel()
	newRev, err := l.b.leases.Update(ctx, l.key, l.value, rev)
	if isConflict(err) {
		// A renewal that timed out may have landed after all: the key
		// still holding this lease's nonce means nobody else took it.
		e, gerr := l.b.leases.Get(ctx, l.key)
		if gerr != nil || !bytes.Equal(e.Value(), l.value) {
			return fmt.Errorf("%w: shard %d", ErrLeaseLost, l.shard)
		}
		newRev, err = l.b.leases.Update(ctx, l.key, l.value, e.Revision())
		if isConflict(err) {
			return fmt.Errorf("%w: shard %d", ErrLeaseLost, l.shard)
		}
	}
	if err != nil {
		return fmt.Errorf("cluster: renew lease of shard %d: %w", l.shard, err)
	}
	l.mu.Lock()
	l.rev, l.renewedAt = newRev, sent
	l.mu.Unlock()
	return nil
}

// Release deletes the lease if it is still this one, so that another node
// can take the shard at once.
func (l *Lease) Release(ctx context.Context) error {
	l.mu.Lock()
	rev := l.rev
	l.mu.Unlock()
	ctx, cancel := l.opContext(ctx)
	defer cancel()
	if err := l.b.leases.Delete(ctx, l.key, lastRevision(rev)); err != nil {
		if isConflict(err) {
			return fmt.Errorf("%w: shard %d", ErrLeaseLost, l.shard)
		}
		return fmt.Errorf("cluster: release lease of shard %d: %w", l.shard, err)
	}
	return nil
}

// opContext bounds a lease operation by OpTimeout and by SafeUntil: a
// holder waiting for NATS must not sit past the moment it has to stop.
func (l *Lease) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	d := min(l.b.cfg.OpTimeout, time.Until(l.SafeUntil()))
	d = max(d, 10*time.Millisecond)
	return context.WithTimeout(ctx, d)
}
