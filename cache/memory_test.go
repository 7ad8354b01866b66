package cache_test

import (
	"runtime"
	"testing"

	"github.com/gatewaykit/gateway/cache"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
)

// memoryFigures feeds the GUILD_CREATEs of a generated world to a new cache
// and returns the heap it holds afterwards, the members it holds, and the
// bytes of JSON it was fed.
func memoryFigures(tb testing.TB, tr *gatewaytest.Traffic, p cache.Policy) (heap uint64, members int, jsonBytes int) {
	tb.Helper()
	var before, after runtime.MemStats
	gcTwice()
	runtime.ReadMemStats(&before)
	c := cache.New(nil, p)
	f := &feeder{t: tb, c: c}
	for _, id := range tr.Guilds() {
		d := tr.GuildCreate(id)
		jsonBytes += len(d)
		f.send(event.GuildCreate, string(d))
	}
	gcTwice()
	runtime.ReadMemStats(&after)
	members = c.Stats().Members
	runtime.KeepAlive(c)
	return after.HeapAlloc - before.HeapAlloc, members, jsonBytes
}

// TestMemoryPerGuild measures what the cache holds per guild and per
// member on the emulator's GUILD_CREATE traffic, against the JSON it was
// fed, which is the least that keeping raw JSON with an index would hold.
// The compact structs must stay well under that.
func TestMemoryPerGuild(t *testing.T) {
	guilds := 1000
	if testing.Short() {
		guilds = 200
		t.Log("MEMORY TEST REDUCED: -short measures 200 guilds instead of 1000")
	}
	tr := gatewaytest.NewTraffic(gatewaytest.TrafficConfig{Seed: 1, Guilds: guilds})
	heap, members, jsonBytes := memoryFigures(t, tr, cache.Policy{})
	heapNoMembers, _, _ := memoryFigures(t, tr, cache.Policy{Kinds: cache.DefaultKinds &^ (cache.KindMembers | cache.KindUsers)})
	perGuild := float64(heap) / float64(guilds)
	perMember := float64(heap-min(heap, heapNoMembers)) / float64(members)
	rawPerGuild := float64(jsonBytes) / float64(guilds)
	t.Logf("%d guilds, %d members: %.0f bytes per guild (%.0f without members), %.0f bytes per member (user included); GUILD_CREATE JSON %.0f bytes per guild (compact = %.2f of raw)",
		guilds, members, perGuild, float64(heapNoMembers)/float64(guilds), perMember, rawPerGuild, perGuild/rawPerGuild)
	if perGuild > rawPerGuild/2 {
		t.Fatalf("compact cache holds %.0f bytes per guild, more than half the raw JSON (%.0f)", perGuild, rawPerGuild)
	}
}

// gcTwice collects twice: the first collection moves what sync.Pools hold
// (decoder states that still point at the last payload they decoded) to
// their victim caches, the second frees it, so pooled buffers are not
// counted as cached state.
func gcTwice() {
	runtime.GC()
	runtime.GC()
}
