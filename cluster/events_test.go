package cluster

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func eventsConfig() Config {
	c, err := Config{App: "bot", LeaseTTL: 1500 * time.Millisecond, MemberTTL: 1500 * time.Millisecond}.withDefaults()
	if err != nil {
		panic(err)
	}
	return c
}

func newPublisher(t *testing.T, url string, cfg Config, pc PublisherConfig) (*Publisher, *nats.Conn) {
	t.Helper()
	nc := connectNATS(t, url, "publisher")
	b := openBuckets(t, nc, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := NewPublisher(ctx, b, nc, pc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p, nc
}

func messageData(guild uint64, i int) []byte {
	return fmt.Appendf(nil, `{"id":"%d","guild_id":"%d","channel_id":"1","content":"m%d"}`, 1000+i, guild, i)
}

// A live publisher sends only the event types some consumer announced, and
// follows a consumer that changes them at run time; headers carry shard,
// session, seq, guild and the dedup id.
func TestPublisherLiveFollowsConsumerInterest(t *testing.T) {
	srv := startNATS(t)
	cfg := eventsConfig()
	pub, _ := newPublisher(t, srv.URL(), cfg, PublisherConfig{Mode: Live})
	sp := pub.ForShard(3)
	sp.SetSession(gateway.Session{ID: "s1"})

	raw := connectNATS(t, srv.URL(), "tap")
	got := make(chan *nats.Msg, 16)
	if _, err := raw.ChanSubscribe("gateway.bot.ev.>", got); err != nil {
		t.Fatal(err)
	}
	_ = raw.Flush()

	cnc := connectNATS(t, srv.URL(), "worker")
	cons, err := NewConsumer(context.Background(), openBuckets(t, cnc, cfg), cnc, ConsumerConfig{
		Group: "svc", Instance: "w1", ShardCount: 4, Dispatcher: gatewayutil.NewDispatcher(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := cons.SetTypes(ctx, "MESSAGE_CREATE"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "publisher sees MESSAGE_CREATE interest", func() bool { return pub.Wants("MESSAGE_CREATE") })
	if pub.Wants("TYPING_START") {
		t.Fatal("TYPING_START wanted though nobody asked")
	}

	send := func(typ string, seq int64) {
		e := &gatewayutil.Event{Shard: 3, Type: typ, Seq: seq, Data: messageData(42<<22, int(seq))}
		if err := sp.Dispatch(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	send("MESSAGE_CREATE", 1)
	send("TYPING_START", 2)
	m := recv(t, got)
	if m.Subject != "gateway.bot.ev.3.MESSAGE_CREATE" {
		t.Fatalf("subject %q", m.Subject)
	}
	for k, want := range map[string]string{HeaderShard: "3", HeaderSession: "s1", HeaderSeq: "1", HeaderGuild: fmt.Sprint(uint64(42 << 22)), nats.MsgIdHdr: "3.s1.1"} {
		if v := m.Header.Get(k); v != want {
			t.Errorf("header %s = %q, want %q", k, v, want)
		}
	}
	if string(m.Data) != string(messageData(42<<22, 1)) {
		t.Errorf("payload %q", m.Data)
	}

	if err := cons.SetTypes(ctx, "TYPING_START"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "publisher follows the new interest", func() bool {
		return pub.Wants("TYPING_START") && !pub.Wants("MESSAGE_CREATE")
	})
	send("MESSAGE_CREATE", 3)
	send("TYPING_START", 4)
	m = recv(t, got)
	if m.Subject != "gateway.bot.ev.3.TYPING_START" || m.Header.Get(HeaderSeq) != "4" {
		t.Fatalf("got %s seq %s, want TYPING_START seq 4 (MESSAGE_CREATE seq 3 is no longer wanted)", m.Subject, m.Header.Get(HeaderSeq))
	}
	select {
	case m := <-got:
		t.Fatalf("unexpected message %s seq %s", m.Subject, m.Header.Get(HeaderSeq))
	case <-time.After(100 * time.Millisecond):
	}
	if st := pub.Stats(); st.Published != 2 || st.Skipped != 2 {
		t.Fatalf("stats %+v, want 2 published, 2 skipped", st)
	}
}

func recv(t *testing.T, ch <-chan *nats.Msg) *nats.Msg {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no message within 5 s")
		return nil
	}
}

// A durable publisher stores a dispatch replayed with the same (shard,
// session, seq) once, and the stream drops its oldest events at MaxBytes.
func TestPublisherDurableDedupAndStreamLimits(t *testing.T) {
	srv := startNATS(t)
	cfg := eventsConfig()
	const maxBytes = 64 << 10
	pub, nc := newPublisher(t, srv.URL(), cfg, PublisherConfig{Mode: Durable, StreamMaxBytes: maxBytes})
	sp := pub.ForShard(0)
	sp.SetSession(gateway.Session{ID: "s"})
	ctx := context.Background()
	const total = 2000
	for i := 1; i <= total; i++ {
		e := &gatewayutil.Event{Shard: 0, Type: "MESSAGE_CREATE", Seq: int64(i), Data: messageData(7<<22, i)}
		if err := sp.Dispatch(ctx, e); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			// A replay after a resume: same id, stored once.
			if err := sp.Dispatch(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	js, _ := jetstream.New(nc)
	var st jetstream.StreamState
	eventually(t, 5*time.Second, "stream holds the last event", func() bool {
		s, err := js.Stream(ctx, cfg.StreamName())
		if err != nil {
			return false
		}
		info, err := s.Info(ctx)
		if err != nil {
			return false
		}
		st = info.State
		return st.LastSeq >= total
	})
	dropped := st.FirstSeq - 1
	t.Logf("published %d (+1 replay), stream keeps %d msgs / %d bytes (limit %d), oldest %d dropped", total, st.Msgs, st.Bytes, maxBytes, dropped)
	if st.LastSeq != total {
		t.Fatalf("stream last seq %d, want %d: the replay was stored twice", st.LastSeq, total)
	}
	if st.Bytes > maxBytes || dropped == 0 || st.Msgs+dropped != total {
		t.Fatalf("stream state %+v: want bytes ≤ %d, oldest dropped, kept+dropped = %d", st, maxBytes, total)
	}
	// The oldest kept is the one just after the dropped ones.
	s, _ := js.Stream(ctx, cfg.StreamName())
	first, err := s.GetMsg(ctx, st.FirstSeq)
	if err != nil {
		t.Fatal(err)
	}
	if got := first.Header.Get(HeaderSeq); got != fmt.Sprint(dropped+1) {
		t.Fatalf("oldest kept event has seq %s, want %d", got, dropped+1)
	}
}

// recorder is the workers' handler: it checks that no shard is handled on
// two goroutines at once and keeps each shard's sequence numbers in
// handling order.
type recorder struct {
	mu       sync.Mutex
	seqs     map[int][]int64
	inFlight map[int]*atomic.Int32
	overlap  atomic.Int64
	n        atomic.Int64
}

func newRecorder(shards int) *recorder {
	r := &recorder{seqs: map[int][]int64{}, inFlight: map[int]*atomic.Int32{}}
	for s := range shards {
		r.inFlight[s] = new(atomic.Int32)
	}
	return r
}

func (r *recorder) handler(ctx context.Context, e *gatewayutil.Event) {
	f := r.inFlight[e.Shard]
	if f.Add(1) > 1 {
		r.overlap.Add(1)
	}
	r.mu.Lock()
	r.seqs[e.Shard] = append(r.seqs[e.Shard], e.Seq)
	r.mu.Unlock()
	r.n.Add(1)
	f.Add(-1)
}

// check reports gaps, repeats and reversals against 1..want[shard]. Each of
// redelivered (the events a killed worker had in its handlers) may come
// twice in a row, once.
func (r *recorder) check(t *testing.T, want map[int]int64, redelivered ...EventPosition) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if o := r.overlap.Load(); o != 0 {
		t.Errorf("%d events handled while another of the same shard was in a handler", o)
	}
	for _, pos := range redelivered {
		got := r.seqs[pos.Shard]
		for i := 1; i < len(got); i++ {
			if got[i] == pos.Seq && got[i-1] == pos.Seq {
				t.Logf("shard %d: event %d handled again after the kill (it was in the killed worker's handler)", pos.Shard, pos.Seq)
				r.seqs[pos.Shard] = append(got[:i:i], got[i+1:]...)
				break
			}
		}
	}
	for s, n := range want {
		got := r.seqs[s]
		if int64(len(got)) != n {
			t.Errorf("shard %d: handled %d events, want %d", s, len(got), n)
		}
		for i, q := range got {
			if q != int64(i+1) {
				t.Errorf("shard %d: event %d has seq %d (lost, repeated or reordered)", s, i, q)
				break
			}
		}
	}
}

type testWorker struct {
	nc   *nats.Conn
	c    *Consumer
	done chan error
}

func startWorker(t *testing.T, url string, cfg Config, name string, shards int, mode EventMode, rec *recorder) *testWorker {
	t.Helper()
	nc := connectNATS(t, url, name)
	d := gatewayutil.NewDispatcher()
	d.SubscribeAll(rec.handler)
	c, err := NewConsumer(context.Background(), openBuckets(t, nc, cfg), nc, ConsumerConfig{
		Group: "svc", Instance: name, ShardCount: shards, Dispatcher: d, Mode: mode, Types: []string{"MESSAGE_CREATE"},
	})
	if err != nil {
		t.Fatal(err)
	}
	w := &testWorker{nc: nc, c: c, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { w.done <- c.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-w.done })
	return w
}

// Two workers share four shards of a durable stream; one is killed while
// events flow. The other takes its shards over from the acknowledgement
// floor: every event is handled once, in order per shard, never two of one
// shard at the same time.
func TestConsumerDurableWorkerCrashTakeover(t *testing.T) {
	srv := startNATS(t)
	cfg := eventsConfig()
	const shards = 4
	pub, _ := newPublisher(t, srv.URL(), cfg, PublisherConfig{Mode: Durable, StreamMaxBytes: 64 << 20})
	rec := newRecorder(shards)
	a := startWorker(t, srv.URL(), cfg, "a", shards, Durable, rec)
	b := startWorker(t, srv.URL(), cfg, "b", shards, Durable, rec)
	eventually(t, 10*time.Second, "both workers consume shards", func() bool {
		na, nb := len(a.c.Shards()), len(b.c.Shards())
		return na > 0 && nb > 0 && na+nb == shards
	})
	t.Logf("a consumes %v, b consumes %v", a.c.Shards(), b.c.Shards())

	sps := make([]*ShardPublisher, shards)
	for s := range sps {
		sps[s] = pub.ForShard(s)
		sps[s].SetSession(gateway.Session{ID: "sess"})
	}
	want := map[int]int64{}
	publish := func(n int) {
		for range n {
			for s := range shards {
				want[s]++
				e := &gatewayutil.Event{Shard: s, Type: "MESSAGE_CREATE", Seq: want[s], Data: messageData(uint64(s)<<22, int(want[s]))}
				if err := sps[s].Dispatch(context.Background(), e); err != nil {
					t.Fatal(err)
				}
			}
			time.Sleep(time.Millisecond)
		}
	}
	publish(200)
	killed := a.c.Shards()
	a.c.Kill()
	a.nc.Close()
	publish(200)
	eventually(t, 20*time.Second, "b takes every shard", func() bool { return len(b.c.Shards()) == shards })
	publish(100)
	total := int64(0)
	for _, n := range want {
		total += n
	}
	eventually(t, 20*time.Second, "every event handled", func() bool { return rec.n.Load() >= total })
	time.Sleep(200 * time.Millisecond) // room for a repeat to show
	inHand := a.c.Unacknowledged()
	t.Logf("killed a with shards %v (events in its handlers: %v); %d events handled of %d published", killed, inHand, rec.n.Load(), total)
	if len(inHand) > len(killed) {
		t.Errorf("%d events reported in hand, more than the %d shards the worker consumed", len(inHand), len(killed))
	}
	rec.check(t, want, inHand...)
}

// NATS restarts while a worker consumes a durable stream: once it is back,
// the worker goes on from its acknowledgement floor, and every event
// published before and after the restart is handled once, in order.
func TestConsumerDurableSurvivesNATSRestart(t *testing.T) {
	srv := startNATS(t)
	cfg := eventsConfig()
	const shards = 2
	pub, pnc := newPublisher(t, srv.URL(), cfg, PublisherConfig{Mode: Durable, StreamMaxBytes: 64 << 20})
	rec := newRecorder(shards)
	w := startWorker(t, srv.URL(), cfg, "w", shards, Durable, rec)
	eventually(t, 10*time.Second, "the worker consumes both shards", func() bool { return len(w.c.Shards()) == shards })
	want := map[int]int64{}
	publish := func(n int) {
		for range n {
			for s := range shards {
				want[s]++
				sp := pub.ForShard(s)
				sp.SetSession(gateway.Session{ID: "sess"})
				e := &gatewayutil.Event{Shard: s, Type: "MESSAGE_CREATE", Seq: want[s], Data: messageData(uint64(s)<<22, int(want[s]))}
				if err := sp.Dispatch(context.Background(), e); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := pnc.FlushTimeout(5 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
	publish(100)
	eventually(t, 10*time.Second, "first events handled", func() bool { return rec.n.Load() == 200 })
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 15*time.Second, "clients reconnected", func() bool { return pnc.IsConnected() && w.nc.IsConnected() })
	publish(100)
	eventually(t, 30*time.Second, "every event handled after the restart", func() bool { return rec.n.Load() >= 400 })
	time.Sleep(300 * time.Millisecond)
	rec.check(t, want)
}

// A worker falls behind while the stream reaches MaxBytes: the oldest events
// it had not consumed yet are dropped by the stream, and the worker counts
// them (Missing) instead of waiting for them; what it handles stays in
// order, and handled + missing covers every event published.
func TestDurableStreamLimitsDropOldestAndConsumerCountsThem(t *testing.T) {
	srv := startNATS(t)
	cfg := eventsConfig()
	const maxBytes = 64 << 10
	pub, pnc := newPublisher(t, srv.URL(), cfg, PublisherConfig{Mode: Durable, StreamMaxBytes: maxBytes})
	sp := pub.ForShard(0)
	sp.SetSession(gateway.Session{ID: "s"})
	publish := func(from, to int) {
		for i := from; i <= to; i++ {
			e := &gatewayutil.Event{Shard: 0, Type: "MESSAGE_CREATE", Seq: int64(i), Data: messageData(7<<22, i)}
			if err := sp.Dispatch(context.Background(), e); err != nil {
				t.Fatal(err)
			}
		}
		if err := pnc.FlushTimeout(5 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
	// The handler blocks on event 2 until the stream has moved on.
	release := make(chan struct{})
	var mu sync.Mutex
	var seqs []int64
	d := gatewayutil.NewDispatcher()
	d.SubscribeAll(func(_ context.Context, e *gatewayutil.Event) {
		if e.Seq == 2 {
			<-release
		}
		mu.Lock()
		seqs = append(seqs, e.Seq)
		mu.Unlock()
	})
	wnc := connectNATS(t, srv.URL(), "w")
	c, err := NewConsumer(context.Background(), openBuckets(t, wnc, cfg), wnc, ConsumerConfig{
		Group: "svc", Instance: "w", ShardCount: 1, Dispatcher: d, Mode: Durable, FetchBatch: 4,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	publish(1, 2)
	// Event 1 handled, so the worker knows the session: everything the
	// stream drops after it is counted missing. (Holding the partition
	// is not enough: a worker that never saw event 1 cannot know it was
	// dropped, as it cannot tell a dropped event from one a previous
	// worker handled.)
	eventually(t, 10*time.Second, "the worker handled event 1", func() bool { return c.Stats().Handled >= 1 })
	const total = 2000
	publish(3, total)
	js, _ := jetstream.New(pnc)
	var st jetstream.StreamState
	eventually(t, 10*time.Second, "the stream dropped its oldest events", func() bool {
		s, err := js.Stream(context.Background(), cfg.StreamName())
		if err != nil {
			return false
		}
		info, err := s.Info(context.Background())
		if err != nil {
			return false
		}
		st = info.State
		return st.LastSeq == total && st.FirstSeq > 100
	})
	close(release)
	eventually(t, 20*time.Second, "the worker reached the last event", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seqs) > 0 && seqs[len(seqs)-1] == total
	})
	cs := c.Stats()
	mu.Lock()
	handled := int64(len(seqs))
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] {
			t.Errorf("event %d handled after %d", seqs[i], seqs[i-1])
		}
	}
	mu.Unlock()
	t.Logf("stream kept %d of %d events (first %d); worker handled %d, counted %d missing", st.Msgs, total, st.FirstSeq, handled, cs.Missing)
	if cs.Missing == 0 || handled+cs.Missing != total {
		t.Fatalf("handled %d + missing %d, want %d with some missing", handled, cs.Missing, total)
	}
}
