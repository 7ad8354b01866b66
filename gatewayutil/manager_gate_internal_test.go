package gatewayutil

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingSink counts the events a gate passes on, by data.
type countingSink map[string]int

func (c countingSink) Dispatch(_ context.Context, e *Event) error {
	c[string(e.Data)]++
	return nil
}

// guildEvent is a MESSAGE_CREATE of a guild that 4 shards route to shard
// old and 8 shards to old or old+4.
func guildEvent(shard, old int, n int) *Event {
	guild := uint64(old) << 22
	return &Event{Shard: shard, Type: "MESSAGE_CREATE", Data: fmt.Appendf(nil, `{"id":"%d","guild_id":"%d"}`, n, guild)}
}

// TestReshardFilterKnowsWhatOldShardsOwe: when the new set delivers an event
// first, the old shard its guild routes to owes it, and is behind however
// quiet it looks (a stalled reader publishes no progress; taking it for
// quiet lost the events it had not read yet). Events a session gets for its
// own connection owe nothing.
func TestReshardFilterKnowsWhatOldShardsOwe(t *testing.T) {
	sink := countingSink{}
	f := newDedupeFilter(0, 4, 8)
	oldGate := newGateSink(sink, gateDedupe, 0)
	newGate := newGateSink(sink, gateDedupe, 1)
	oldGate.set(gateDedupe, f)
	newGate.set(gateDedupe, f)
	ctx := context.Background()

	// Old shard 2 delivers first: nobody owes anything.
	require.NoError(t, oldGate.Dispatch(ctx, guildEvent(2, 2, 1)))
	assert.False(t, f.owes(2))
	// New shard 6 gets it later: a repeat, dropped.
	require.NoError(t, newGate.Dispatch(ctx, guildEvent(6, 2, 1)))
	assert.NotZero(t, newGate.lastRepeat.Load(), "a repeat in the new set is recorded")
	assert.True(t, newGate.isCaughtUp(6))

	// New shard 5 delivers first: old shard 1 owes it until it arrives.
	require.NoError(t, newGate.Dispatch(ctx, guildEvent(5, 1, 2)))
	assert.True(t, f.owes(1))
	for _, id := range []int{0, 2, 3} {
		assert.False(t, f.owes(id), "old shard %d", id)
	}
	assert.False(t, oldGate.isCaughtUp(1))
	require.NoError(t, oldGate.Dispatch(ctx, guildEvent(1, 1, 2)))
	assert.True(t, oldGate.isCaughtUp(1), "old shard 1 reached what the new set delivered")

	// A new shard's own GUILD_CREATE and READY reach no old shard.
	require.NoError(t, newGate.Dispatch(ctx, &Event{Shard: 7, Type: "GUILD_CREATE", Data: []byte(`{"id":"12582912"}`)}))
	require.NoError(t, newGate.Dispatch(ctx, &Event{Shard: 7, Type: "READY", Data: []byte(`{"v":10}`)}))
	assert.False(t, f.owes(3))

	// Each event reached the user once.
	for data, n := range sink {
		assert.Equal(t, 1, n, data)
	}
	assert.Len(t, sink, 4)
}

// TestReshardFilterMatchesOnlyAcrossSets: a set's event is dropped only as
// a copy of one the other set delivered, copy for copy; the same event
// twice within one set (a re-identified session's, or two identical
// events) is delivered each time, and GUILD_CREATE, a snapshot, never
// goes through the filter.
func TestReshardFilterMatchesOnlyAcrossSets(t *testing.T) {
	sink := countingSink{}
	f := newDedupeFilter(0, 2, 4)
	oldGate := newGateSink(sink, gateDedupe, 0)
	newGate := newGateSink(sink, gateDedupe, 1)
	oldGate.set(gateDedupe, f)
	newGate.set(gateDedupe, f)
	ctx := context.Background()
	ev := func(shard int, typ, data string) *Event {
		return &Event{Shard: shard, Type: typ, Data: []byte(data)}
	}
	msg := `{"id":"1","guild_id":"4194304"}`
	// The old set delivers the same event twice: both reach the user.
	require.NoError(t, oldGate.Dispatch(ctx, ev(1, "MESSAGE_REACTION_ADD", msg)))
	require.NoError(t, oldGate.Dispatch(ctx, ev(1, "MESSAGE_REACTION_ADD", msg)))
	assert.Equal(t, 2, sink[msg])
	// The new set gets both copies: both dropped; a third is its own.
	for range 3 {
		require.NoError(t, newGate.Dispatch(ctx, ev(1, "MESSAGE_REACTION_ADD", msg)))
	}
	assert.Equal(t, 3, sink[msg], "two copies of the old set's dropped, the third delivered")
	// ... which the old set then repeats once.
	require.NoError(t, oldGate.Dispatch(ctx, ev(1, "MESSAGE_REACTION_ADD", msg)))
	assert.Equal(t, 3, sink[msg])
	f.mu.Lock()
	assert.Empty(t, f.ahead, "matched copies are forgotten")
	f.mu.Unlock()

	// GUILD_CREATE after each READY, whatever set delivered it before.
	guild := `{"id":"4194304","name":"g"}`
	for _, g := range []*gateSink{newGate, newGate, oldGate} {
		require.NoError(t, g.Dispatch(ctx, ev(1, "READY", `{"session_id":"x"}`)))
		require.NoError(t, g.Dispatch(ctx, ev(1, "GUILD_CREATE", guild)))
	}
	assert.Equal(t, 3, sink[guild], "every GUILD_CREATE after a READY reaches the user")
	assert.Equal(t, 3, sink[`{"session_id":"x"}`])
}

// TestReshardFilterIsBounded: however many events one set delivers that the
// other never repeats (shards the other set does not run, or a busy bot),
// the filter keeps at most limit of them; the oldest are forgotten first.
func TestReshardFilterIsBounded(t *testing.T) {
	sink := countingSink{}
	f := newDedupeFilter(0, 1, 2)
	f.limit = 100
	oldGate := newGateSink(sink, gateDedupe, 0)
	newGate := newGateSink(sink, gateDedupe, 1)
	oldGate.set(gateDedupe, f)
	newGate.set(gateDedupe, f)
	ctx := context.Background()
	for i := range 1000 {
		require.NoError(t, oldGate.Dispatch(ctx, guildEvent(0, 0, i)))
	}
	f.mu.Lock()
	assert.Len(t, f.ahead, 100)
	assert.Len(t, f.credits, 100)
	f.mu.Unlock()
	assert.EqualValues(t, 900, f.forgottenCopies())
	// The last 100 are still matched; an older one is not.
	require.NoError(t, newGate.Dispatch(ctx, guildEvent(0, 0, 900)))
	require.NoError(t, newGate.Dispatch(ctx, guildEvent(0, 0, 999)))
	require.NoError(t, newGate.Dispatch(ctx, guildEvent(0, 0, 899)))
	for i, want := range map[int]int{999: 1, 900: 1, 899: 2} {
		assert.Equal(t, want, sink[string(guildEvent(0, 0, i).Data)], "event %d", i)
	}
}
