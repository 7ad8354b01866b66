package worlddiff_test

import (
	"context"
	"testing"

	"github.com/gatewaykit/gateway/cache"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/internal/worlddiff"
)

// TestCacheFollowsAMutableWorld feeds a cache the GUILD_CREATEs of a
// mutable world and then thousands of its events (the default mix, which
// changes members, roles, channels, voice states and threads), and
// compares the cache with fresh GUILD_CREATEs: 0 differences. The same
// events over a static world's fresh GUILD_CREATEs would differ, which
// the second half checks, so the comparison sees the changes.
func TestCacheFollowsAMutableWorld(t *testing.T) {
	cfg := gatewaytest.TrafficConfig{Seed: 12, Guilds: 40, HugeEvery: 20, HugeMembers: 300, Mutable: true}
	tr := gatewaytest.NewTraffic(cfg)
	c := cache.New(nil, cache.Policy{})
	seq := int64(0)
	send := func(typ string, d []byte) {
		t.Helper()
		seq++
		if err := c.Dispatch(context.Background(), &gatewayutil.Event{Type: typ, Seq: seq, Data: d}); err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
	}
	send(event.Ready, []byte(`{"v":10,"session_id":"s","user":`+string(tr.BotUser())+`,"guilds":[]}`))
	for _, id := range tr.Guilds() {
		send(event.GuildCreate, tr.GuildCreate(id))
	}
	changes := 0
	for range 30000 {
		ev := tr.Next()
		switch ev.Type {
		case event.GuildMemberAdd, event.GuildMemberRemove, event.GuildMemberUpdate, event.VoiceStateUpdate,
			event.ChannelUpdate, event.ThreadCreate, event.ThreadDelete, event.GuildRoleUpdate:
			changes++
		}
		send(ev.Type, ev.Data)
	}
	if changes < 1000 {
		t.Fatalf("only %d changes among the events", changes)
	}
	for _, d := range worlddiff.World(c, tr.GuildCreate, tr.Guilds()) {
		t.Error(d)
	}
	static := gatewaytest.NewTraffic(gatewaytest.TrafficConfig{Seed: 12, Guilds: 40, HugeEvery: 20, HugeMembers: 300})
	if n := len(worlddiff.World(c, static.GuildCreate, static.Guilds())); n < 100 {
		t.Errorf("the cache differs from the unchanged world in %d fields only: the events changed little", n)
	}
}
