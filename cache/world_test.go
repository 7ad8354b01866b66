package cache_test

import (
	"testing"

	"github.com/gatewaykit/gateway/cache"
	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/internal/worlddiff"
)

// TestGuildCreateMatchesWorld feeds the emulator's GUILD_CREATEs (one huge
// guild among them) and compares the cache with each, field by field.
func TestGuildCreateMatchesWorld(t *testing.T) {
	tr := gatewaytest.NewTraffic(gatewaytest.TrafficConfig{Seed: 7, Guilds: 60, HugeEvery: 50, HugeMembers: 1500})
	c := cache.New(nil, cache.Policy{})
	f := &feeder{t: t, c: c}
	for _, id := range tr.Guilds() {
		f.send(event.GuildCreate, string(tr.GuildCreate(id)))
	}
	for _, id := range tr.Guilds() {
		for _, diff := range worlddiff.Guild(c, tr.GuildCreate(id)) {
			t.Error(diff)
		}
	}
	if st := c.Stats(); st.Guilds != 60 || st.Members == 0 || st.Users == 0 || st.Dropped != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestDiffWorldFindsADifference makes sure the comparison used by the
// world tests can fail: one changed nick is one difference.
func TestDiffWorldFindsADifference(t *testing.T) {
	tr := gatewaytest.NewTraffic(gatewaytest.TrafficConfig{Seed: 7, Guilds: 2, HugeEvery: -1})
	c := cache.New(nil, cache.Policy{})
	f := &feeder{t: t, c: c}
	id := tr.Guilds()[0]
	f.send(event.GuildCreate, string(tr.GuildCreate(id)))
	var gc discord.GuildCreate
	if err := gc.DecodeJSON(tr.GuildCreate(id)); err != nil {
		t.Fatal(err)
	}
	m := gc.Members[0]
	m.GuildID = gc.ID
	m.Nick = discord.Some("changed " + m.Nick.Value())
	f.send(event.GuildMemberUpdate, string(m.AppendJSON(nil)))
	if diffs := worlddiff.Guild(c, tr.GuildCreate(id)); len(diffs) != 1 {
		t.Fatalf("%d differences, want 1: %q", len(diffs), diffs)
	}
}
