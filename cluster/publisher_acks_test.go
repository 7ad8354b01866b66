package cluster

import (
	"context"
	"testing"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/nats-io/nats.go/jetstream"
)

// A durable shard's stored sequence number is what the stream acknowledged:
// a takeover that starts from a stored session keeps its sequence number
// until it publishes; events confirm once stored (a replay deduplicated by
// the stream counts as stored); a message the stream refuses (no stream
// any more) is counted as rejected.
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

	// The stream is gone: the next event is refused, counted, and the
	// publisher goes on (the operator sees Rejected).
	js, _ := jetstream.New(nc)
	if err := js.DeleteStream(ctx, cfg.StreamName()); err != nil {
		t.Fatal(err)
	}
	if err := sp.Dispatch(ctx, &gatewayutil.Event{Shard: 2, Type: "MESSAGE_CREATE", Seq: 141, Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the refusal is counted", func() bool { return pub.Stats().Rejected == 1 })
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
	// A second ForShard of the same shard takes its acknowledgements:
	// the first never hears back.
	_ = pub.ForShard(0)
	start := time.Now()
	for seq := int64(1); seq <= DefaultAckWindow+1; seq++ {
		if err := sp.Dispatch(context.Background(), &gatewayutil.Event{Shard: 0, Type: "MESSAGE_CREATE", Seq: seq, Data: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	waited := time.Since(start)
	st := pub.Stats()
	t.Logf("%d events published, the last after %v; stats %+v", DefaultAckWindow+1, waited, st)
	if st.WindowWaits != 1 || st.Unconfirmed != DefaultAckWindow {
		t.Fatalf("stats %+v: want one wait for the full window and %d messages given up", st, DefaultAckWindow)
	}
	if waited < ackGiveUp {
		t.Fatalf("the event past the window went out after %v, before the %v give-up", waited, ackGiveUp)
	}
	s := gateway.Session{ID: "s", Seq: DefaultAckWindow + 1}
	if err := sp.confirm(100*time.Millisecond, &s); err != nil || s.Seq != 0 {
		t.Fatalf("nothing was acknowledged, yet confirm kept seq %d (err %v)", s.Seq, err)
	}
}
