package gatewayutil

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatewaykit/gateway/event"
)

// An event that only un-narrowed inline handlers want is handed over as it
// is: its topic keys are never read from d.
func TestDispatchDoesNotParseUnlessNarrowed(t *testing.T) {
	d := NewDispatcher()
	defer d.Close(context.Background())
	var got int
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *Event) { got++ })
	d.Subscribe(event.TypingStart, func(ctx context.Context, e *Event) {}, InGuild(1)) // narrowed, other type

	e := &Event{Type: event.MessageCreate, Data: []byte(`{"guild_id":"1"}`)}
	if err := d.Dispatch(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if got != 1 {
		t.Fatalf("handler called %d times", got)
	}
	if e.keys.parsed != 0 {
		t.Errorf("topic keys parsed (%03b) with no narrowed subscription for %s", e.keys.parsed, e.Type)
	}

	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *Event) {}, InGuild(1))
	if err := d.Dispatch(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if e.keys.parsed&guildParsed == 0 {
		t.Error("guild not parsed although a subscription is narrowed by guild")
	}
	if e.keys.parsed&(channelParsed|userParsed) != 0 {
		t.Errorf("keys parsed that no subscription asked for: %03b", e.keys.parsed)
	}
}

// Dispatch forgets the keys of the previous message when the shard reuses
// its Event.
func TestDispatchResetsReusedEvent(t *testing.T) {
	d := NewDispatcher()
	defer d.Close(context.Background())
	var guilds []uint64
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *Event) { guilds = append(guilds, e.GuildID()) })
	e := &Event{Type: event.MessageCreate}
	for _, g := range []string{`{"guild_id":"1"}`, `{"guild_id":"2"}`, `{}`} {
		e.Data = []byte(g)
		if err := d.Dispatch(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	if len(guilds) != 3 || guilds[0] != 1 || guilds[1] != 2 || guilds[2] != 0 {
		t.Errorf("guilds seen = %v, want [1 2 0]", guilds)
	}
}

func TestLaneOf(t *testing.T) {
	const n = 9 // 8 guild lanes + the guild-less one
	counts := make([]int, n)
	for g := uint64(1); g <= 8000; g++ {
		l := laneOf(41771983423143937+g<<22, n) // snowflakes a few ms apart
		if l < 1 || l >= n {
			t.Fatalf("laneOf(%d) = %d, outside [1, %d)", g, l, n)
		}
		counts[l]++
	}
	if laneOf(0, n) != 0 {
		t.Error("guild-less events not on lane 0")
	}
	for l, c := range counts[1:] {
		if c < 500 || c > 1500 { // 1000 expected per lane
			t.Errorf("lane %d got %d of 8000 guilds: poor spread %v", l+1, c, counts)
		}
	}
}

// Two guilds on different lanes are handled at the same time: the first
// guild's handler waits for the second one's to start, which deadlocks if
// the pool ran them one after the other.
func TestPerGuildRunsGuildsInParallel(t *testing.T) {
	d := NewDispatcher()
	defer d.Close(context.Background())
	const lanes = 4
	a := uint64(1)
	b := a + 1
	for laneOf(b, lanes+1) == laneOf(a, lanes+1) {
		b++
	}
	bStarted := make(chan struct{})
	var aSawB atomic.Bool
	done := make(chan struct{}, 2)
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *Event) {
		switch e.GuildID() {
		case a:
			select {
			case <-bStarted:
				aSawB.Store(true)
			case <-time.After(10 * time.Second):
			}
		case b:
			close(bStarted)
		}
		done <- struct{}{}
	}, Deliver(PerGuild), Lanes(lanes))
	ctx := context.Background()
	_ = d.Dispatch(ctx, &Event{Type: event.MessageCreate, Data: []byte(`{"guild_id":` + strconv.FormatUint(a, 10) + `}`)})
	_ = d.Dispatch(ctx, &Event{Type: event.MessageCreate, Data: []byte(`{"guild_id":` + strconv.FormatUint(b, 10) + `}`)})
	<-done
	<-done
	if !aSawB.Load() {
		t.Error("guild b's handler did not start while guild a's was running")
	}
}
