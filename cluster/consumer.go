package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ConsumerConfig configures a Consumer.
type ConsumerConfig struct {
	// Group names the service: its workers share the shards between
	// them. Letters, digits, '-' and '_'. Required.
	Group string
	// Instance names this worker, unique in the group. Required.
	Instance string
	// ShardCount is the bot's shard count. Required.
	ShardCount int
	// Capacity weighs the worker in the assignment of shards. Default 1.
	Capacity int
	// Dispatcher runs the handlers. Required.
	Dispatcher *gatewayutil.Dispatcher
	// Mode must match the publishers': Live or Durable.
	Mode EventMode
	// Types are the event types announced as wanted (Live: only those
	// are published). SetTypes changes them at run time.
	Types []string
	// FetchBatch is how many durable events are fetched at once per
	// shard. Default 64.
	FetchBatch int
	// MaxEventBytes bounds an event published in parts (bigger than the
	// server's max_payload) once joined; a bigger one is dropped and
	// counted in Incomplete. Default gateway.DefaultMaxMessageSize, what
	// a shard accepts from the gateway.
	MaxEventBytes int
	// OnHandled, if set, is called after the Dispatcher returned, with
	// the event's session and the moment the owner's shard read it
	// (end-to-end latency).
	OnHandled func(e *gatewayutil.Event, h Handled)
	// Logger receives the consumer's logs. Default: discard.
	Logger *slog.Logger
}

// ConsumerStats counts what a Consumer did.
type ConsumerStats struct {
	// Handled counts events given to the Dispatcher.
	Handled int64
	// Deduplicated counts events dropped because this worker had already
	// handled their (shard, session, seq).
	Deduplicated int64
	// Malformed counts messages without the event headers.
	Malformed int64
	// Incomplete counts events published in parts of which a part never
	// came (the stream's limits dropped it, its publisher died half-way
	// and the session was not resumed) or that exceed MaxEventBytes:
	// dropped, not handled.
	Incomplete int64
	// Missing counts, in Durable mode, the events of a session that were
	// not in the stream when this worker got there (the stream's
	// MaxBytes or MaxAge dropped them first: a worker too far behind).
	Missing int64
	// Rewinds counts durable consumers restarted from their
	// acknowledgement floor because a delivery never reached this worker.
	Rewinds int64
	// Stale counts live events dropped because a later owner of their
	// shard had been heard from (fencing by HeaderEpoch).
	Stale int64
	// Unverified counts live events replayed after a takeover that this
	// worker dropped because it had not followed their session: another
	// worker may have handled them. Each is an event possibly lost.
	Unverified int64
	// Gaps counts live events handled right after one or more events of
	// their session that never arrived (HeaderPrev): known losses.
	Gaps int64
	// Partitions is how many shards this worker consumes now.
	Partitions int
}

// Consumer feeds the events of the shards assigned to this worker into a
// local Dispatcher. The shards are split among the live workers of the
// group by the same weighted rendezvous hashing as nodes (Assign); a worker
// holds a lease per shard it consumes (key <app>.worker.<group>.<shard> of
// the leases bucket) and consumes each shard on one goroutine, so the events
// of a shard (and so of every guild on it) are handled one after the other,
// in publish order, by one worker at a time.
//
// Durable: each shard has a durable JetStream consumer (see consumeDurable),
// acknowledged after the handlers return. A worker that takes a shard over
// starts a new one just after the acknowledgement floor, so the events the
// previous worker did not acknowledge come first, in order.
type Consumer struct {
	b   *Buckets
	nc  *nats.Conn
	js  jetstream.JetStream
	cfg ConsumerConfig
	log *slog.Logger
	kv  jetstream.KeyValue

	typesMu sync.Mutex
	types   []string

	ctx    context.Context
	cancel context.CancelFunc
	killed atomic.Bool

	mu    sync.Mutex
	parts map[int]*partition
	wg    sync.WaitGroup

	handled, dedup, malformed, incomplete atomic.Int64
	rewinds, ackRetries, missing          atomic.Int64

	// Durable: per shard, the event handed to the handlers and not yet
	// acknowledged (see Unacknowledged).
	inHandMu                sync.Mutex
	inHand                  map[int]EventPosition
	stale, unverified, gaps atomic.Int64
}

// Handled describes a handled event beyond what gatewayutil.Event holds.
type Handled struct {
	// Session is the gateway session the event belongs to.
	Session string
	// ReadAt is when the owner's shard read the event (HeaderSentAt);
	// zero if absent.
	ReadAt time.Time
}

type partition struct {
	shard int
	lease *Lease
	stop  chan struct{}
	done  chan struct{}
}

// NewConsumer checks the configuration. Nothing happens before Run.
func NewConsumer(ctx context.Context, b *Buckets, nc *nats.Conn, cfg ConsumerConfig) (*Consumer, error) {
	if !validToken(cfg.Group) || !validToken(cfg.Instance) {
		return nil, fmt.Errorf("%w: Group %q and Instance %q must be letters, digits, '-' or '_'", ErrConfig, cfg.Group, cfg.Instance)
	}
	if cfg.ShardCount < 1 || cfg.Dispatcher == nil {
		return nil, fmt.Errorf("%w: a ShardCount and a Dispatcher are required", ErrConfig)
	}
	if cfg.Capacity <= 0 {
		cfg.Capacity = 1
	}
	if cfg.FetchBatch <= 0 {
		cfg.FetchBatch = 64
	}
	if cfg.MaxEventBytes <= 0 {
		cfg.MaxEventBytes = gateway.DefaultMaxMessageSize
	}
	for _, t := range cfg.Types {
		if !validEventType(t) {
			return nil, fmt.Errorf("%w: event type %q", ErrConfig, t)
		}
	}
	kv, err := b.openInterest(ctx)
	if err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	c := &Consumer{b: b, nc: nc, js: js, cfg: cfg, log: cfg.Logger, kv: kv, types: append([]string(nil), cfg.Types...), parts: map[int]*partition{}}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("group", cfg.Group, "worker", cfg.Instance)
	return c, nil
}

func (c *Consumer) interestKey() string { return c.b.cfg.key(c.cfg.Group, c.cfg.Instance) }

// announce writes this worker's entry (its types and capacity).
func (c *Consumer) announce(ctx context.Context) error {
	c.typesMu.Lock()
	v, err := json.Marshal(interestValue{Group: c.cfg.Group, Instance: c.cfg.Instance, Capacity: c.cfg.Capacity, Types: c.types})
	c.typesMu.Unlock()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.b.cfg.OpTimeout)
	defer cancel()
	_, err = c.kv.Put(ctx, c.interestKey(), v)
	return err
}

// SetTypes replaces the event types this worker asks for; in Live mode the
// publishers follow within a round trip.
func (c *Consumer) SetTypes(ctx context.Context, types ...string) error {
	for _, t := range types {
		if !validEventType(t) {
			return fmt.Errorf("%w: event type %q", ErrConfig, t)
		}
	}
	c.typesMu.Lock()
	c.types = append([]string(nil), types...)
	c.typesMu.Unlock()
	return c.announce(ctx)
}

// Stats returns the consumer's counters.
func (c *Consumer) Stats() ConsumerStats {
	c.mu.Lock()
	n := len(c.parts)
	c.mu.Unlock()
	return ConsumerStats{Handled: c.handled.Load(), Deduplicated: c.dedup.Load(), Malformed: c.malformed.Load(), Incomplete: c.incomplete.Load(), Rewinds: c.rewinds.Load(), Missing: c.missing.Load(),
		Stale: c.stale.Load(), Unverified: c.unverified.Load(), Gaps: c.gaps.Load(), Partitions: n}
}

// Shards returns the shards this worker consumes now, in order.
func (c *Consumer) Shards() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]int, 0, len(c.parts))
	for s := range c.parts {
		out = append(out, s)
	}
	sort.Ints(out)
	return out
}

// Run announces the worker, consumes its shards and rebalances every
// MemberTTL/15 until ctx ends; then it hands its shards over (finishes the
// event in hand, acknowledges, releases the leases), leaves the group and
// returns nil. After Kill it returns ErrKilled.
func (c *Consumer) Run(ctx context.Context) error {
	c.ctx, c.cancel = context.WithCancel(context.Background())
	defer c.cancel()
	every := max(c.b.cfg.LeaseTTL/15, 50*time.Millisecond)
	tick := time.NewTicker(every)
	defer tick.Stop()
	lastAnnounce := time.Time{}
	for {
		if time.Since(lastAnnounce) >= c.b.cfg.MemberTTL/3 {
			if err := c.announce(c.ctx); err != nil {
				c.log.Warn("cannot announce worker", "err", err)
			} else {
				lastAnnounce = time.Now()
			}
		}
		c.rebalance()
		select {
		case <-tick.C:
		case <-c.ctx.Done():
			c.wg.Wait()
			return ErrKilled
		case <-ctx.Done():
			c.mu.Lock()
			for _, p := range c.parts {
				close(p.stop)
			}
			c.mu.Unlock()
			c.wg.Wait()
			dctx, cancel := context.WithTimeout(context.Background(), c.b.cfg.OpTimeout)
			_ = c.kv.Delete(dctx, c.interestKey())
			cancel()
			return nil
		}
	}
}

// Kill stops the worker as if its process died: nothing is acknowledged or
// released any more. Close its NATS connection first.
func (c *Consumer) Kill() {
	c.killed.Store(true)
	if c.cancel != nil {
		c.cancel()
	}
}

func (c *Consumer) rebalance() {
	ctx, cancel := context.WithTimeout(c.ctx, c.b.cfg.OpTimeout)
	defer cancel()
	keys, err := c.kv.Keys(ctx)
	if err != nil && !errors.Is(err, jetstream.ErrNoKeysFound) {
		return
	}
	var ms []Member
	me := false
	prefix := c.b.cfg.key(c.cfg.Group, "")
	for _, k := range keys {
		if len(k) <= len(prefix) || k[:len(prefix)] != prefix {
			continue
		}
		inst := k[len(prefix):]
		ms = append(ms, Member{Instance: inst, Capacity: 1})
		me = me || inst == c.cfg.Instance
	}
	if !me {
		ms = append(ms, Member{Instance: c.cfg.Instance, Capacity: c.cfg.Capacity})
	}
	for i := range ms {
		if ms[i].Instance == c.cfg.Instance {
			ms[i].Capacity = c.cfg.Capacity
		}
	}
	// Capacity here is a weight, not a bound.
	for i := range ms {
		ms[i].Capacity *= c.cfg.ShardCount
	}
	assigned := Assign(ms, c.cfg.ShardCount)
	c.mu.Lock()
	for s, p := range c.parts {
		if assigned[s] != c.cfg.Instance {
			select {
			case <-p.stop:
			default:
				close(p.stop)
			}
		}
	}
	c.mu.Unlock()
	for s := 0; s < c.cfg.ShardCount; s++ {
		if assigned[s] != c.cfg.Instance || c.ctx.Err() != nil {
			continue
		}
		c.mu.Lock()
		_, have := c.parts[s]
		c.mu.Unlock()
		if have {
			continue
		}
		key := c.b.cfg.key("worker", c.cfg.Group, strconv.Itoa(s))
		l, err := c.b.acquireLeaseKey(c.ctx, key, s, c.cfg.Instance)
		if err != nil {
			continue
		}
		p := &partition{shard: s, lease: l, stop: make(chan struct{}), done: make(chan struct{})}
		c.mu.Lock()
		c.parts[s] = p
		c.wg.Add(1)
		c.mu.Unlock()
		go c.runPartition(p)
	}
}

// runPartition consumes one shard until told to stop or its lease is lost.
func (c *Consumer) runPartition(p *partition) {
	defer func() {
		c.mu.Lock()
		if c.parts[p.shard] == p {
			delete(c.parts, p.shard)
		}
		c.mu.Unlock()
		close(p.done)
		c.wg.Done()
	}()
	log := c.log.With("shard", p.shard)
	// The lease is renewed beside the consumption; losing it (or missing
	// SafeUntil) stops the partition.
	lost := make(chan struct{})
	renewDone := make(chan struct{})
	go func() {
		defer close(renewDone)
		t := time.NewTicker(c.b.cfg.LeaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-c.ctx.Done():
				return
			case <-t.C:
				if err := p.lease.Renew(c.ctx); err != nil && (errors.Is(err, ErrLeaseLost) || time.Now().After(p.lease.SafeUntil())) {
					log.Warn("partition lease lost", "err", err)
					close(lost)
					return
				}
			}
		}
	}()
	var err error
	if c.cfg.Mode == Durable {
		err = c.consumeDurable(p, lost)
	} else {
		err = c.consumeLive(p, lost)
	}
	if err != nil && c.ctx.Err() == nil {
		log.Warn("partition stopped", "err", err)
	}
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	<-renewDone
	if c.killed.Load() {
		return
	}
	// Acknowledgements out before the next worker starts from the floor.
	_ = c.nc.FlushTimeout(c.b.cfg.OpTimeout)
	ctx, cancel := context.WithTimeout(context.Background(), c.b.cfg.OpTimeout)
	defer cancel()
	_ = p.lease.Release(ctx)
}

// dedupState remembers the last (session, seq) handled of one shard, and
// holds the parts of an event published in parts until the last one.
type dedupState struct {
	session string
	seq     int64
	parts   assembler
}

// seen reports whether the event was handled already, and records it.
func (d *dedupState) seen(session string, seq int64) bool {
	if session == d.session && seq <= d.seq {
		return true
	}
	if session != d.session {
		d.session = session
	}
	d.seq = seq
	return false
}

// handle gives one message to the Dispatcher; false if it was a duplicate
// or malformed (and so not handled).
func (c *Consumer) handle(shard int, m *nats.Msg, subject string, data []byte, d *dedupState, ev *gatewayutil.Event) bool {
	typ := subject[len(c.b.cfg.eventsPrefix()):]
	for i := 0; i < len(typ); i++ {
		if typ[i] == '.' {
			typ = typ[i+1:]
			break
		}
	}
	seq, err := strconv.ParseInt(m.Header.Get(HeaderSeq), 10, 64)
	if err != nil {
		c.malformed.Add(1)
		return false
	}
	session := m.Header.Get(HeaderSession)
	if pv := m.Header.Get(HeaderChunk); pv != "" || d.parts.holding() {
		var whole []byte
		var dropped int
		if pv == "" {
			dropped = d.parts.drop()
		} else if i, n, ok := parseChunk(pv); !ok {
			c.malformed.Add(1)
			return false
		} else {
			if d.parts.max == 0 {
				d.parts.max = c.cfg.MaxEventBytes
			}
			whole, dropped = d.parts.add(session, seq, i, n, data)
			if whole == nil {
				c.incomplete.Add(int64(dropped))
				return false
			}
			data = whole
		}
		c.incomplete.Add(int64(dropped))
	}
	if d.seen(session, seq) {
		c.dedup.Add(1)
		return false
	}
	*ev = gatewayutil.Event{Shard: shard, ShardCount: c.cfg.ShardCount, Type: typ, Seq: seq, Data: data}
	_ = c.cfg.Dispatcher.Dispatch(c.ctx, ev)
	c.handled.Add(1)
	if c.cfg.OnHandled != nil {
		h := Handled{Session: m.Header.Get(HeaderSession)}
		if ns, err := strconv.ParseInt(m.Header.Get(HeaderSentAt), 10, 64); err == nil {
			h.ReadAt = time.Unix(0, ns)
		}
		c.cfg.OnHandled(ev, h)
	}
	return true
}

func (c *Consumer) consumeLive(p *partition, lost <-chan struct{}) error {
	ch := make(chan *nats.Msg, 4096)
	sub, err := c.nc.ChanSubscribe(c.b.cfg.eventsPrefix()+strconv.Itoa(p.shard)+".>", ch)
	if err != nil {
		return err
	}
	defer func() { _ = sub.Unsubscribe() }()
	var d dedupState
	var ev gatewayutil.Event
	var gate liveGate
	for {
		select {
		case <-p.stop:
			// Handing the shard over: what NATS delivered before the
			// unsubscribe is handled here; the next worker subscribes
			// only after the lease is released, so it cannot see any
			// of it.
			if err := sub.Unsubscribe(); err != nil {
				return nil
			}
			for {
				select {
				case m := <-ch:
					c.handleLive(p.shard, m, &gate, &d, &ev)
				default:
					return nil
				}
			}
		case <-lost:
			return ErrLeaseLost
		case <-c.ctx.Done():
			return c.ctx.Err()
		case m := <-ch:
			c.handleLive(p.shard, m, &gate, &d, &ev)
		}
	}
}

// handleLive passes m through the partition's liveGate, then to handle.
func (c *Consumer) handleLive(shard int, m *nats.Msg, gate *liveGate, d *dedupState, ev *gatewayutil.Event) {
	v, _, gap := gate.admit(m.Header)
	switch v {
	case liveStale:
		c.stale.Add(1)
		return
	case liveRepeat:
		c.dedup.Add(1)
		return
	case liveUnverified:
		c.unverified.Add(1)
		return
	case liveMalformed:
		c.malformed.Add(1)
		return
	}
	if gap {
		c.gaps.Add(1)
	}
	c.handle(shard, m, m.Subject, m.Data, d, ev)
}
