package cluster

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/cluster/internal/natsserver"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/nats-io/nats.go"
)

// liveLog records what a live worker's handlers saw, per shard and in
// handling order: "TYPE seq".
type liveLog struct {
	mu   sync.Mutex
	seen map[int][]string
}

func (l *liveLog) handler(_ context.Context, e *gatewayutil.Event) {
	l.mu.Lock()
	if l.seen == nil {
		l.seen = map[int][]string{}
	}
	l.seen[e.Shard] = append(l.seen[e.Shard], e.Type+" "+strconv.FormatInt(e.Seq, 10))
	l.mu.Unlock()
}

func (l *liveLog) get(shard int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.seen[shard])
}

// waitSubscribed waits until the server knows n subscribers of shard 0's
// events: a live event published before that reaches nobody.
func waitSubscribed(t *testing.T, srv *natsserver.Server, cfg Config, n int) {
	t.Helper()
	subj := cfg.EventSubject(0, "MESSAGE_CREATE")
	if srv.Interest(subj) < 0 {
		// A nats-server child process (CLUSTER_NATS_SERVER): no view of
		// its subscriptions from here.
		t.Logf("SUBSCRIPTION WAIT APPROXIMATED: the server is a child process; sleeping 1 s instead")
		time.Sleep(time.Second)
		return
	}
	eventually(t, 10*time.Second, fmt.Sprintf("%d subscribers of %s", n, subj), func() bool { return srv.Interest(subj) >= n })
}

// startLiveWorker runs a live consumer alone in its group until the test
// ends, and waits until it consumes every shard and the server knows its
// subscription to shard 0 (the n-th one).
func startLiveWorker(t *testing.T, srv *natsserver.Server, cfg Config, group string, shards, n int, types ...string) (*Consumer, *liveLog) {
	t.Helper()
	url := srv.URL()
	nc := connectNATS(t, url, group)
	log := &liveLog{}
	d := gatewayutil.NewDispatcher()
	d.SubscribeAll(log.handler)
	c, err := NewConsumer(context.Background(), openBuckets(t, nc, cfg), nc, ConsumerConfig{
		Group: group, Instance: "w", ShardCount: shards, Dispatcher: d, Mode: Live, Types: types,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	eventually(t, 10*time.Second, group+" consumes every shard", func() bool { return len(c.Shards()) == shards })
	waitSubscribed(t, srv, cfg, n)
	return c, log
}

// rawEvent publishes a live event with hand-made headers, as a publisher
// (or a buggy network) might deliver it.
func rawEvent(t *testing.T, nc *nats.Conn, cfg Config, shard int, session string, seq, epoch, prev int64, replay bool) {
	t.Helper()
	h := nats.Header{}
	h.Set(HeaderShard, strconv.Itoa(shard))
	h.Set(HeaderSession, session)
	h.Set(HeaderSeq, strconv.FormatInt(seq, 10))
	h.Set(HeaderEpoch, strconv.FormatInt(epoch, 10))
	if prev >= 0 {
		h.Set(HeaderPrev, strconv.FormatInt(prev, 10))
	}
	if replay {
		h.Set(HeaderReplay, "1")
	}
	m := &nats.Msg{Subject: cfg.EventSubject(shard, "MESSAGE_CREATE"), Header: h, Data: messageData(9<<22, int(seq))}
	if err := nc.PublishMsg(m); err != nil {
		t.Fatal(err)
	}
}

// Whatever reaches a live worker (a repeat, a reversal, an old owner still
// sending after the new one started, a takeover's replay of a session the
// worker never followed), its handlers see each event at most once and in
// order; the drops and the gap are counted.
func TestConsumerLiveRejectsOutOfOrderAndStaleOwner(t *testing.T) {
	srv := startNATS(t)
	cfg := eventsConfig()
	c, log := startLiveWorker(t, srv, cfg, "svc", 1, 1, "MESSAGE_CREATE")
	nc := connectNATS(t, srv.URL(), "raw")

	// A replay of a session this worker has not followed: dropped.
	rawEvent(t, nc, cfg, 0, "s1", 3, 10, -1, true)
	// The session as the first owner (epoch 10) sends it.
	for seq := int64(4); seq <= 6; seq++ {
		rawEvent(t, nc, cfg, 0, "s1", seq, 10, seq-1, false)
	}
	rawEvent(t, nc, cfg, 0, "s1", 5, 10, 4, false)  // a repeat
	rawEvent(t, nc, cfg, 0, "s1", 4, 10, 3, false)  // a reversal
	rawEvent(t, nc, cfg, 0, "s1", 8, 10, 7, false)  // 7 never arrived: a gap
	rawEvent(t, nc, cfg, 0, "s1", 8, 12, -1, true)  // new owner's replay, already handled
	rawEvent(t, nc, cfg, 0, "s1", 9, 12, 8, true)   // new owner's replay, new here
	rawEvent(t, nc, cfg, 0, "s1", 10, 10, 9, false) // the old owner, still sending: stale
	rawEvent(t, nc, cfg, 0, "s1", 10, 12, 9, false)
	// A new session (its READY missed) and a late event of the old one.
	rawEvent(t, nc, cfg, 0, "s2", 2, 12, 1, false)
	rawEvent(t, nc, cfg, 0, "s1", 11, 12, 10, false)
	rawEvent(t, nc, cfg, 0, "s2", 3, 12, 2, false)
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	want := []string{"MESSAGE_CREATE 4", "MESSAGE_CREATE 5", "MESSAGE_CREATE 6", "MESSAGE_CREATE 8", "MESSAGE_CREATE 9", "MESSAGE_CREATE 10", "MESSAGE_CREATE 2", "MESSAGE_CREATE 3"}
	eventually(t, 5*time.Second, "the worker handled its events", func() bool { return len(log.get(0)) >= len(want) })
	eventually(t, 5*time.Second, "every message was judged", func() bool {
		st := c.Stats()
		return st.Handled+st.Deduplicated+st.Stale+st.Unverified >= 14 && st.Handled == int64(len(want))
	})
	if got := log.get(0); !slices.Equal(got, want) {
		t.Fatalf("handled %v\nwant    %v", got, want)
	}
	st := c.Stats()
	t.Logf("stats %+v", st)
	// Repeats: 5, 4 and the replayed 8; stale: the old owner's 10 and
	// the superseded session's 11.
	if st.Deduplicated != 3 || st.Stale != 2 || st.Unverified != 1 || st.Gaps != 1 {
		t.Fatalf("stats %+v: want 3 repeats, 2 stale, 1 unverified, 1 gap", st)
	}
}

// A shard moves between two real live publishers while the old one still
// sends: the new owner resumes from a stored seq that lags what the old one
// published, so the gateway replays events both sent. A worker that
// followed the session sees every event once, in order; a worker that
// joined after the takeover drops the replays it cannot check (counted) and
// never sees a repeat. A replay after the new owner's own reconnect is not
// published again at all.
func TestLiveStaleOwnerAfterHandover(t *testing.T) {
	srv := startNATS(t)
	cfg := eventsConfig()
	ctx := context.Background()
	oldPub, _ := newPublisher(t, srv.URL(), cfg, PublisherConfig{Mode: Live})
	newPub, _ := newPublisher(t, srv.URL(), cfg, PublisherConfig{Mode: Live})
	early, earlyLog := startLiveWorker(t, srv, cfg, "early", 1, 1, "MESSAGE_CREATE", "RESUMED")
	for _, p := range []*Publisher{oldPub, newPub} {
		eventually(t, 5*time.Second, "publishers see the interest", func() bool { return p.Wants("MESSAGE_CREATE") && p.Wants("RESUMED") })
	}
	// Each batch reaches the server before the next one is sent: two
	// connections are not ordered with each other.
	send := func(sp *ShardPublisher, typ string, from, to int64) {
		t.Helper()
		for seq := from; seq <= to; seq++ {
			if err := sp.Dispatch(ctx, &gatewayutil.Event{Shard: 0, Type: typ, Seq: seq, Data: messageData(5<<22, int(seq))}); err != nil {
				t.Fatal(err)
			}
		}
		if err := sp.p.nc.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	sess := gateway.Session{ID: "sess", Seq: 1, ShardID: 0, ShardCount: 1}
	old := oldPub.ForShard(0)
	old.setEpoch(100)
	old.SetSession(sess)
	send(old, "MESSAGE_CREATE", 2, 10)

	// The takeover: the stored session says 6, the old owner sent 10.
	stored := sess
	stored.Seq = 6
	nu := newPub.ForShard(0)
	nu.setEpoch(101)
	nu.SetSession(stored)
	nu.takeOver(stored)
	send(nu, "MESSAGE_CREATE", 4, 6) // at or below the stored seq: dropped
	send(nu, "MESSAGE_CREATE", 7, 8) // marked replays
	// A worker joins now: it has not followed the session.
	late, lateLog := startLiveWorker(t, srv, cfg, "late", 1, 2, "MESSAGE_CREATE", "RESUMED")
	eventually(t, 5*time.Second, "publishers see the late worker", func() bool { return newPub.Wants("MESSAGE_CREATE") })
	send(nu, "MESSAGE_CREATE", 9, 12)   // marked replays (11, 12 are new)
	send(old, "MESSAGE_CREATE", 11, 13) // the old owner, not stopped yet
	send(nu, "RESUMED", 13, 13)
	send(nu, "MESSAGE_CREATE", 14, 16)
	// The new owner reconnects and resumes from 14: 15 and 16 replayed.
	send(nu, "MESSAGE_CREATE", 15, 17)

	var wantEarly, wantLate []string
	for seq := 2; seq <= 17; seq++ {
		typ := "MESSAGE_CREATE"
		if seq == 13 {
			typ = "RESUMED"
		}
		wantEarly = append(wantEarly, typ+" "+strconv.Itoa(seq))
		if seq >= 13 {
			wantLate = append(wantLate, typ+" "+strconv.Itoa(seq))
		}
	}
	eventually(t, 5*time.Second, "both workers handled up to 17", func() bool {
		e, l := earlyLog.get(0), lateLog.get(0)
		return len(e) > 0 && e[len(e)-1] == "MESSAGE_CREATE 17" && len(l) > 0 && l[len(l)-1] == "MESSAGE_CREATE 17"
	})
	time.Sleep(100 * time.Millisecond) // room for a straggler to show
	if got := earlyLog.get(0); !slices.Equal(got, wantEarly) {
		t.Errorf("the worker that followed the session handled\n%v\nwant\n%v", got, wantEarly)
	}
	if got := lateLog.get(0); !slices.Equal(got, wantLate) {
		t.Errorf("the worker that joined after the takeover handled\n%v\nwant\n%v", got, wantLate)
	}
	es, ls := early.Stats(), late.Stats()
	t.Logf("early %+v; late %+v; new owner %+v", es, ls, newPub.Stats())
	// early: 7..10 replayed again are repeats; the old owner's 11..13
	// after the new owner's 9 are stale. late: 9..12 unverified, the old
	// owner's 11..13 stale.
	if es.Deduplicated != 4 || es.Stale != 3 || es.Unverified != 0 {
		t.Errorf("early worker stats %+v: want 4 repeats, 3 stale", es)
	}
	if ls.Unverified != 4 || ls.Stale != 3 || ls.Deduplicated != 0 {
		t.Errorf("late worker stats %+v: want 4 unverified, 3 stale", ls)
	}
	if st := newPub.Stats(); st.Replayed != 5 || st.Published != 11 {
		t.Errorf("new owner stats %+v: want 5 replays not sent again (4..6, 15, 16), 11 published (7..17)", st)
	}
}

// A running live worker changes the event types it wants: the publisher
// follows, so an unwanted type is not even sent (Skipped), a newly wanted
// one reaches the handlers, and once the worker leaves nothing is sent.
func TestLiveConsumerSubscribesAtRuntime(t *testing.T) {
	srv := startNATS(t)
	cfg := eventsConfig()
	ctx := context.Background()
	pub, pnc := newPublisher(t, srv.URL(), cfg, PublisherConfig{Mode: Live})
	nc := connectNATS(t, srv.URL(), "worker")
	log := &liveLog{}
	d := gatewayutil.NewDispatcher()
	d.SubscribeAll(log.handler)
	c, err := NewConsumer(ctx, openBuckets(t, nc, cfg), nc, ConsumerConfig{
		Group: "svc", Instance: "w", ShardCount: 1, Dispatcher: d, Mode: Live, Types: []string{"MESSAGE_CREATE"},
	})
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(rctx) }()
	t.Cleanup(func() { stop(); <-done })
	eventually(t, 10*time.Second, "the worker consumes the shard and the publisher sees it", func() bool {
		return len(c.Shards()) == 1 && pub.Wants("MESSAGE_CREATE")
	})
	waitSubscribed(t, srv, cfg, 1)
	sp := pub.ForShard(0)
	sp.SetSession(gateway.Session{ID: "s"})
	seq := int64(1)
	send := func(types ...string) {
		t.Helper()
		for _, typ := range types {
			seq++
			if err := sp.Dispatch(ctx, &gatewayutil.Event{Shard: 0, Type: typ, Seq: seq, Data: messageData(3<<22, int(seq))}); err != nil {
				t.Fatal(err)
			}
		}
		if err := pnc.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	waitFor := func(last string) {
		t.Helper()
		eventually(t, 5*time.Second, "handled "+last, func() bool {
			got := log.get(0)
			return len(got) > 0 && got[len(got)-1] == last
		})
	}

	send("MESSAGE_CREATE", "TYPING_START", "MESSAGE_CREATE") // 2, 3, 4
	waitFor("MESSAGE_CREATE 4")
	if err := c.SetTypes(ctx, "MESSAGE_CREATE", "TYPING_START"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the publisher follows the new type", func() bool { return pub.Wants("TYPING_START") })
	send("TYPING_START", "MESSAGE_CREATE") // 5, 6
	waitFor("MESSAGE_CREATE 6")
	if err := c.SetTypes(ctx, "TYPING_START"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the publisher drops the old type", func() bool { return !pub.Wants("MESSAGE_CREATE") })
	send("MESSAGE_CREATE", "TYPING_START") // 7, 8
	waitFor("TYPING_START 8")
	want := []string{"MESSAGE_CREATE 2", "MESSAGE_CREATE 4", "TYPING_START 5", "MESSAGE_CREATE 6", "TYPING_START 8"}
	if got := log.get(0); !slices.Equal(got, want) {
		t.Fatalf("handled %v, want %v", got, want)
	}
	if st := pub.Stats(); st.Published != 5 || st.Skipped != 2 {
		t.Fatalf("publisher %+v: want 5 published, 2 skipped (3 and 7, wanted by nobody)", st)
	}
	if st := c.Stats(); st.Gaps != 0 {
		t.Fatalf("consumer %+v: an unwanted type is not a gap", st)
	}

	// The worker leaves: its interest goes with it.
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	done <- nil
	eventually(t, 5*time.Second, "the publisher forgets the worker's interest", func() bool { return !pub.Wants("TYPING_START") })
	send("TYPING_START")
	if st := pub.Stats(); st.Published != 5 || st.Skipped != 3 {
		t.Fatalf("publisher %+v after the worker left: want nothing more published", st)
	}
}
