package cluster

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/nats-io/nats.go/jetstream"
)

// A durable shard's stored sequence number is what the stream acknowledged:
// a takeover that starts from a stored session keeps its sequence number
// until it publishes; events confirm once stored (a replay deduplicated by
// the stream counts as stored); a message the stream was unavailable for
// (a 503: no stream any more, or not yet recovered by a restarted server) is
// counted, never confirmed, and breaks the shard so that it resumes from
// the last stored event.
func TestDurableConfirmFollowsStreamAcknowledgements(t *testing.T) {
	srv := startNATS(t)
	cfg := eventsConfig()
	pub, nc := newPublisher(t, srv.URL(), cfg, PublisherConfig{Mode: Durable, StreamMaxBytes: 64 << 20})
	ctx := context.Background()

	// Taken over at seq 40: nothing published yet by this owner, and
	// still the stored seq stays 40 (the previous owner confirmed it).
	sp := pub.ForShard(2)
	sp.startFrom(gateway.Session{ID: "s", Seq: 40, ShardID: 2, ShardCount: 4})
	s := gateway.Session{ID: "s", Seq: 45, ShardID: 2, ShardCount: 4}
	if err := sp.confirm(time.Second, &s); err != nil || s.Seq != 40 {
		t.Fatalf("after a takeover at 40, before any publish: seq %d, err %v; want 40", s.Seq, err)
	}

	for seq := int64(41); seq <= 140; seq++ {
		e := &gatewayutil.Event{Shard: 2, Type: "MESSAGE_CREATE", Seq: seq, Data: messageData(5<<22, int(seq))}
		if err := sp.Dispatch(ctx, e); err != nil {
			t.Fatal(err)
		}
		if seq == 100 {
			// Replayed: a duplicate for the stream, acknowledged.
			if err := sp.Dispatch(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	s.Seq = 150
	if err := sp.confirm(5*time.Second, &s); err != nil || s.Seq != 140 {
		t.Fatalf("after publishing up to 140: seq %d, err %v; want 140", s.Seq, err)
	}
	if st := pub.Stats(); st.Rejected != 0 || st.Unconfirmed != 0 || st.Failed != 0 {
		t.Fatalf("stats %+v: nothing should be rejected or unconfirmed", st)
	}

	// The stream is gone: the next event is answered 503 (no
	// responders). It is counted, the shard must resume from its stored
	// session, and the stored sequence number stays at 140.
	js, _ := jetstream.New(nc)
	if err := js.DeleteStream(ctx, cfg.StreamName()); err != nil {
		t.Fatal(err)
	}
	if err := sp.Dispatch(ctx, &gatewayutil.Event{Shard: 2, Type: "MESSAGE_CREATE", Seq: 141, Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sp.Broken():
	case <-time.After(5 * time.Second):
		t.Fatalf("stats %+v: the shard was not broken by an event the stream was unavailable for", pub.Stats())
	}
	if st := pub.Stats(); st.Unavailable != 1 || st.Resumes != 1 || st.Rejected != 0 {
		t.Fatalf("stats %+v: want one unavailable, one resume, nothing rejected", st)
	}
	if err := sp.Dispatch(ctx, &gatewayutil.Event{Shard: 2, Type: "MESSAGE_CREATE", Seq: 142, Data: []byte(`{}`)}); !errors.Is(err, errResumeFromStored) {
		t.Fatalf("publishing past an unstored event: err %v, want errResumeFromStored", err)
	}
	s.Seq = 142
	if err := sp.confirm(time.Second, &s); err != nil || s.Seq != 140 {
		t.Fatalf("after an unstored 141: seq %d, err %v; want 140", s.Seq, err)
	}
}

// A new ShardPublisher (a shard started or resumed) waits for its first
// message to be stored before publishing the next: a stream that is not
// there yet (a restarted server still recovering it) answers 503, and the
// message is published again until it is stored, so nothing newer can be
// stored ahead of it and the shard need not resume.
func TestDurableFirstEventWaitsForTheStream(t *testing.T) {
	srv := startNATS(t)
	cfg := eventsConfig()
	pub, nc := newPublisher(t, srv.URL(), cfg, PublisherConfig{Mode: Durable, StreamMaxBytes: 64 << 20})
	ctx := context.Background()
	js, _ := jetstream.New(nc)
	info, err := js.Stream(ctx, cfg.StreamName())
	if err != nil {
		t.Fatal(err)
	}
	streamCfg := info.CachedInfo().Config
	if err := js.DeleteStream(ctx, cfg.StreamName()); err != nil {
		t.Fatal(err)
	}
	sp := pub.ForShard(1)
	sp.SetSession(gateway.Session{ID: "s"})
	dispatched := make(chan error, 1)
	go func() {
		dispatched <- sp.Dispatch(ctx, &gatewayutil.Event{Shard: 1, Type: "MESSAGE_CREATE", Seq: 1, Data: []byte(`{"n":1}`)})
	}()
	eventually(t, 10*time.Second, "the first event met the missing stream twice", func() bool { return pub.Stats().Unavailable >= 2 })
	select {
	case err := <-dispatched:
		t.Fatalf("the first event returned (%v) before the stream stored it", err)
	default:
	}
	if _, err := js.CreateStream(ctx, streamCfg); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-dispatched:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("stats %+v: the first event was not stored once the stream was back", pub.Stats())
	}
	if err := sp.Dispatch(ctx, &gatewayutil.Event{Shard: 1, Type: "MESSAGE_CREATE", Seq: 2, Data: []byte(`{"n":2}`)}); err != nil {
		t.Fatal(err)
	}
	s := gateway.Session{ID: "s", Seq: 2}
	if err := sp.confirm(5*time.Second, &s); err != nil || s.Seq != 2 {
		t.Fatalf("seq %d, err %v; want 2", s.Seq, err)
	}
	st := pub.Stats()
	t.Logf("stats %+v", st)
	if st.Resumes != 0 || st.Rejected != 0 || st.Unconfirmed != 0 {
		t.Fatalf("stats %+v: want the first event waited for, no resume", st)
	}
	select {
	case <-sp.Broken():
		t.Fatal("the shard was broken")
	default:
	}
	got, err := js.Stream(ctx, cfg.StreamName())
	if err != nil {
		t.Fatal(err)
	}
	if n := got.CachedInfo().State.Msgs; n != 2 {
		t.Fatalf("the stream holds %d messages, want 2", n)
	}
}

// The acknowledgement window bounds what a shard has in flight: when the
// stream does not answer (here: acknowledgements of a generation the
// publisher no longer routes, as after a connection lost with them), the
// reader waits, then gives the messages in flight up, counted, instead of
// buffering without bound.
func TestDurableAckWindowBoundsMessagesInFlight(t *testing.T) {
	srv := startNATS(t)
	cfg := eventsConfig()
	pub, _ := newPublisher(t, srv.URL(), cfg, PublisherConfig{Mode: Durable, StreamMaxBytes: 64 << 20})
	sp := pub.ForShard(0)
	sp.SetSession(gateway.Session{ID: "s"})
	// The first message is stored and acknowledged (a new publisher
	// waits for that before the next).
	if err := sp.Dispatch(context.Background(), &gatewayutil.Event{Shard: 0, Type: "MESSAGE_CREATE", Seq: 1, Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	// A second ForShard of the same shard takes its acknowledgements:
	// the first never hears back.
	_ = pub.ForShard(0)
	start := time.Now()
	for seq := int64(2); seq <= DefaultAckWindow+2; seq++ {
		if err := sp.Dispatch(context.Background(), &gatewayutil.Event{Shard: 0, Type: "MESSAGE_CREATE", Seq: seq, Data: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	waited := time.Since(start)
	st := pub.Stats()
	t.Logf("%d events published, the last after %v; stats %+v", DefaultAckWindow+1, waited, st)
	if st.WindowWaits != 1 || st.Unconfirmed != DefaultAckWindow || st.Resumes != 1 {
		t.Fatalf("stats %+v: want one wait for the full window, %d messages given up and the shard resumed", st, DefaultAckWindow)
	}
	if waited < ackGiveUp {
		t.Fatalf("the event past the window went out after %v, before the %v give-up", waited, ackGiveUp)
	}
	select {
	case <-sp.Broken():
	default:
		t.Fatal("messages given up on, yet the shard need not resume")
	}
	s := gateway.Session{ID: "s", Seq: DefaultAckWindow + 2}
	if err := sp.confirm(100*time.Millisecond, &s); err != nil || s.Seq != 1 {
		t.Fatalf("only 1 was acknowledged, yet confirm kept seq %d (err %v)", s.Seq, err)
	}
}
