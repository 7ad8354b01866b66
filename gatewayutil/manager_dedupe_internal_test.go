package gatewayutil

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reshardGates is a 4 → 8 reshard's two gates over one filter, both
// filtering as the Manager starts the new set.
func reshardGates(sink countingSink) (f *dedupeFilter, oldGate, newGate *gateSink) {
	f = newDedupeFilter(0, 4, 8)
	oldGate = newGateSink(sink, gateOpen, 0)
	newGate = newGateSink(sink, gateOpen, 1)
	oldGate.set(gateDedupe, f)
	newGate.set(gateDedupe, f)
	return f, oldGate, newGate
}

// eventData is the data guildEvent gives event n of old shard old's guild.
func eventData(old, n int) string { return string(guildEvent(0, old, n).Data) }

// TestReshardRepeatAfterSwitchIsDropped is the interleaving that repeated an
// event: the old set delivered it, the switch came before the new shard
// had read its copy, and the filter was removed on a timer while the copy
// was still on its way. The filter now knows the new shard has not passed
// it, and drops it whenever it comes.
func TestReshardRepeatAfterSwitchIsDropped(t *testing.T) {
	sink := countingSink{}
	f, oldGate, newGate := reshardGates(sink)
	ctx := context.Background()
	// Old shard 2 delivers two events of a guild new shard 2 owns; new
	// shard 2 is stalled and has read neither.
	require.NoError(t, oldGate.Dispatch(ctx, guildEvent(2, 2, 1)))
	require.NoError(t, oldGate.Dispatch(ctx, guildEvent(2, 2, 2)))
	// The switch.
	f.seal()
	oldGate.set(gateClosed, nil)
	assert.Equal(t, 2, f.unpassed(2), "new shard 2 has not passed what old shard 2 delivered")
	assert.Zero(t, f.unpassed(6))
	require.NoError(t, newGate.Dispatch(ctx, guildEvent(2, 2, 1)))
	assert.Equal(t, 1, f.unpassed(2))
	require.NoError(t, newGate.Dispatch(ctx, guildEvent(2, 2, 2)))
	assert.Zero(t, f.unpassed(2), "new shard 2 passed everything")
	require.NoError(t, newGate.Dispatch(ctx, guildEvent(2, 2, 3)))
	for _, n := range []int{1, 2, 3} {
		assert.Equal(t, 1, sink[eventData(2, n)], "event %d", n)
	}
}

// TestReshardFilterPassesByGuildOrder: a guild's events reach every session
// in one order, so a new shard that receives one of them has passed the
// old set's earlier copies (they came before its session did, and it never
// receives them), and one the old set never delivered passes them all.
func TestReshardFilterPassesByGuildOrder(t *testing.T) {
	sink := countingSink{}
	f, oldGate, newGate := reshardGates(sink)
	ctx := context.Background()
	for n := range 3 {
		require.NoError(t, oldGate.Dispatch(ctx, guildEvent(2, 2, n)))
	}
	require.NoError(t, oldGate.Dispatch(ctx, guildEvent(3, 3, 10)))
	f.seal()
	assert.Equal(t, 3, f.unpassed(2))
	assert.Equal(t, 1, f.unpassed(3))
	// New shard 2's session started after event 0: its first is event 1.
	require.NoError(t, newGate.Dispatch(ctx, guildEvent(2, 2, 1)))
	assert.Equal(t, 1, f.unpassed(2), "event 0 will never reach it")
	// New shard 3 receives an event the old set never delivered.
	require.NoError(t, newGate.Dispatch(ctx, guildEvent(3, 3, 11)))
	assert.Zero(t, f.unpassed(3))
	assert.Equal(t, 1, sink[eventData(3, 11)])
	assert.Equal(t, 1, sink[eventData(3, 10)])
	assert.Equal(t, 1, sink[eventData(2, 1)])
}

// TestReshardConnectingNewSetLosesNothing is the interleaving that lost
// events: the new set, still connecting, dropped every event, and the old
// shard was switched off before it read them. The new set filters from its
// first event: its sessions' own READY and GUILD_CREATEs are delivered (a
// consumer sees each session start before its events), and an event that
// reaches it first is delivered. After the switch the old set delivers
// nothing, not even an event it was handling: the new set delivers that one.
func TestReshardConnectingNewSetLosesNothing(t *testing.T) {
	sink := countingSink{}
	f, oldGate, newGate := reshardGates(sink)
	ctx := context.Background()
	require.NoError(t, newGate.Dispatch(ctx, &Event{Shard: 6, Type: "READY", Data: []byte(`{"session_id":"n6"}`)}))
	require.NoError(t, newGate.Dispatch(ctx, &Event{Shard: 6, Type: "GUILD_CREATE", Data: []byte(`{"id":"8388608"}`)}))
	assert.Len(t, sink, 2, "the new session's own start is delivered")
	require.NoError(t, newGate.Dispatch(ctx, guildEvent(6, 2, 1)))
	assert.Equal(t, 1, sink[eventData(2, 1)], "an event reaching the connecting set first is delivered")
	assert.True(t, f.owes(2))
	require.NoError(t, oldGate.Dispatch(ctx, guildEvent(2, 2, 1)))
	assert.Equal(t, 1, sink[eventData(2, 1)], "the old set's copy is a repeat")

	f.seal()
	// Old shard 2 was handling event 2 as it was switched off.
	require.NoError(t, oldGate.Dispatch(ctx, guildEvent(2, 2, 2)))
	assert.Zero(t, sink[eventData(2, 2)])
	require.NoError(t, newGate.Dispatch(ctx, guildEvent(6, 2, 2)))
	assert.Equal(t, 1, sink[eventData(2, 2)])
}

// TestReshardOldShardCatchesUpWithEveryNewShard: an old shard has caught up
// only when it read, for each new shard it shares guilds with, an event
// that shard received too (whichever set delivered it first); one of new
// shard 6 says nothing of what was sent to it before new shard 2's session
// started.
func TestReshardOldShardCatchesUpWithEveryNewShard(t *testing.T) {
	sink := countingSink{}
	f, oldGate, newGate := reshardGates(sink)
	ctx := context.Background()
	ids := []int{0, 1, 2, 3, 4, 5, 6, 7}
	assert.False(t, f.caughtUp(2, ids))
	// Guild 6<<22 routes to old shard 2 and new shard 6.
	e := func(shard, n int) *Event {
		return &Event{Shard: shard, Type: "MESSAGE_CREATE", Data: []byte(`{"id":"` + string(rune('a'+n)) + `","guild_id":"25165824"}`)}
	}
	require.NoError(t, newGate.Dispatch(ctx, e(6, 1)))
	require.NoError(t, oldGate.Dispatch(ctx, e(2, 1)))
	assert.False(t, f.caughtUp(2, ids), "new shard 2 has not been matched yet")
	assert.True(t, f.caughtUp(2, []int{6, 7}), "a process that runs new shards 6 and 7 only")
	// The other way round: old shard 2 read an event first that new shard
	// 2 receives too.
	require.NoError(t, oldGate.Dispatch(ctx, guildEvent(2, 2, 1)))
	assert.False(t, f.caughtUp(2, ids))
	require.NoError(t, newGate.Dispatch(ctx, guildEvent(2, 2, 1)))
	assert.True(t, f.caughtUp(2, ids))
	assert.False(t, f.caughtUp(1, ids))
	assert.True(t, sharesGuilds(1, 4, 5, 8))
	assert.False(t, sharesGuilds(1, 4, 6, 8))
	assert.True(t, sharesGuilds(2, 3, 4, 5), "counts with no common divisor share every pair")
}

// TestReshardFailedNewSetLeavesNoRepeat: when the new set cannot connect and
// is closed, the old set still drops its copies of what the new set
// delivered first, and records nothing more.
func TestReshardFailedNewSetLeavesNoRepeat(t *testing.T) {
	sink := countingSink{}
	f, oldGate, newGate := reshardGates(sink)
	ctx := context.Background()
	require.NoError(t, newGate.Dispatch(ctx, guildEvent(1, 1, 1)))
	newGate.set(gateClosed, nil)
	f.abandonNew()
	assert.Equal(t, 1, f.newFirst())
	require.NoError(t, oldGate.Dispatch(ctx, guildEvent(1, 1, 1)))
	require.NoError(t, oldGate.Dispatch(ctx, guildEvent(1, 1, 2)))
	assert.Zero(t, f.newFirst())
	assert.Equal(t, 1, sink[eventData(1, 1)])
	assert.Equal(t, 1, sink[eventData(1, 2)])
	f.mu.Lock()
	assert.Empty(t, f.ahead, "nothing recorded once the new set is gone")
	f.mu.Unlock()
}
