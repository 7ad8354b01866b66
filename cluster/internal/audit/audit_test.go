package audit

import (
	"context"
	"testing"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewayutil"
)

func feed(a *Audit, shard int, typ string, seq int64, data string) {
	_ = a.Dispatch(context.Background(), &gatewayutil.Event{Shard: shard, Type: typ, Seq: seq, Data: []byte(data)})
}

func TestAuditClassifiesGapsReplaysAndRepeats(t *testing.T) {
	a := New()
	feed(a, 0, "READY", 1, `{"session_id":"s1"}`)
	for s := int64(2); s <= 10; s++ {
		feed(a, 0, "MESSAGE_CREATE", s, `{}`)
	}
	// A takeover from a stale seq 7: 8..10 come again and are replays.
	a.Takeover(0, gateway.Session{ID: "s1", Seq: 7, ShardID: 0, ShardCount: 1})
	for s := int64(8); s <= 12; s++ {
		feed(a, 0, "MESSAGE_CREATE", s, `{}`)
	}
	// A repeat below the takeover's seq is a duplicate; a jump is a gap.
	feed(a, 0, "MESSAGE_CREATE", 5, `{}`)
	feed(a, 0, "MESSAGE_CREATE", 15, `{}`)
	c := a.Counts()
	want := Counts{Events: 13, Sessions: 1, Replayed: 3, Duplicated: 1, Lost: 2, OutOfOrder: 4}
	if c != want {
		t.Fatalf("counts %+v, want %+v", c, want)
	}
	if last, ok := a.Last("s1"); !ok || last != 15 {
		t.Fatalf("Last(s1) = %d, %v; want 15", last, ok)
	}
	// A new session on the shard starts over; a takeover of another
	// session changes nothing.
	feed(a, 0, "READY", 1, `{"session_id":"s2"}`)
	a.Takeover(0, gateway.Session{ID: "s1", Seq: 1})
	feed(a, 0, "MESSAGE_CREATE", 2, `{}`)
	if c := a.Counts(); c.Sessions != 2 || c.Events != 15 || c.Duplicated != 1 {
		t.Fatalf("after a new session: %+v", c)
	}
}
