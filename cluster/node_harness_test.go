package cluster

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/cluster/internal/audit"
	"github.com/gatewaykit/gateway/cluster/internal/natsserver"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/ratelimit"
	"github.com/nats-io/nats.go"
)

// timeScale shrinks the emulator's protocol windows (identify window 500 ms,
// heartbeat 4.1 s, resume window 12 s) and the cluster's with them.
const timeScale = 0.1

// harness is a cluster under test: one NATS server, one emulator, nodes
// each with their own NATS connection, and the audit every node delivers to.
type harness struct {
	t       *testing.T
	nats    *natsserver.Server
	emu     *gatewaytest.Server
	audit   *audit.Audit
	cfg     Config
	shards  int
	maxConc int

	// admin is a limiter on its own connection, for the budget.
	admin *IdentifyLimiter
	// stored reads the sessions bucket on the admin connection.
	stored *SessionStore
	budget ratelimit.SessionStartLimit

	mu    sync.Mutex
	nodes map[string]*testNode

	// nodeTweak, if set, adjusts each node's configuration.
	nodeTweak func(b *Buckets, nc *nats.Conn, cfg *NodeConfig)
}

type testNode struct {
	name  string
	node  *Node
	nc    *nats.Conn
	lim   *IdentifyLimiter
	proxy interface {
		Cut()
		Restore()
		Freeze()
		Thaw()
	}
	done chan error
}

func newHarness(t *testing.T, shards, maxConc int, tweak ...func(*Config)) *harness {
	t.Helper()
	srv := startNATS(t)
	emu, err := gatewaytest.NewServer(gatewaytest.Config{
		Shards:         shards,
		MaxConcurrency: maxConc,
		Guilds:         shards * 2,
		TimeScale:      timeScale,
		Seed:           1,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := emu.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = emu.Close() })
	h := &harness{
		t: t, nats: srv, emu: emu, audit: audit.New(), shards: shards, maxConc: maxConc,
		cfg: Config{
			App:            "bot",
			IdentifyWindow: time.Duration(float64(ratelimit.DefaultIdentifyWindow) * timeScale),
			// The emulator measures the window when it reads an identify;
			// on a loaded machine its reader can lag the client's send by
			// tens of milliseconds, so the margin is wider than the 10%
			// default.
			IdentifyMargin: 200 * time.Millisecond,
			LeaseTTL:       1500 * time.Millisecond,
			MemberTTL:      1500 * time.Millisecond,
		},
		nodes: map[string]*testNode{},
	}
	for _, f := range tweak {
		f(&h.cfg)
	}
	adminBuckets := openBuckets(t, connectNATS(t, srv.URL(), "admin"), h.cfg)
	h.stored = adminBuckets.SessionStore()
	lim, err := NewIdentifyLimiter(adminBuckets, IdentifyConfig{MaxConcurrency: maxConc, Instance: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	h.admin = lim
	h.budget = h.setBudget(lim)
	return h
}

func testLogger(t *testing.T) *slog.Logger {
	if os.Getenv("CLUSTER_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("test", t.Name())
	}
	return nil
}

// startNode starts a node on its own NATS connection; viaProxy puts a
// cuttable proxy between it and NATS.
func (h *harness) startNode(name string, viaProxy bool) *testNode {
	h.t.Helper()
	url := h.nats.URL()
	tn := &testNode{name: name, done: make(chan error, 1)}
	if viaProxy {
		p := cutProxy(h.t, url)
		tn.proxy = p
		url = "nats://" + p.Addr()
	}
	tn.nc = connectNATS(h.t, url, name)
	b := openBuckets(h.t, tn.nc, h.cfg)
	lim, err := NewIdentifyLimiter(b, IdentifyConfig{MaxConcurrency: h.maxConc, Instance: name, BudgetPeriod: time.Duration(float64(ratelimit.DefaultBudgetPeriod) * timeScale)})
	if err != nil {
		h.t.Fatal(err)
	}
	tn.lim = lim
	ncfg := NodeConfig{
		Instance:          name,
		ShardCount:        h.shards,
		Limiter:           lim,
		FlushInterval:     100 * time.Millisecond,
		ReconcileInterval: 100 * time.Millisecond,
		JoinSettle:        300 * time.Millisecond,
		OnTakeover:        h.audit.Takeover,
		Logger:            testLogger(h.t),
		Shard: gatewayutil.Config{
			Token:           gateway.NewToken("test-token"),
			Intents:         intents.Guilds | intents.GuildMessages,
			URL:             h.emu.URL(),
			Sink:            h.audit,
			ResumeURLPolicy: gatewayutil.LoopbackResumeURLs,
			Backoff:         gatewayutil.Backoff{Base: 50 * time.Millisecond, Max: time.Second},
			CloseTimeout:    500 * time.Millisecond,
		},
	}
	if h.nodeTweak != nil {
		h.nodeTweak(b, tn.nc, &ncfg)
	}
	n, err := NewNode(b, ncfg)
	if err != nil {
		h.t.Fatal(err)
	}
	tn.node = n
	go func() { tn.done <- n.Run(context.Background()) }()
	h.mu.Lock()
	h.nodes[name] = tn
	h.mu.Unlock()
	h.t.Cleanup(func() {
		select {
		case <-tn.done:
		default:
			tn.nc.Close()
			n.Kill()
		}
	})
	return tn
}

// setBudget stores the emulator's session start limit for the cluster.
func (h *harness) setBudget(l *IdentifyLimiter) ratelimit.SessionStartLimit {
	h.t.Helper()
	gb, err := gatewayutil.FetchGatewayBot(context.Background(), nil, h.emu.APIURL(), "test-token")
	if err != nil {
		h.t.Fatal(err)
	}
	if err := l.UpdateBudget(context.Background(), gb.SessionStartLimit); err != nil {
		h.t.Fatal(err)
	}
	return gb.SessionStartLimit
}

// connected returns, per shard, the nodes running it connected.
func (h *harness) connected() map[int][]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[int][]string{}
	for name, tn := range h.nodes {
		for _, st := range tn.node.Status().Shards {
			if st.State == gatewayutil.ShardConnected {
				out[st.Shard] = append(out[st.Shard], name)
			}
		}
	}
	return out
}

func (h *harness) waitAllConnected(d time.Duration) time.Duration {
	h.t.Helper()
	start := time.Now()
	eventually(h.t, d, "every shard connected exactly once", func() bool {
		c := h.connected()
		if len(c) != h.shards {
			return false
		}
		for _, owners := range c {
			if len(owners) != 1 {
				return false
			}
		}
		return true
	})
	// Connected is not yet resumable elsewhere: a node saves a session
	// after its READY, and on a loaded machine a test that cuts the node
	// right after this point could otherwise find the store without it
	// and count the new owner's identify against the cluster.
	eventually(h.t, d, "every shard's live session in the session store", h.sessionsStored)
	return time.Since(start)
}

// sessionsStored reports whether the store holds, for every shard, one of
// the sessions the emulator has live for it.
func (h *harness) sessionsStored() bool {
	live := map[int]map[string]bool{}
	for _, s := range h.emu.Sessions() {
		id, _ := s.Shard()
		if live[id] == nil {
			live[id] = map[string]bool{}
		}
		live[id][s.ID()] = true
	}
	for shard := range h.shards {
		sess, ok, err := h.stored.Load(context.Background(), shard, h.shards)
		if err != nil || !ok || !live[shard][sess.ID] {
			return false
		}
	}
	return true
}

// publish sends MESSAGE_CREATE to every guild in turn until stop is called.
func (h *harness) publish(every time.Duration) (stop func() int) {
	guilds := h.emu.Guilds()
	done := make(chan struct{})
	var n int
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			case <-t.C:
			}
			g := guilds[i%len(guilds)]
			d := fmt.Sprintf(`{"id":"%d","guild_id":"%d","channel_id":"1","content":"m%d"}`, 1000+i, g, i)
			n += h.emu.Publish(gatewaytest.Dispatch{Type: "MESSAGE_CREATE", GuildID: g, Data: []byte(d)})
		}
	})
	return func() int { close(done); wg.Wait(); return n }
}

// settle waits until the audit has every event of every live session, as
// the emulator numbered them, and reports sessions that fall short.
func (h *harness) settle(d time.Duration) {
	h.t.Helper()
	deadline := time.Now().Add(d)
	for {
		short := ""
		for _, s := range h.emu.Sessions() {
			last, _ := h.audit.Last(s.ID())
			if last != s.Seq() {
				id, _ := s.Shard()
				short += fmt.Sprintf(" shard %d session %s: delivered %d of %d;", id, s.ID(), last, s.Seq())
			}
		}
		if short == "" {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("events missing after %v:%s", d, short)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// doubleConnected returns the shards the emulator saw on two connections at
// once, from its connection records.
func (h *harness) doubleConnected() []string {
	conns := h.emu.Conns()
	shardOf := map[string]int{}
	for _, c := range conns {
		r := c.Record()
		if r.Identify != nil && len(r.Identify.Shard) == 2 && r.SessionID != "" {
			shardOf[r.SessionID] = r.Identify.Shard[0]
		}
	}
	type span struct {
		id             uint64
		opened, closed time.Time
	}
	byShard := map[int][]span{}
	for _, c := range conns {
		r := c.Record()
		if r.SessionID == "" {
			continue
		}
		s, ok := shardOf[r.SessionID]
		if !ok {
			continue
		}
		closed := r.Closed
		if closed.IsZero() {
			closed = time.Now().Add(time.Hour)
		}
		byShard[s] = append(byShard[s], span{r.ID, r.Opened, closed})
	}
	var out []string
	for s, spans := range byShard {
		sort.Slice(spans, func(i, j int) bool { return spans[i].opened.Before(spans[j].opened) })
		for i := 1; i < len(spans); i++ {
			if spans[i].opened.Before(spans[i-1].closed) {
				out = append(out, "shard "+strconv.Itoa(s)+": connections "+strconv.FormatUint(spans[i-1].id, 10)+" and "+strconv.FormatUint(spans[i].id, 10)+" overlap by "+spans[i-1].closed.Sub(spans[i].opened).String())
			}
		}
	}
	return out
}
