package cluster

import (
	"context"
	"testing"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/internal/testenv"
	"github.com/nats-io/nats.go"
)

// The live path's headers (epoch, previous seq, the replay mark after a
// takeover) and its replay check add no allocation per event either.
func TestLivePublishAllocsPerEvent(t *testing.T) {
	testenv.SkipAllocationCounts(t)
	nc, err := nats.Connect(sinkServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	cfg := eventsConfig()
	p := &Publisher{cfg: PublisherConfig{Mode: Live}, nc: nc, prefix: cfg.eventsPrefix()}
	wanted := map[string]struct{}{"MESSAGE_CREATE": {}}
	p.interest.Store(&wanted)
	sp := p.ForShard(7)
	sess := gateway.Session{ID: "0123456789abcdef0123456789abcdef", Seq: 1}
	sp.SetSession(sess)
	sp.setEpoch(12345)
	sp.takeOver(sess) // the replay mark on until RESUMED
	e := &gatewayutil.Event{Shard: 7, Type: "MESSAGE_CREATE", Data: messageData(99<<22, 1)}
	ctx := context.Background()
	seq := int64(1)
	allocs := testing.AllocsPerRun(20000, func() {
		seq++
		e.Seq = seq
		if seq == 5000 {
			e.Type = "RESUMED" // the mark goes
		} else {
			e.Type = "MESSAGE_CREATE"
		}
		if err := sp.Dispatch(ctx, e); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("%.3f allocations per live event (epoch, prev, replay mark, dedup id, seq, read time)", allocs)
	if allocs > 0.01 {
		t.Fatalf("%.3f allocations per live event, want 0", allocs)
	}
	if st := p.Stats(); st.Published == 0 || st.Replayed != 0 {
		t.Fatalf("stats %+v: want every event published, none taken for a replay", st)
	}
}
