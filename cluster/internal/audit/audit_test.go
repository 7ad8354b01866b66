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

// A redelivery announced for one event excuses exactly one repeat of it.
func TestAuditRedeliveryExcusesOneRepeat(t *testing.T) {
	a := New()
	feed(a, 3, "READY", 1, `{"session_id":"s"}`)
	for s := int64(2); s <= 6; s++ {
		feed(a, 3, "MESSAGE_CREATE", s, `{}`)
	}
	a.Redelivery(3, "s", 6)
	feed(a, 3, "MESSAGE_CREATE", 6, `{}`) // excused
	feed(a, 3, "MESSAGE_CREATE", 6, `{}`) // not any more
	feed(a, 3, "MESSAGE_CREATE", 5, `{}`) // never was
	if c := a.Counts(); c.Redelivered != 1 || c.OutOfOrder != 2 {
		t.Fatalf("counts %+v: want 1 redelivered, 2 out of order", c)
	}
	gaps := a.Gaps()
	if len(gaps) != 2 || !gaps[0].Repeat || gaps[0].From != 6 || gaps[1].From != 5 {
		t.Fatalf("gaps %+v: want the two unexcused repeats", gaps)
	}
}
