package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatewaykit/gateway/ratelimit"
)

// IdentifyConfig configures an IdentifyLimiter.
type IdentifyConfig struct {
	// MaxConcurrency is session_start_limit.max_concurrency, the number of
	// identify buckets. Required.
	MaxConcurrency int
	// Instance names this process in the slot values and the budget
	// record (for operators reading the buckets). Default "unnamed".
	Instance string
	// Reserve keeps session starts back: an identify that would leave
	// fewer is not granted.
	Reserve int
	// BudgetPeriod is how long a budget lasts once it resets. Default
	// 24 h; scale it with a time-scaled emulator.
	BudgetPeriod time.Duration
	// RefuseWhenExhausted makes Acquire refuse with a
	// *ratelimit.BudgetError when the budget is at its floor, as the core
	// contract of ratelimit.IdentifyLimiter says. By default the cluster
	// limiter waits instead (until the budget resets, is raised by
	// UpdateBudget, or ctx ends) with the reason in Status: in a cluster a
	// shard that stopped would only be taken over by another node, which
	// could not identify either.
	RefuseWhenExhausted bool
	// HoldLimit bounds how long a ticket keeps this process's turn on its
	// bucket without Done. Default six identify windows.
	HoldLimit time.Duration
	// Logger receives warnings when identifies are blocked (NATS
	// unreachable, budget exhausted) and when they are unblocked. Default:
	// discard.
	Logger *slog.Logger
}

// IdentifyLimiter is a ratelimit.IdentifyLimiter shared by every process of a
// bot through NATS: at most one identify per bucket shard_id % max_concurrency
// per window across the cluster, and one daily budget.
//
// The slot of a bucket is the key <app>.<bucket> of the identify bucket,
// whose TTL is the identify window plus a margin: Create takes it, and a
// process that finds it taken waits until it expires (its creation time plus
// the TTL, plus a little jitter) and tries again. The slot is rewritten when
// the identify is sent (Ticket.Sent), so the TTL counts from the send. In
// front of the KV, each process keeps a local line per bucket: one shard of
// the process polls at a time, lowest shard id first.
//
// Every grant decrements the stored budget by compare-and-set. The limiter is
// fail-closed: it grants nothing it could not record. While NATS cannot be
// reached, or the budget is at its floor, Acquire waits (until ctx ends) and
// Status says why; shards already connected are not affected.
type IdentifyLimiter struct {
	b         *Buckets
	cfg       IdentifyConfig
	log       *slog.Logger
	budgetKey string
	queues    []*bucketQueue

	mu           sync.Mutex
	blocked      string
	blockedSince time.Time
	budget       budgetRecord
	budgetKnown  bool

	waiting                              atomic.Int64
	granted, waits, refused, unreachable atomic.Int64
	succeeded, failed, expired           atomic.Int64
	lapsed                               atomic.Int64
	refreshes                            sync.WaitGroup
}

// IdentifyStatus is a snapshot of an IdentifyLimiter.
type IdentifyStatus struct {
	// Waiting is how many Acquire calls of this process wait now.
	Waiting int
	// Blocked says why identifies cannot be granted at all at the moment
	// ("" when they can): NATS unreachable, or the budget exhausted.
	// Waiting for a bucket's window is not being blocked.
	Blocked string
	// BlockedSince is when Blocked became non-empty.
	BlockedSince time.Time
	// Budget is the budget as this process last saw it; BudgetKnown is
	// false if none is stored.
	Budget      ratelimit.SessionStartLimit
	BudgetKnown bool
	// Granted counts tickets granted (session starts spent); Waits the
	// Acquire calls that found their bucket's slot taken at least once;
	// Refused those refused for lack of budget; Unreachable the KV
	// operations that failed for want of NATS.
	Granted, Waits, Refused, Unreachable int64
	// Succeeded, Failed and Expired count tickets by how they ended:
	// Done(true), Done(false), or the hold limit.
	Succeeded, Failed, Expired int64
	// Lapsed counts tickets whose slot expired (or was taken) before their
	// identify was sent: the slot could not be rewritten in time, because
	// NATS was slow or unreachable. Such an identify may share a window
	// with the bucket's next one (one op 9 from Discord).
	Lapsed int64
}

// NewIdentifyLimiter returns a cluster-wide identify limiter over b.
func NewIdentifyLimiter(b *Buckets, cfg IdentifyConfig) (*IdentifyLimiter, error) {
	if cfg.MaxConcurrency < 1 {
		return nil, fmt.Errorf("%w: MaxConcurrency %d must be at least 1", ErrConfig, cfg.MaxConcurrency)
	}
	if cfg.Reserve < 0 {
		return nil, fmt.Errorf("%w: Reserve %d must be 0 or more", ErrConfig, cfg.Reserve)
	}
	if cfg.Instance == "" {
		cfg.Instance = "unnamed"
	}
	if cfg.BudgetPeriod <= 0 {
		cfg.BudgetPeriod = ratelimit.DefaultBudgetPeriod
	}
	if cfg.HoldLimit <= 0 {
		cfg.HoldLimit = 6 * b.cfg.IdentifyWindow
	}
	l := &IdentifyLimiter{
		b:         b,
		cfg:       cfg,
		log:       cfg.Logger,
		budgetKey: b.cfg.key("budget"),
		queues:    make([]*bucketQueue, cfg.MaxConcurrency),
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	for i := range l.queues {
		l.queues[i] = &bucketQueue{}
	}
	return l, nil
}

// MaxConcurrency returns the number of buckets.
func (l *IdentifyLimiter) MaxConcurrency() int { return l.cfg.MaxConcurrency }

// Status returns what the limiter is doing and why it waits, if it does.
func (l *IdentifyLimiter) Status() IdentifyStatus {
	l.mu.Lock()
	st := IdentifyStatus{
		Blocked:      l.blocked,
		BlockedSince: l.blockedSince,
		Budget:       l.budget.limit(time.Now()),
		BudgetKnown:  l.budgetKnown,
	}
	l.mu.Unlock()
	st.Waiting = int(l.waiting.Load())
	st.Granted = l.granted.Load()
	st.Waits = l.waits.Load()
	st.Refused = l.refused.Load()
	st.Unreachable = l.unreachable.Load()
	st.Succeeded = l.succeeded.Load()
	st.Failed = l.failed.Load()
	st.Expired = l.expired.Load()
	st.Lapsed = l.lapsed.Load()
	return st
}

// Wait blocks until every slot refresh this limiter started has finished
// (every ticket has ended): for tests and orderly shutdown.
func (l *IdentifyLimiter) Wait() { l.refreshes.Wait() }

// Acquire implements ratelimit.IdentifyLimiter.
func (l *IdentifyLimiter) Acquire(ctx context.Context, shardID int) (ratelimit.Ticket, error) {
	if shardID < 0 {
		return nil, fmt.Errorf("cluster: %w: %d", ratelimit.ErrInvalidShard, shardID)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("cluster: identify shard %d: %w", shardID, err)
	}
	l.waiting.Add(1)
	defer l.waiting.Add(-1)
	bucket := ratelimit.Bucket(shardID, l.cfg.MaxConcurrency)
	q := l.queues[bucket]
	if err := q.enter(ctx, shardID); err != nil {
		return nil, fmt.Errorf("cluster: identify shard %d: %w", shardID, err)
	}
	t, err := l.takeSlot(ctx, bucket, shardID)
	if err != nil {
		q.leave()
		return nil, fmt.Errorf("cluster: identify shard %d: %w", shardID, err)
	}
	t.q = q
	t.stop = make(chan struct{})
	t.hold = time.AfterFunc(l.cfg.HoldLimit, func() { t.end(false, true) })
	l.refreshes.Add(1)
	go t.keepAlive()
	return t, nil
}

// takeSlot creates the bucket's slot and spends a session start, waiting as
// long as the slot is taken, NATS is unreachable or the budget is at its
// floor.
func (l *IdentifyLimiter) takeSlot(ctx context.Context, bucket, shardID int) (*identifyTicket, error) {
	key := l.b.cfg.key(strconv.Itoa(bucket))
	value := []byte(strconv.Itoa(shardID) + ":" + l.cfg.Instance)
	waited := false
	failures := 0
	for {
		rev, err := l.create(ctx, key, value)
		switch {
		case err == nil:
			failures = 0
			serr := l.spend(ctx)
			if serr == nil {
				l.unblock()
				l.granted.Add(1)
				return &identifyTicket{l: l, key: key, value: value, rev: rev}, nil
			}
			// No identify will happen: free the slot for the others.
			l.deleteSlot(key, rev)
			var be *ratelimit.BudgetError
			if !errors.As(serr, &be) {
				l.unreachable.Add(1)
				l.block("NATS unreachable: " + serr.Error())
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if be != nil {
				l.block("budget exhausted: " + be.Error())
				if l.cfg.RefuseWhenExhausted {
					l.refused.Add(1)
					return nil, serr
				}
				if err := sleepCtx(ctx, l.b.cfg.IdentifyWindow); err != nil {
					return nil, err
				}
				continue
			}
			failures++
			if err := sleepCtx(ctx, retryDelay(failures)); err != nil {
				return nil, err
			}
		case isConflict(err):
			failures = 0
			if !waited {
				waited = true
				l.waits.Add(1)
			}
			if err := sleepCtx(ctx, l.slotRemaining(ctx, key)); err != nil {
				return nil, err
			}
		default:
			// No answer, whether or not ctx ended meanwhile: say so.
			l.unreachable.Add(1)
			l.block("NATS unreachable: " + err.Error())
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			failures++
			if err := sleepCtx(ctx, retryDelay(failures)); err != nil {
				return nil, err
			}
		}
	}
}

func (l *IdentifyLimiter) create(ctx context.Context, key string, value []byte) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, l.b.cfg.OpTimeout)
	defer cancel()
	return l.b.identify.Create(ctx, key, value)
}

// slotRemaining returns how long to wait before trying a taken slot again:
// until it expires by its TTL, plus jitter so that the processes waiting for
// it do not all ask in the same millisecond.
func (l *IdentifyLimiter) slotRemaining(ctx context.Context, key string) time.Duration {
	ttl := l.b.cfg.IdentifyWindow + l.b.cfg.IdentifyMargin
	jitter := time.Duration(rand.Int64N(int64(ttl/50) + 1))
	ctx, cancel := context.WithTimeout(ctx, l.b.cfg.OpTimeout)
	defer cancel()
	e, err := l.b.identify.Get(ctx, key)
	if err != nil {
		// Expired (or deleted) since the Create, or NATS hiccuped: try
		// again soon.
		return ttl/100 + jitter
	}
	left := time.Until(e.Created().Add(ttl))
	// Clocks of other machines may be off: never trust a wait longer than
	// the TTL, and never spin.
	left = min(max(left, ttl/100), ttl)
	return left + jitter
}

func (l *IdentifyLimiter) deleteSlot(key string, rev uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), l.b.cfg.OpTimeout)
	defer cancel()
	_ = l.b.identify.Delete(ctx, key, lastRevision(rev))
}

func (l *IdentifyLimiter) block(reason string) {
	l.mu.Lock()
	changed := l.blocked == ""
	if changed {
		l.blockedSince = time.Now()
	}
	l.blocked = reason
	l.mu.Unlock()
	if changed {
		l.log.Warn("identifies blocked", "reason", reason)
	}
}

func (l *IdentifyLimiter) unblock() {
	l.mu.Lock()
	was, since := l.blocked, l.blockedSince
	l.blocked = ""
	l.mu.Unlock()
	if was != "" {
		l.log.Info("identifies unblocked", "was", was, "after", time.Since(since).Round(time.Millisecond))
	}
}

// identifyTicket is the ratelimit.Ticket of an IdentifyLimiter.
//
// While it is held and its identify not yet sent, a goroutine rewrites the
// slot every quarter of its TTL, so the slot cannot expire under an identify
// that is granted early and sent late (a busy machine); when the identify is
// sent (or the ticket ends unsent) the slot is rewritten once more, so the
// bucket's next identify comes a whole TTL after it.
type identifyTicket struct {
	l     *IdentifyLimiter
	q     *bucketQueue
	key   string
	value []byte
	rev   uint64 // owned by keepAlive
	gone  bool   // owned by keepAlive: the slot is no longer this ticket's
	hold  *time.Timer
	stop  chan struct{} // closed by Sent or end
	sent  atomic.Bool
	once  sync.Once
	sOnce sync.Once
}

// keepAlive holds the slot until Sent or the end of the ticket, then
// rewrites it a last time.
func (t *identifyTicket) keepAlive() {
	defer t.l.refreshes.Done()
	every := (t.l.b.cfg.IdentifyWindow + t.l.b.cfg.IdentifyMargin) / 4
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			t.rewrite()
		case <-t.stop:
			t.rewrite()
			return
		}
	}
}

// rewrite restarts the slot's TTL, if the slot is still this ticket's.
func (t *identifyTicket) rewrite() {
	if t.gone {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), t.l.b.cfg.OpTimeout)
	defer cancel()
	rev, err := t.l.b.identify.Update(ctx, t.key, t.value, t.rev)
	switch {
	case err == nil:
		t.rev = rev
	case isConflict(err):
		// Expired (or taken) while held: count it once.
		t.gone = true
		t.l.lapsed.Add(1)
	}
}

func (t *identifyTicket) release() { t.sOnce.Do(func() { close(t.stop) }) }

// Sent implements ratelimit.Ticket: the slot is rewritten so that its TTL
// counts from the send.
func (t *identifyTicket) Sent() {
	if t.sent.CompareAndSwap(false, true) {
		t.release()
	}
}

// Done implements ratelimit.Ticket.
func (t *identifyTicket) Done(ok bool) { t.end(ok, false) }

func (t *identifyTicket) end(ok, expired bool) {
	t.once.Do(func() {
		t.hold.Stop()
		// Never sent (or not said): the window counts from now.
		t.release()
		switch {
		case expired:
			t.l.expired.Add(1)
		case ok:
			t.l.succeeded.Add(1)
		default:
			t.l.failed.Add(1)
		}
		t.q.leave()
	})
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// retryDelay backs off from 100 ms to 2 s with jitter after n failures.
func retryDelay(n int) time.Duration {
	d := 100 * time.Millisecond << min(n-1, 5)
	d = min(d, 2*time.Second)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

var _ ratelimit.IdentifyLimiter = (*IdentifyLimiter)(nil)
