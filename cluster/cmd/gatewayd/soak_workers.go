package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatewaykit/gateway/cluster"
	"github.com/gatewaykit/gateway/cluster/internal/audit"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/nats-io/nats.go"
)

// workerSet runs the soak's workers: consumers of the events over NATS, each
// on its own connection, feeding a Dispatcher whose handler is the audit of
// what the application saw.
type workerSet struct {
	s     *soak
	aud   *audit.Audit
	mu    sync.Mutex
	slots []*soakWorker
	gen   int
	kills int
	lat   []time.Duration // end-to-end, bounded by maxLatencySamples

	published     atomic.Int64 // by publishers of retired node incarnations
	failed        atomic.Int64 // events those publishers could not publish
	failedAtKills atomic.Int64 // of which by publishers of killed nodes

	led      *ledger               // live mode: the audit at the workers
	drops    cluster.ConsumerStats // live drops counted by retired workers
	watchers sync.WaitGroup
}

type soakWorker struct {
	c      *cluster.Consumer
	nc     *nats.Conn
	cancel context.CancelFunc
	done   chan error
}

const maxLatencySamples = 1 << 20

// workerTypes are the event types the emulator sends; live workers announce
// them (a live publisher sends nothing else).
var workerTypes = []string{"READY", "RESUMED", "GUILD_CREATE", "MESSAGE_CREATE"}

func newWorkerSet(s *soak, n int) *workerSet {
	w := &workerSet{s: s, aud: audit.New(), slots: make([]*soakWorker, n)}
	if !s.o.durable {
		w.led = newLedger(workerTypes)
	}
	return w
}

func (w *workerSet) mode() cluster.EventMode {
	if w.s.o.durable {
		return cluster.Durable
	}
	return cluster.Live
}

// publisher returns the events publisher of a new node incarnation, nil
// without workers.
func (w *workerSet) publisher(ctx context.Context, b *cluster.Buckets, nc *nats.Conn) (*cluster.Publisher, error) {
	if w == nil {
		return nil, nil
	}
	return cluster.NewPublisher(ctx, b, nc, cluster.PublisherConfig{Mode: w.mode(), StreamMaxBytes: 256 << 20, Logger: w.s.log})
}

// retirePublisher counts what a node incarnation's publisher did; killed
// says the node was killed (its NATS connection closed under publishes in
// flight, which then fail: the events are not lost, the stored session
// stops short of them and the next owner's resume replays them).
func (w *workerSet) retirePublisher(p *cluster.Publisher, killed bool) {
	if w == nil || p == nil {
		return
	}
	st := p.Stats()
	w.published.Add(st.Published)
	w.failed.Add(st.Failed)
	if killed {
		w.failedAtKills.Add(st.Failed)
	}
	w.s.log.Info("soak: publisher retired", "stats", st, "killed", killed)
	_ = p.Close()
}

// start starts a new worker incarnation in slot i.
func (w *workerSet) start(ctx context.Context, i int) error {
	w.mu.Lock()
	w.gen++
	name := fmt.Sprintf("worker%d-%d", i, w.gen)
	w.mu.Unlock()
	nc, b, err := openCluster(ctx, w.s.natsURL, name, w.s.cfg)
	if err != nil {
		return err
	}
	d := gatewayutil.NewDispatcher()
	d.SubscribeAll(func(ctx context.Context, e *gatewayutil.Event) { _ = w.aud.Dispatch(ctx, e) })
	c, err := cluster.NewConsumer(ctx, b, nc, cluster.ConsumerConfig{
		Group: "soak", Instance: name, ShardCount: w.s.shards, Dispatcher: d, Mode: w.mode(),
		Types: workerTypes, Logger: w.s.log,
		OnHandled: func(e *gatewayutil.Event, h cluster.Handled) {
			if w.led != nil {
				w.led.noteHandled(e.Shard, h.Session, e.Seq)
			}
			if h.ReadAt.IsZero() {
				return
			}
			l := time.Since(h.ReadAt)
			w.mu.Lock()
			if len(w.lat) < maxLatencySamples {
				w.lat = append(w.lat, l)
			}
			w.mu.Unlock()
		},
	})
	if err != nil {
		nc.Close()
		return err
	}
	rctx, cancel := context.WithCancel(context.Background())
	sw := &soakWorker{c: c, nc: nc, cancel: cancel, done: make(chan error, 1)}
	go func() { sw.done <- c.Run(rctx) }()
	w.mu.Lock()
	w.slots[i] = sw
	w.mu.Unlock()
	return nil
}

// killOne kills a random worker abruptly (its connection closed, nothing
// acknowledged or released) and starts a new one in its place.
func (w *workerSet) killOne(ctx context.Context, rng *rand.Rand) {
	if w == nil {
		return
	}
	w.watchRecovery(time.Now())
	i := rng.IntN(len(w.slots))
	w.mu.Lock()
	sw := w.slots[i]
	w.kills++
	w.mu.Unlock()
	sw.c.Kill()
	sw.nc.Close()
	<-sw.done
	w.addDrops(sw.c.Stats())
	w.s.log.Warn("soak: killed worker", "slot", i)
	if w.s.o.durable {
		// The events in the dead worker's handlers, not acknowledged:
		// its successor hands them again (what a crash costs). The
		// audit counts those repeats as redelivered, any other as
		// out of order.
		for _, pos := range sw.c.Unacknowledged() {
			w.s.log.Info("soak: event in hand at the kill", "shard", pos.Shard, "seq", pos.Seq)
			w.aud.Redelivery(pos.Shard, pos.Session, pos.Seq)
		}
	}
	if err := w.start(ctx, i); err != nil {
		w.s.log.Error("soak: restart worker", "err", err)
		w.s.addError()
	}
}

// settle waits until the workers handled every event of every session the
// emulator numbered, and returns how many are missing after d.
func (w *workerSet) settle(d time.Duration) int64 {
	if w.led != nil {
		w.settleLedger(d)
		return 0
	}
	deadline := time.Now().Add(d)
	for {
		var short int64
		for _, sess := range w.s.emu.Sessions() {
			last, _ := w.aud.Last(sess.ID())
			if gap := sess.Seq() - last; gap > 0 {
				short += gap
			}
		}
		if short == 0 || time.Now().After(deadline) {
			if short > 0 {
				w.s.log.Error("soak: events never handled by a worker", "missing", short)
			}
			return short
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// summarize puts the workers' audit in the summary: what the application
// saw.
func (w *workerSet) summarize(sum *soakSummary, shortfall int64) {
	// Not under w.mu: a worker still handling an event (a RESUMED after
	// the final drain) calls OnHandled, which takes it.
	w.mu.Lock()
	slots := append([]*soakWorker(nil), w.slots...)
	w.mu.Unlock()
	for _, sw := range slots {
		sw.cancel()
		<-sw.done
		sw.nc.Close()
		w.drops.Stale += sw.c.Stats().Stale
		w.drops.Unverified += sw.c.Stats().Unverified
		w.drops.Gaps += sw.c.Stats().Gaps
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, g := range w.aud.Gaps() {
		// Where to look: the shard, session and sequence numbers the
		// workers' handlers missed or saw again.
		w.s.log.Error("soak: worker audit", "repeat", g.Repeat, "shard", g.Shard, "session", g.Session, "from", g.From, "to", g.To, "at", g.At)
	}
	c := w.aud.Counts()
	sum.Workers = len(w.slots)
	sum.WorkerKills = w.kills
	sum.EventsHandled = c.Events
	sum.EventsPublished = w.published.Load()
	sum.EventsPublishFailed = w.failed.Load()
	sum.EventsPublishFailedAtKills = w.failedAtKills.Load()
	sum.Lost = c.Lost + shortfall
	sum.Duplicated = c.Duplicated
	sum.OutOfOrder = c.OutOfOrder
	sum.WorkerRedelivered = c.Redelivered
	if w.led != nil {
		sum.WorkerDrops = &workerDrops{Stale: w.drops.Stale, Unverified: w.drops.Unverified, Gaps: w.drops.Gaps}
		lc := w.led.counts()
		sum.EventsHandled = lc.handled
		sum.EventsWanted = lc.read
		sum.Lost = lc.lostAroundKills + lc.lostOtherwise
		sum.LostAroundKills = &lc.lostAroundKills
		sum.LostOtherwise = &lc.lostOtherwise
		sum.Duplicated = lc.duplicated
		sum.OutOfOrder = lc.outOfOrder
		if lc.lostOtherwise > 0 {
			w.s.log.Error("soak: events lost away from any kill", "lost", lc.lostOtherwise, "some", lc.unexplained)
		}
		if lc.overflow > 0 {
			w.s.log.Error("soak: ledger full", "not_recorded", lc.overflow)
			w.s.addError()
		}
	}
	if len(w.lat) > 0 {
		sort.Slice(w.lat, func(i, j int) bool { return w.lat[i] < w.lat[j] })
		sum.E2EP50Ms = float64(w.lat[len(w.lat)/2].Microseconds()) / 1000
		sum.E2EP99Ms = float64(w.lat[len(w.lat)*99/100].Microseconds()) / 1000
	}
}

// workerDrops are what the live workers themselves counted: events from a
// fenced-out owner (stale), takeover replays they could not check
// (unverified, possible losses) and gaps they proved (known losses).
type workerDrops struct {
	Stale      int64 `json:"stale"`
	Unverified int64 `json:"unverified"`
	Gaps       int64 `json:"gaps"`
}

func (w *workerSet) addDrops(st cluster.ConsumerStats) {
	w.mu.Lock()
	w.drops.Stale += st.Stale
	w.drops.Unverified += st.Unverified
	w.drops.Gaps += st.Gaps
	w.mu.Unlock()
}
