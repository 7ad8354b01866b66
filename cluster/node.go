package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/ratelimit"
)

// ErrKilled is the cause of a node's end after Kill.
var ErrKilled = errors.New("cluster: node killed")

// NodeConfig configures a Node.
type NodeConfig struct {
	// Instance names the node, unique in the cluster. Required.
	Instance string
	// Capacity is how many shards the node runs at most. Default 1000.
	Capacity int
	// Version is announced to operators in the members bucket.
	Version string
	// ShardCount is the bot's total shard count. Required.
	ShardCount int
	// Shard is the template of every shard: token, intents, URL,
	// encoding, compression, sink, timeouts. ShardID, ShardCount, Session,
	// OnSession and IdentifyLimiter are set by the node; NetDial is wrapped
	// (the node tracks its sockets).
	Shard gatewayutil.Config
	// Limiter schedules identifies; an *IdentifyLimiter over the same
	// buckets. Required.
	Limiter ratelimit.IdentifyLimiter
	// FlushInterval bounds how stale a stored sequence number may be:
	// sessions are written at READY/RESUMED, at close, and at most this
	// long after they change. Default 1 s.
	FlushInterval time.Duration
	// ReconcileInterval is how often the node reads the members and
	// takes or hands over shards. Default a fifteenth of LeaseTTL (1 s).
	ReconcileInterval time.Duration
	// JoinSettle is how long a node waits after joining before taking
	// shards, so nodes started together see each other first. Default two
	// reconcile intervals.
	JoinSettle time.Duration
	// DrainTimeout bounds Drain's hand-over when Run's context ends.
	// Default 30 s.
	DrainTimeout time.Duration
	// OnTakeover, if set, is called when the node starts a shard from a
	// stored session (it will resume it), with that session: events
	// replayed after its Seq may already have been delivered by the
	// previous owner. A consumer that deduplicates by (shard, session,
	// seq) drops them.
	OnTakeover func(shard int, s gateway.Session)
	// OnTakeoverIdentify, if set, is called when a shard the node took
	// over identified instead of resuming (NodeStatus.TakeoverIdentifies
	// counts these), with the stored session it started from; at most
	// once per takeover.
	OnTakeoverIdentify func(shard int, s gateway.Session)
	// Logger receives the node's logs. Default: discard.
	Logger *slog.Logger
	// Events, if set, publishes every dispatch of the node's shards on
	// NATS (before the Shard template's own Sink sees it).
	Events *Publisher
	// ServeCommands makes the node answer command requests
	// (<prefix>.<app>.cmd.<shard>, see Commander) for the shards it runs.
	ServeCommands bool
}

// Node runs the shards the cluster assigns to it. It announces itself in the
// members bucket, computes the assignment (Assign) from the live members,
// takes the lease of each shard assigned to it, and runs the shard with
// gatewayutil.Shard, resuming the session stored in KV if there is one. It
// hands over shards no longer assigned to it (a node joined) and, on Drain,
// all of them: close with a resumable code, write the final session, release
// the lease; the new owner resumes at once.
//
// Safety does not depend on the node's goodwill: a shard whose lease could
// not be renewed is stopped by the lease's SafeUntil, before anyone else can
// take it; a lease or session that changed hands stops it at once.
type Node struct {
	b      *Buckets
	cfg    NodeConfig
	log    *slog.Logger
	member *Membership

	ctx    context.Context
	cancel context.CancelCauseFunc

	mu       sync.Mutex
	owned    map[int]*ownedShard
	conns    map[net.Conn]struct{}
	started  bool
	draining atomic.Bool
	killed   atomic.Bool

	drainReq  chan struct{}
	drainOnce sync.Once
	done      chan struct{}
	wg        sync.WaitGroup

	// RenewLatency records how long each successful lease renewal took.
	renewLatency gatewayutil.Histogram

	takeovers, handovers, leaseLost, watchdogStops, fenced, takeoverIdentifies atomic.Int64
	startErrors                                                                atomic.Int64

	// Counters of shards this node no longer runs.
	retiredEvents, retiredIdentifies, retiredResumes atomic.Int64
}

func (n *Node) retire(st gatewayutil.Status) {
	n.retiredEvents.Add(st.Dispatches)
	n.retiredIdentifies.Add(st.Identifies)
	n.retiredResumes.Add(st.Resumes)
}

// NewNode checks the configuration. Nothing happens before Run.
func NewNode(b *Buckets, cfg NodeConfig) (*Node, error) {
	if cfg.ShardCount < 1 {
		return nil, fmt.Errorf("%w: ShardCount %d must be at least 1", ErrConfig, cfg.ShardCount)
	}
	if cfg.Limiter == nil {
		return nil, fmt.Errorf("%w: a Limiter is required", ErrConfig)
	}
	if cfg.Capacity == 0 {
		cfg.Capacity = 1000
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = time.Second
	}
	if cfg.ReconcileInterval <= 0 {
		cfg.ReconcileInterval = b.cfg.LeaseTTL / 15
	}
	if cfg.JoinSettle <= 0 {
		cfg.JoinSettle = 2 * cfg.ReconcileInterval
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = 30 * time.Second
	}
	m, err := NewMembership(b, Member{Instance: cfg.Instance, Capacity: cfg.Capacity, Version: cfg.Version})
	if err != nil {
		return nil, err
	}
	n := &Node{
		b:        b,
		cfg:      cfg,
		log:      cfg.Logger,
		member:   m,
		owned:    make(map[int]*ownedShard),
		conns:    make(map[net.Conn]struct{}),
		drainReq: make(chan struct{}),
		done:     make(chan struct{}),
	}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	n.log = n.log.With("instance", cfg.Instance)
	return n, nil
}

// Instance returns the node's instance id.
func (n *Node) Instance() string { return n.cfg.Instance }

// Run joins the cluster and runs the node's shards until ctx ends, then
// drains (hands every shard over, resumable) and returns nil; or until Drain
// or Kill. It returns the cause after Kill (ErrKilled) or a fatal gateway
// error (a close code that no node can recover from, such as 4004).
func (n *Node) Run(ctx context.Context) error {
	n.mu.Lock()
	if n.started {
		n.mu.Unlock()
		return errors.New("cluster: node already started")
	}
	n.started = true
	n.ctx, n.cancel = context.WithCancelCause(context.Background())
	n.mu.Unlock()
	defer close(n.done)
	stop := context.AfterFunc(ctx, func() { n.requestDrain() })
	defer stop()

	joined := time.Now()
	// Membership is renewed on its own goroutine: a long reconcile (many
	// leases to take) must not let the node's entry expire.
	if err := n.member.Renew(n.ctx); err != nil {
		n.log.Warn("membership renewal failed", "err", err)
	}
	membersDone := make(chan struct{})
	go n.renewMembership(membersDone)
	defer func() { <-membersDone }()
	tick := time.NewTicker(n.cfg.ReconcileInterval)
	defer tick.Stop()
	for {
		if time.Since(joined) >= n.cfg.JoinSettle {
			n.reconcile()
		}
		select {
		case <-tick.C:
		case <-n.drainReq:
			if n.killed.Load() {
				n.wg.Wait()
				return ErrKilled
			}
			err := n.drain()
			if cause := context.Cause(n.ctx); cause != nil && !errors.Is(cause, context.Canceled) {
				return cause
			}
			return err
		case <-n.ctx.Done():
			if n.killed.Load() {
				n.wg.Wait()
				return ErrKilled
			}
			// A fatal error from a shard.
			_ = n.drain()
			return context.Cause(n.ctx)
		}
	}
}

// renewMembership renews the node's entry every third of MemberTTL (sooner
// after a failure) until the node's context ends or it drains.
func (n *Node) renewMembership(done chan<- struct{}) {
	defer close(done)
	every := n.b.cfg.MemberTTL / 3
	t := time.NewTimer(every)
	defer t.Stop()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-n.drainReq:
			return
		case <-t.C:
		}
		if err := n.member.Renew(n.ctx); err != nil {
			n.log.Warn("membership renewal failed", "err", err)
			t.Reset(min(every, 250*time.Millisecond))
			continue
		}
		t.Reset(every)
	}
}

// Drain hands over every shard (close resumable, write the final session,
// release the lease), leaves the cluster and makes Run return. It waits for
// that, or for ctx.
func (n *Node) Drain(ctx context.Context) error {
	n.requestDrain()
	select {
	case <-n.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (n *Node) requestDrain() {
	n.drainOnce.Do(func() { close(n.drainReq) })
}

// Kill stops the node as if its process died: its sockets are closed with no
// close frame, its shards stop without writing their sessions or releasing
// their leases, it does not leave the members bucket. Close its NATS
// connection first, so that nothing more reaches NATS. For tests and the
// soak.
func (n *Node) Kill() {
	n.killed.Store(true)
	n.mu.Lock()
	started := n.started
	conns := n.conns
	n.conns = make(map[net.Conn]struct{})
	n.mu.Unlock()
	for c := range conns {
		_ = c.Close()
	}
	if !started {
		return
	}
	n.cancel(ErrKilled)
	n.requestDrain()
	<-n.done
}

// drain hands every shard over and leaves the members bucket.
func (n *Node) drain() error {
	n.draining.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), n.cfg.DrainTimeout)
	defer cancel()
	if err := n.member.SetDraining(ctx, true); err != nil {
		n.log.Warn("cannot announce draining", "err", err)
	}
	n.mu.Lock()
	for _, o := range n.owned {
		o.handOver()
	}
	n.mu.Unlock()
	waited := make(chan struct{})
	go func() { n.wg.Wait(); close(waited) }()
	var err error
	select {
	case <-waited:
	case <-ctx.Done():
		err = fmt.Errorf("cluster: drain: %w", ctx.Err())
	}
	if lerr := n.member.Leave(ctx); lerr != nil {
		n.log.Warn("cannot leave the members bucket", "err", lerr)
	}
	n.cancel(context.Canceled)
	return err
}

// reconcile takes the leases of the shards assigned to this node and hands
// over those that are not any more.
func (n *Node) reconcile() {
	if n.draining.Load() || n.killed.Load() {
		return
	}
	ms, err := n.b.Members(n.ctx)
	if err != nil {
		n.log.Debug("cannot list members", "err", err)
		return
	}
	me := n.member.Me()
	found := false
	for i := range ms {
		if ms[i].Instance == me.Instance {
			ms[i], found = me, true
		}
	}
	if !found {
		ms = append(ms, me)
	}
	assigned := Assign(ms, n.cfg.ShardCount)
	var want []int
	for s, inst := range assigned {
		if inst == me.Instance {
			want = append(want, s)
		}
	}
	sort.Ints(want)

	n.mu.Lock()
	for s, o := range n.owned {
		if assigned[s] != me.Instance {
			o.handOver()
		}
	}
	var take []int
	for _, s := range want {
		if _, ok := n.owned[s]; !ok {
			take = append(take, s)
		}
	}
	n.mu.Unlock()

	for _, s := range take {
		if n.draining.Load() || n.killed.Load() {
			return
		}
		l, err := n.b.AcquireLease(n.ctx, s, me.Instance)
		if err != nil {
			if !errors.Is(err, ErrLeaseHeld) {
				n.log.Debug("cannot take lease", "shard", s, "err", err)
			}
			continue
		}
		o := &ownedShard{n: n, id: s, lease: l, handover: make(chan struct{}), changed: make(chan struct{}, 1)}
		n.mu.Lock()
		n.owned[s] = o
		n.wg.Add(1)
		n.mu.Unlock()
		go o.run()
	}
}

func (n *Node) release(o *ownedShard) {
	n.mu.Lock()
	if n.owned[o.id] == o {
		delete(n.owned, o.id)
		if o.shard != nil {
			// Counted once: out of the owned set and into the
			// retired counters under the same lock Status reads with.
			n.retire(o.shard.Status())
		}
	}
	n.mu.Unlock()
	n.wg.Done()
}

// dial opens the shard sockets, tracked so that Kill can cut them.
func (n *Node) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if n.killed.Load() {
		return nil, ErrKilled
	}
	var c net.Conn
	var err error
	if n.cfg.Shard.NetDial != nil {
		c, err = n.cfg.Shard.NetDial(ctx, network, addr)
	} else {
		var d net.Dialer
		c, err = d.DialContext(ctx, network, addr)
	}
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	if n.killed.Load() {
		n.mu.Unlock()
		_ = c.Close()
		return nil, ErrKilled
	}
	tc := &trackedConn{Conn: c, n: n}
	n.conns[tc] = struct{}{}
	n.mu.Unlock()
	return tc, nil
}

type trackedConn struct {
	net.Conn
	n      *Node
	once   sync.Once
	closed atomic.Bool
}

// Close closes the socket and forgets it.
func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.closed.Store(true)
		c.n.mu.Lock()
		delete(c.n.conns, c)
		c.n.mu.Unlock()
	})
	return c.Conn.Close()
}
