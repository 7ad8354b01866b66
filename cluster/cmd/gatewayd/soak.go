package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/cluster"
	"github.com/gatewaykit/gateway/cluster/internal/audit"
	"github.com/gatewaykit/gateway/cluster/internal/natsserver"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/nats-io/nats.go"
)

// soakSummary is the soak's last line with -json.
type soakSummary struct {
	Nodes               int   `json:"nodes"`
	Workers             int   `json:"workers"`
	Shards              int   `json:"shards"`
	Events              int64 `json:"events"`
	EventsPublished     int64 `json:"events_published"`
	EventsHandled       int64 `json:"events_handled"`
	EventsWanted        int64 `json:"events_wanted,omitempty"`
	EventsPublishFailed int64 `json:"events_publish_failed,omitempty"`
	// EventsPublishFailedAtKills: those of them by publishers of killed
	// nodes (their NATS connection closed mid-publish).
	EventsPublishFailedAtKills int64 `json:"events_publish_failed_at_kills,omitempty"`
	WorkerKills                int   `json:"worker_kills,omitempty"`
	// WorkerRedelivered counts events handled again by a worker because
	// the worker before it died with them in its handlers (durable).
	WorkerRedelivered  int64   `json:"worker_redelivered,omitempty"`
	E2EP50Ms           float64 `json:"e2e_p50_ms,omitempty"`
	E2EP99Ms           float64 `json:"e2e_p99_ms,omitempty"`
	Identifies         int64   `json:"identifies"`
	Resumes            int64   `json:"resumes"`
	Kills              int     `json:"kills"`
	Takeovers          int64   `json:"takeovers"`
	TakeoverIdentifies int64   `json:"takeover_identifies"`
	// TakeoverIdentifiesForced: takeover identifies of sessions the
	// emulator had ended by a chaos fault just before their owner was
	// killed (see soak_takeover.go). Reported, not a failure.
	TakeoverIdentifiesForced int64 `json:"takeover_identifies_forced"`
	IdentifyWindowViolations int64 `json:"identify_window_violations"`
	MaxIdentifiesPerBucket   int   `json:"max_identifies_per_bucket"`
	BudgetSpent              int64 `json:"budget_spent"`
	DoubleOwned              int   `json:"double_owned"`
	// DoubleOwnedEmulatorOnly: overlaps in the emulator's records only,
	// the first socket closed by its client before the second was dialed
	// (the emulator noted the close late); EmulatorCloseLagMaxMs is the
	// largest such overlap. Reported, not a failure.
	DoubleOwnedEmulatorOnly int          `json:"double_owned_emulator_only"`
	EmulatorCloseLagMaxMs   float64      `json:"emulator_close_lag_max_ms"`
	Lost                    int64        `json:"lost"`
	LostAroundKills         *int64       `json:"lost_around_kills,omitempty"`
	LostOtherwise           *int64       `json:"lost_otherwise,omitempty"`
	WorkerDrops             *workerDrops `json:"worker_drops,omitempty"`
	Duplicated              int64        `json:"duplicated"`
	OutOfOrder              int64        `json:"out_of_order"`
	Replayed                int64        `json:"replayed"`
	FaultsInjected          int64        `json:"faults_injected"`
	FailoverP50Ms           float64      `json:"failover_p50_ms"`
	FailoverP99Ms           float64      `json:"failover_p99_ms"`
	FailoverMaxMs           float64      `json:"failover_max_ms"`
	Failovers               int          `json:"failovers"`
	IdentifyMinGapMs        float64      `json:"identify_min_gap_ms"`
	IdentifySentTooClose    int          `json:"identify_sent_too_close"`
	IdentifySlotsLapsed     int64        `json:"identify_slots_lapsed"`
	DrainIdentifies         int64        `json:"drain_identifies"`
	ColdStartMs             float64      `json:"cold_start_ms"`
	NATSMsgsPerShardMin     float64      `json:"nats_msgs_per_shard_min"`
	NATSBytesPerShardMin    float64      `json:"nats_bytes_per_shard_min"`
	// NATSByBucket: with -traffic, each bucket's messages and bytes per
	// shard per minute, each message counted once.
	NATSByBucket map[string]trafficRate `json:"nats_by_bucket_per_shard_min,omitempty"`
	Errors       int                    `json:"errors"`
	DurationSec  float64                `json:"duration_sec"`
}

// soakNode is one slot of the soak: a node incarnation and its connection.
type soakNode struct {
	name string
	lim  *cluster.IdentifyLimiter
	node *cluster.Node
	nc   *nats.Conn
	pub  *cluster.Publisher
	done chan error
}

type soak struct {
	o       options
	log     *slog.Logger
	emu     *gatewaytest.Server
	aud     *audit.Audit
	natsURL string
	cfg     cluster.Config
	shards  int
	token   string

	mu        sync.Mutex
	slots     []*soakNode
	connOwner map[string][]*dialRecord // local address of a shard socket → the sockets that had it
	retired   []cluster.NodeStatus
	lapsed    int64 // slots lapsed in killed incarnations
	sent      *sentLog
	errors    int
	gen       int

	workers   *workerSet // nil without -workers
	takeovers *takeoverLedger
}

func runSoak(ctx context.Context, o options, stdout io.Writer, log *slog.Logger) int {
	start := time.Now()
	scale := o.timeScale
	if scale == 0 {
		scale = 0.1
	}
	shards := o.shards
	if shards == 0 {
		shards = 16
	}
	if o.leaseTTL == 0 {
		o.leaseTTL = 3 * time.Second
	}
	if !o.flushSet {
		o.flushEvery = 200 * time.Millisecond
	}
	// A killed node's sessions wait out its leases before anyone resumes
	// them; past the emulator's resume window (2 min, scaled) they are
	// gone and every takeover identifies.
	if resumeWindow := time.Duration(float64(2*time.Minute) * scale); o.leaseTTL >= resumeWindow {
		log.Warn("soak: -lease-ttl is not shorter than the emulator's resume window at this -time-scale; "+
			"shards taken over from a killed node will have to identify", "lease_ttl", o.leaseTTL, "resume_window", resumeWindow)
	}
	natsURL, natsSrv, stopNATS, err := startNATS(o, log)
	if err != nil {
		log.Error("soak: NATS", "err", err)
		return 1
	}
	defer stopNATS()
	emuCtx, stopEmu := context.WithCancel(context.Background())
	defer stopEmu()
	emu, err := startEmulator(emuCtx, o, shards, scale, o.chaos)
	if err != nil {
		log.Error("soak: emulator", "err", err)
		return 1
	}
	defer func() { _ = emu.Close() }()
	cfg := clusterConfig(o, scale)
	// The emulator measures identify windows when it reads an identify;
	// under load its reader lags, so leave a third of a window of margin.
	cfg.IdentifyMargin = cfg.IdentifyWindow / 3
	s := &soak{o: o, log: log, emu: emu, aud: audit.New(), natsURL: natsURL, cfg: cfg, shards: shards,
		token: embeddedToken, connOwner: map[string][]*dialRecord{}, sent: newSentLog(o.maxConc),
		takeovers: newTakeoverLedger()}

	// The budget, from the emulator's GET /gateway/bot.
	gb, err := gatewayutil.FetchGatewayBot(ctx, nil, emu.APIURL(), embeddedToken)
	if err != nil {
		log.Error("soak: gateway/bot", "err", err)
		return 1
	}
	adminNC, adminB, err := openCluster(ctx, natsURL, "admin", cfg)
	if err != nil {
		log.Error("soak: NATS", "err", err)
		return 1
	}
	defer adminNC.Close()
	admin, err := cluster.NewIdentifyLimiter(adminB, cluster.IdentifyConfig{MaxConcurrency: o.maxConc, Instance: "admin"})
	if err != nil {
		log.Error("soak", "err", err)
		return 1
	}
	if err := admin.UpdateBudget(ctx, gb.SessionStartLimit); err != nil {
		log.Error("soak: budget", "err", err)
		return 1
	}

	if o.workers > 0 {
		s.workers = newWorkerSet(s, o.workers)
		if o.durable {
			// The stream exists before the workers start, as in a
			// deployment where it outlives every node: a worker then
			// holds its partitions at once instead of retrying until a
			// node's publisher creates it.
			p, err := s.workers.publisher(ctx, adminB, adminNC)
			if err != nil {
				log.Error("soak: events stream", "err", err)
				return 1
			}
			_ = p.Close()
		}
		for i := range o.workers {
			if err := s.workers.start(ctx, i); err != nil {
				log.Error("soak: start worker", "err", err)
				return 1
			}
		}
		if !s.workers.waitHeld(ctx, time.Minute) {
			log.Error("soak: the workers did not share the shards within a minute")
			s.addError()
		}
	}
	s.slots = make([]*soakNode, o.nodes)
	for i := range o.nodes {
		if err := s.startSlot(ctx, i); err != nil {
			log.Error("soak: start node", "err", err)
			return 1
		}
	}
	coldStart, ok := s.waitAllConnected(ctx, o.duration+time.Minute)
	if !ok {
		log.Error("soak: cold start did not finish")
		s.addError()
	}
	var tap *trafficTap
	if o.traffic && natsSrv != nil {
		if tap, err = newTrafficTap(adminNC, cfg.Prefix); err != nil {
			log.Error("soak: traffic tap", "err", err)
			return 1
		}
		defer tap.stop()
	}
	var traffic0 natsserver.Traffic
	var tap0 map[string]bucketTraffic
	var tapSelf0 bucketTraffic
	trafficAt := time.Now()
	if natsSrv != nil {
		traffic0 = natsSrv.Traffic()
	}
	if tap != nil {
		tap0, tapSelf0 = tap.snapshot()
	}
	published, stopPublish := s.publish()
	rng := rand.New(rand.NewPCG(uint64(o.seed), 0x5eed))
	var failovers []time.Duration
	kills := 0
	deadline := time.NewTimer(o.duration)
	defer deadline.Stop()
	var killTick <-chan time.Time
	if o.killEvery > 0 {
		t := time.NewTicker(o.killEvery)
		defer t.Stop()
		killTick = t.C
	}
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-deadline.C:
			break loop
		case <-killTick:
			i := rng.IntN(o.nodes)
			killedAt := time.Now()
			owned := s.kill(i)
			kills++
			s.workers.killOne(ctx, rng)
			if err := s.startSlot(ctx, i); err != nil {
				log.Error("soak: restart node", "err", err)
				s.addError()
			}
			if owned > 0 {
				if d, ok := s.waitAllConnected(ctx, o.leaseTTL+10*time.Second); ok {
					failovers = append(failovers, time.Since(killedAt))
					_ = d
				} else {
					log.Error("soak: shards not all connected after a kill", "within", o.leaseTTL+10*time.Second)
					s.addError()
				}
			}
		}
	}
	if _, ok := s.waitAllConnected(context.Background(), o.leaseTTL+15*time.Second); !ok {
		log.Error("soak: shards not all connected at the end")
		s.addError()
	}
	pub := stopPublish()
	var traffic natsserver.Traffic
	trafficFor := time.Since(trafficAt)
	if natsSrv != nil {
		t1 := natsSrv.Traffic()
		traffic = natsserver.Traffic{InMsgs: t1.InMsgs - traffic0.InMsgs, OutMsgs: t1.OutMsgs - traffic0.OutMsgs,
			InBytes: t1.InBytes - traffic0.InBytes, OutBytes: t1.OutBytes - traffic0.OutBytes}
	}
	var byBucket map[string]trafficRate
	if tap != nil {
		tap1, self1 := tap.snapshot()
		// The tap's own deliveries are not the cluster's traffic.
		traffic.OutMsgs -= self1.Msgs - tapSelf0.Msgs
		traffic.OutBytes -= self1.Bytes - tapSelf0.Bytes
		byBucket = trafficRates(tap0, tap1, shards, trafficFor)
	}
	shortfall := s.settle(15 * time.Second)
	var workerShortfall int64
	if s.workers != nil {
		workerShortfall = s.workers.settle(30 * time.Second)
	}

	// Takeovers so far; the final drain hands shards from node to node
	// and is checked separately (it must spend no identify).
	var takeovers, takeoverIdentifies int64
	s.mu.Lock()
	slots := append([]*soakNode(nil), s.slots...)
	for _, r := range s.retired {
		takeovers += r.Takeovers
		takeoverIdentifies += r.TakeoverIdentifies
	}
	s.mu.Unlock()
	for _, sn := range slots {
		st := sn.node.Status()
		takeovers += st.Takeovers
		takeoverIdentifies += st.TakeoverIdentifies
	}
	reportedIdentifies := s.takeovers.len()
	s.mu.Lock()
	lapsed := s.lapsed
	s.mu.Unlock()
	for _, sn := range slots {
		lapsed += sn.lim.Status().Lapsed
	}
	identifiesBeforeDrain := emu.Stats().Identifies

	// Drain every node: the clean end of a run.
	for _, sn := range slots {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := sn.node.Drain(dctx); err != nil {
			log.Error("soak: drain", "node", sn.name, "err", err)
			s.addError()
		}
		cancel()
		s.retire(sn, false)
		sn.nc.Close()
	}

	c := s.aud.Counts()
	st := emu.Stats()
	sum := soakSummary{
		Nodes: o.nodes, Shards: shards, Events: c.Events, EventsPublished: pub, EventsHandled: c.Events,
		Identifies: st.Identifies, Resumes: st.Resumes, Kills: kills,
		IdentifyWindowViolations: st.IdentifyRefused, MaxIdentifiesPerBucket: st.MaxIdentifiesPerBucket,
		Lost: c.Lost + shortfall, Duplicated: c.Duplicated,
		OutOfOrder: c.OutOfOrder - c.Replayed, Replayed: c.Replayed, FaultsInjected: st.FaultsInjected,
		DurationSec: time.Since(start).Seconds(),
		ColdStartMs: float64(coldStart.Microseconds()) / 1000,
	}
	var closeLag time.Duration
	sum.DoubleOwned, sum.DoubleOwnedEmulatorOnly, closeLag = s.doubleOwned()
	sum.EmulatorCloseLagMaxMs = float64(closeLag.Microseconds()) / 1000
	if s.workers != nil {
		s.workers.summarize(&sum, workerShortfall)
	}
	if natsSrv != nil && trafficFor > 0 {
		perShardMin := float64(shards) * trafficFor.Minutes()
		sum.NATSMsgsPerShardMin = float64(traffic.InMsgs+traffic.OutMsgs) / perShardMin
		sum.NATSBytesPerShardMin = float64(traffic.InBytes+traffic.OutBytes) / perShardMin
	}
	sum.NATSByBucket = byBucket
	_ = published
	// Every takeover identify the nodes counted fails the run, but those
	// the emulator forced (it had ended the session itself).
	_, forced := s.judgeTakeovers(reportedIdentifies)
	sum.Takeovers, sum.TakeoverIdentifies, sum.TakeoverIdentifiesForced = takeovers, takeoverIdentifies-forced, forced
	sum.IdentifySlotsLapsed = lapsed
	sum.DrainIdentifies = st.Identifies - identifiesBeforeDrain
	gap, tooClose := s.sent.minGap(cfg.IdentifyWindow)
	sum.IdentifyMinGapMs = float64(max(gap, 0).Microseconds()) / 1000
	sum.IdentifySentTooClose = tooClose
	s.mu.Lock()
	sum.Errors = s.errors
	s.mu.Unlock()
	if b, _, err := admin.ReadBudget(context.Background()); err == nil {
		sum.BudgetSpent = int64(gb.SessionStartLimit.Remaining - b.Remaining)
	} else {
		sum.Errors++
	}
	if sum.BudgetSpent < sum.Identifies {
		log.Error("soak: the budget fell by less than the identifies the emulator counted", "spent", sum.BudgetSpent, "identifies", sum.Identifies)
		sum.Errors++
	}
	if len(failovers) > 0 {
		sort.Slice(failovers, func(i, j int) bool { return failovers[i] < failovers[j] })
		sum.FailoverP50Ms = float64(failovers[len(failovers)/2].Microseconds()) / 1000
		sum.FailoverP99Ms = float64(failovers[(len(failovers)*99)/100].Microseconds()) / 1000
		sum.FailoverMaxMs = float64(failovers[len(failovers)-1].Microseconds()) / 1000
		sum.Failovers = len(failovers)
	}
	lost := sum.Lost
	if sum.LostOtherwise != nil {
		// Live: at most once; only losses around kills are expected.
		lost = *sum.LostOtherwise
	}
	failed := lost != 0 || sum.Duplicated != 0 || sum.OutOfOrder != 0 || sum.DoubleOwned != 0 ||
		sum.IdentifyWindowViolations != 0 || sum.IdentifySentTooClose != 0 || sum.TakeoverIdentifies != 0 ||
		sum.DrainIdentifies != 0 || sum.Errors != 0
	if o.jsonOut {
		b, _ := json.Marshal(sum)
		fmt.Fprintln(stdout, string(b))
	} else {
		fmt.Fprintf(stdout, "%+v\n", sum)
	}
	if failed {
		return 1
	}
	return 0
}

func (s *soak) addError() {
	s.mu.Lock()
	s.errors++
	s.mu.Unlock()
}

// startSlot starts a new node incarnation in slot i.
func (s *soak) startSlot(ctx context.Context, i int) error {
	s.mu.Lock()
	s.gen++
	name := fmt.Sprintf("node%d", i)
	incarnation := fmt.Sprintf("%s#%d", name, s.gen)
	s.mu.Unlock()
	nc, b, err := openCluster(ctx, s.natsURL, incarnation, s.cfg)
	if err != nil {
		return err
	}
	lim, err := cluster.NewIdentifyLimiter(b, cluster.IdentifyConfig{MaxConcurrency: s.o.maxConc, Instance: name,
		BudgetPeriod: time.Duration(float64(24*time.Hour) * s.o.timeScaleOr(0.1)), Logger: s.log})
	if err != nil {
		nc.Close()
		return err
	}
	it, _ := parseIntents(s.o.intents)
	var dialer net.Dialer
	var sink gatewayutil.EventSink = s.aud
	onTakeover := s.aud.Takeover
	if s.workers != nil && s.workers.led != nil {
		ls := s.workers.led.sink(s.aud)
		sink = ls
		onTakeover = func(shard int, sess gateway.Session) {
			s.aud.Takeover(shard, sess)
			ls.takeover(shard, sess)
		}
	}
	pub, err := s.workers.publisher(ctx, b, nc)
	if err != nil {
		nc.Close()
		return err
	}
	node, err := cluster.NewNode(b, cluster.NodeConfig{
		Events:             pub,
		Instance:           name,
		ShardCount:         s.shards,
		Capacity:           s.o.capacity,
		Limiter:            s.sent.wrap(lim),
		FlushInterval:      s.o.flushEvery,
		ReconcileInterval:  250 * time.Millisecond,
		OnTakeover:         onTakeover,
		OnTakeoverIdentify: s.takeovers.identified,
		Logger:             s.log,
		Shard: gatewayutil.Config{
			Token:           gateway.NewToken(s.token),
			Intents:         it,
			URL:             s.emu.URL(),
			Sink:            sink,
			ResumeURLPolicy: gatewayutil.LoopbackResumeURLs,
			Backoff:         gatewayutil.Backoff{Base: 100 * time.Millisecond, Max: 2 * time.Second},
			CloseTimeout:    500 * time.Millisecond,
			NetDial: func(ctx context.Context, network, addr string) (net.Conn, error) {
				// Before the dial: the emulator accepts the socket
				// before DialContext returns.
				started := time.Now()
				c, err := dialer.DialContext(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				rec := &dialRecord{owner: incarnation, dialed: started}
				s.mu.Lock()
				key := c.LocalAddr().String()
				s.connOwner[key] = append(s.connOwner[key], rec)
				s.mu.Unlock()
				return &soakConn{Conn: c, s: s, rec: rec}, nil
			},
		},
	})
	if err != nil {
		nc.Close()
		return err
	}
	sn := &soakNode{name: incarnation, lim: lim, node: node, nc: nc, pub: pub, done: make(chan error, 1)}
	go func() { sn.done <- node.Run(context.Background()) }()
	s.mu.Lock()
	s.slots[i] = sn
	s.mu.Unlock()
	return nil
}

func (o options) timeScaleOr(d float64) float64 {
	if o.timeScale > 0 {
		return o.timeScale
	}
	return d
}

// kill kills slot i's node abruptly and returns how many shards it ran.
func (s *soak) kill(i int) int {
	s.mu.Lock()
	sn := s.slots[i]
	s.mu.Unlock()
	owned := len(sn.node.Status().Shards)
	s.takeovers.killed(sn.name, time.Now())
	sn.nc.Close()
	sn.node.Kill()
	s.retire(sn, true)
	s.log.Warn("soak: killed node", "node", sn.name, "shards", owned)
	return owned
}

func (s *soak) retire(sn *soakNode, killed bool) {
	s.workers.retirePublisher(sn.pub, killed)
	st := sn.node.Status()
	s.mu.Lock()
	s.retired = append(s.retired, st)
	s.lapsed += sn.lim.Status().Lapsed
	s.mu.Unlock()
}

// waitAllConnected waits until every shard is connected on exactly one node.
func (s *soak) waitAllConnected(ctx context.Context, d time.Duration) (time.Duration, bool) {
	start := time.Now()
	for time.Since(start) < d && ctx.Err() == nil {
		s.mu.Lock()
		slots := append([]*soakNode(nil), s.slots...)
		s.mu.Unlock()
		count := map[int]int{}
		for _, sn := range slots {
			for _, st := range sn.node.Status().Shards {
				if st.State == gatewayutil.ShardConnected {
					count[st.Shard]++
				}
			}
		}
		ok := len(count) == s.shards
		for _, n := range count {
			ok = ok && n == 1
		}
		if ok {
			return time.Since(start), true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start), false
}

// publish sends generated traffic, emu-rate dispatches per second per
// shard, until the returned function is called; it returns how many
// deliveries the emulator made.
func (s *soak) publish() (*atomic.Int64, func() int64) {
	var n atomic.Int64
	traffic := gatewaytest.NewTraffic(gatewaytest.TrafficConfig{Seed: s.o.seed, Guilds: s.shards * 4, ShardCount: s.shards, HugeEvery: -1})
	done := make(chan struct{})
	var wg sync.WaitGroup
	perTick := s.o.emuRate * float64(s.shards) / 100
	wg.Go(func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		acc := 0.0
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			acc += perTick
			for ; acc >= 1; acc-- {
				ev := traffic.Next()
				n.Add(int64(s.emu.Publish(gatewaytest.Dispatch(ev))))
			}
		}
	})
	return &n, func() int64 { close(done); wg.Wait(); return n.Load() }
}

// settle waits until the audit has every event of every live session and
// returns how many it still misses after d.
func (s *soak) settle(d time.Duration) int64 {
	deadline := time.Now().Add(d)
	for {
		var short int64
		for _, sess := range s.emu.Sessions() {
			last, _ := s.aud.Last(sess.ID())
			if gap := sess.Seq() - last; gap > 0 {
				short += gap
			}
		}
		if short == 0 || time.Now().After(deadline) {
			if short > 0 {
				s.log.Error("soak: events never delivered", "missing", short)
			}
			return short
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// doubleOwned counts pairs of connections of one shard, from two node
// incarnations, that were open at the same time (see overlaps), and those
// that only the emulator's records show open together.
func (s *soak) doubleOwned() (real, emulatorOnly int, maxLag time.Duration) {
	conns := s.emu.Conns()
	shardOf := map[string]int{}
	for _, c := range conns {
		r := c.Record()
		if r.Identify != nil && len(r.Identify.Shard) == 2 && r.SessionID != "" {
			shardOf[r.SessionID] = r.Identify.Shard[0]
		}
	}
	byShard := map[int][]connSpan{}
	s.mu.Lock()
	for _, c := range conns {
		r := c.Record()
		shard, ok := shardOf[r.SessionID]
		if !ok {
			continue
		}
		sp := connSpan{opened: r.Opened, closed: r.Closed, desc: r.String()}
		if d := s.dialOf(r.RemoteAddr, r.Opened); d != nil {
			sp.owner, sp.dialed, sp.clientClosed = d.owner, d.dialed, d.closed
		}
		byShard[shard] = append(byShard[shard], sp)
	}
	s.mu.Unlock()
	for _, o := range overlaps(byShard, time.Now()) {
		attrs := []any{"shard", o.shard, "a", o.a.owner, "b", o.b.owner,
			"emulator_overlap", o.emulatorOverlap, "a_conn", o.a.desc, "b_conn", o.b.desc,
			"a_client_closed_before_b_dialed", o.b.dialed.Sub(o.a.clientClosed)}
		if o.real {
			real++
			s.log.Error("soak: shard connected from two nodes at once", attrs...)
			continue
		}
		emulatorOnly++
		maxLag = max(maxLag, o.emulatorOverlap)
		s.log.Warn("soak: the emulator recorded a connection's end after the next owner's start, "+
			"but its client had closed it before the next owner dialed", attrs...)
	}
	return real, emulatorOnly, maxLag
}

// connSpan is one connection of a shard, as the emulator and the client
// that opened it saw it.
type connSpan struct {
	owner          string    // node incarnation that dialed it ("" if unknown)
	opened, closed time.Time // emulator: accepted, ended (zero: still open)
	dialed         time.Time // client: the dial started
	clientClosed   time.Time // client: Close called (zero: never)
	desc           string
}

// overlap is two connections of one shard from two owners, a opened first,
// that the emulator saw open at the same time.
type overlap struct {
	shard           int
	a, b            connSpan
	emulatorOverlap time.Duration
	// real: a's client had not closed it when b's dial started, so the
	// two sockets existed at once. Otherwise the overlap is the
	// emulator's: it noted a's end when its reader got round to the
	// close, after b's connection was accepted (on a loaded machine,
	// hundreds of milliseconds late).
	real bool
}

// overlaps finds, per shard, the pairs of connections from two owners that
// the emulator's records show open at the same time, and tells whether the
// clients' records confirm it. A connection with no end is open at now.
func overlaps(byShard map[int][]connSpan, now time.Time) []overlap {
	var out []overlap
	shards := make([]int, 0, len(byShard))
	for shard := range byShard {
		shards = append(shards, shard)
	}
	sort.Ints(shards)
	for _, shard := range shards {
		spans := byShard[shard]
		sort.Slice(spans, func(i, j int) bool { return spans[i].opened.Before(spans[j].opened) })
		for i := range spans {
			end := spans[i].closed
			if end.IsZero() {
				end = now
			}
			for j := i + 1; j < len(spans) && spans[j].opened.Before(end); j++ {
				a, b := spans[i], spans[j]
				if a.owner == b.owner && a.owner != "" {
					continue
				}
				real := a.owner == "" || b.owner == "" || a.clientClosed.IsZero() || !a.clientClosed.Before(b.dialed)
				out = append(out, overlap{shard: shard, a: a, b: b, emulatorOverlap: end.Sub(b.opened), real: real})
			}
		}
	}
	return out
}

// dialRecord is one shard socket the soak's nodes opened.
type dialRecord struct {
	owner          string
	dialed, closed time.Time
}

// soakConn notes when a shard socket was closed on the client's side.
type soakConn struct {
	net.Conn
	s    *soak
	rec  *dialRecord
	once sync.Once
}

func (c *soakConn) Close() error {
	c.once.Do(func() {
		c.s.mu.Lock()
		c.rec.closed = time.Now()
		c.s.mu.Unlock()
	})
	return c.Conn.Close()
}

// dialOf returns the dial of the socket the emulator accepted from addr at
// opened: the latest dial from that address before it (a local port can
// be reused by a later socket). Called with s.mu held.
func (s *soak) dialOf(addr string, opened time.Time) *dialRecord {
	var best *dialRecord
	for _, r := range s.connOwner[addr] {
		if !r.dialed.After(opened) && (best == nil || r.dialed.After(best.dialed)) {
			best = r
		}
	}
	return best
}
