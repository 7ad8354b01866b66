package cluster

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gatewaykit/gateway/cluster/internal/audit"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/nats-io/nats.go"
)

// The owner of shards is killed abruptly while it publishes their events
// into the durable stream, one of them bigger than NATS's max_payload. The
// shards are resumed elsewhere from their stored sessions, which never claim
// an event the stream had not acknowledged; the replays are deduplicated by
// the stream. A worker consuming the stream sees every event the emulator
// numbered, once, in order.
func TestDurableOwnerKilledWorkerSeesEveryEventOnce(t *testing.T) {
	h := newHarness(t, 4, 2)
	h.nodeTweak = func(b *Buckets, nc *nats.Conn, cfg *NodeConfig) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		p, err := NewPublisher(ctx, b, nc, PublisherConfig{Mode: Durable, StreamMaxBytes: 64 << 20})
		if err != nil {
			h.t.Fatal(err)
		}
		h.t.Cleanup(func() { _ = p.Close() })
		cfg.Events = p
	}
	a := h.startNode("a", false)
	h.startNode("b", false)
	h.waitAllConnected(30 * time.Second)

	seen := audit.New()
	d := gatewayutil.NewDispatcher()
	d.SubscribeAll(func(ctx context.Context, e *gatewayutil.Event) { _ = seen.Dispatch(ctx, e) })
	wnc := connectNATS(t, h.nats.URL(), "worker")
	c, err := NewConsumer(context.Background(), openBuckets(t, wnc, h.cfg), wnc, ConsumerConfig{
		Group: "svc", Instance: "w", ShardCount: h.shards, Dispatcher: d, Mode: Durable,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	stop := h.publish(5 * time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	huge := 0
	for _, conn := range h.emu.Conns() {
		if conn.InjectHugePayload(gatewaytest.HugePayloadSize) == nil {
			huge++
		}
	}
	if huge == 0 {
		t.Fatal("no connection to send a huge payload on")
	}
	time.Sleep(300 * time.Millisecond)
	victim := a
	for _, tn := range h.nodes {
		if len(tn.node.Status().Shards) > len(victim.node.Status().Shards) {
			victim = tn
		}
	}
	owned := len(victim.node.Status().Shards)
	victim.nc.Close()
	victim.node.Kill()
	h.mu.Lock()
	delete(h.nodes, victim.name)
	h.mu.Unlock()
	h.startNode("c", false)
	h.waitAllConnected(h.cfg.LeaseTTL + 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	published := stop()

	eventually(t, 30*time.Second, "the worker handled every event of every session", func() bool {
		for _, s := range h.emu.Sessions() {
			if last, _ := seen.Last(s.ID()); last != s.Seq() {
				return false
			}
		}
		return true
	})
	time.Sleep(200 * time.Millisecond) // room for a repeat to show
	cnt := seen.Counts()
	var takeoverIdentifies int64
	for _, tn := range h.nodes {
		takeoverIdentifies += tn.node.Status().TakeoverIdentifies
	}
	t.Logf("killed %s with %d shards; %d messages published, %d huge; worker saw %+v; consumer %+v", victim.name, owned, published, huge, cnt, c.Stats())
	if cnt.Lost != 0 || cnt.Duplicated != 0 || cnt.OutOfOrder != 0 {
		t.Errorf("worker audit %+v: want nothing lost, repeated or reordered; gaps %+v", cnt, seen.Gaps())
	}
	if takeoverIdentifies != 0 {
		t.Errorf("%d takeovers identified instead of resuming", takeoverIdentifies)
	}
	if st := c.Stats(); st.Incomplete != 0 || st.Missing != 0 {
		t.Errorf("consumer stats %+v", st)
	}
}

// NATS restarts under nodes publishing durable events while the emulator
// keeps sending: the shards' readers wait out the outage, the messages in
// flight when the connection dropped are confirmed or the shard resumes from
// its stored session so that the gateway replays them in order. A worker
// sees every event once, in order.
//
// A stopping server answers the messages that reach it after its JetStream
// shut down with a 503 status ("no responders"), and a restarted one may do
// the same before it recovered the stream: such a message is not stored,
// and the publisher must neither confirm it nor let a later message be
// stored ahead of it (nats-server 2.9.10 does the former about one restart
// in two; see the README).
func TestDurableNodesSurviveNATSRestart(t *testing.T) {
	h := newHarness(t, 4, 2, func(c *Config) {
		// The restart fits before the lease deadline.
		c.LeaseTTL = 6 * time.Second
		c.MemberTTL = 6 * time.Second
	})
	var mu sync.Mutex
	var pubs []*Publisher
	h.nodeTweak = func(b *Buckets, nc *nats.Conn, cfg *NodeConfig) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		p, err := NewPublisher(ctx, b, nc, PublisherConfig{Mode: Durable, StreamMaxBytes: 64 << 20})
		if err != nil {
			h.t.Fatal(err)
		}
		h.t.Cleanup(func() { _ = p.Close() })
		mu.Lock()
		pubs = append(pubs, p)
		mu.Unlock()
		cfg.Events = p
	}
	h.startNode("a", false)
	h.startNode("b", false)
	h.waitAllConnected(30 * time.Second)

	seen := audit.New()
	d := gatewayutil.NewDispatcher()
	d.SubscribeAll(func(ctx context.Context, e *gatewayutil.Event) { _ = seen.Dispatch(ctx, e) })
	wnc := connectNATS(t, h.nats.URL(), "worker")
	c, err := NewConsumer(context.Background(), openBuckets(t, wnc, h.cfg), wnc, ConsumerConfig{
		Group: "svc", Instance: "w", ShardCount: h.shards, Dispatcher: d, Mode: Durable,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	stop := h.publish(2 * time.Millisecond)
	time.Sleep(500 * time.Millisecond)
	if err := h.nats.Restart(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	h.waitAllConnected(20 * time.Second)
	published := stop()
	eventually(t, 40*time.Second, "the worker handled every event of every session", func() bool {
		for _, s := range h.emu.Sessions() {
			if last, _ := seen.Last(s.ID()); last != s.Seq() {
				return false
			}
		}
		return true
	})
	time.Sleep(200 * time.Millisecond)
	cnt := seen.Counts()
	mu.Lock()
	var ps PublisherStats
	for _, p := range pubs {
		st := p.Stats()
		ps.Published += st.Published
		ps.Unconfirmed += st.Unconfirmed
		ps.Resumes += st.Resumes
		ps.Failed += st.Failed
		ps.Rejected += st.Rejected
		ps.Unavailable += st.Unavailable
	}
	mu.Unlock()
	t.Logf("%d messages published by the emulator; publishers %+v; worker saw %+v; consumer %+v", published, ps, cnt, c.Stats())
	if cnt.Lost != 0 || cnt.Duplicated != 0 || cnt.OutOfOrder != 0 {
		t.Errorf("worker audit %+v: want nothing lost, repeated or reordered; gaps %+v", cnt, seen.Gaps())
	}
	if ps.Rejected != 0 {
		t.Errorf("publishers %+v: a restart is an outage, no event may be refused for good", ps)
	}
	if st := c.Stats(); st.Missing != 0 || st.Incomplete != 0 {
		t.Errorf("consumer stats %+v: the stream lacks events", st)
	}
}
