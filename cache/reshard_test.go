package cache_test

import (
	"fmt"
	"testing"

	"github.com/gatewaykit/gateway/cache"
	"github.com/gatewaykit/gateway/event"
)

// guildOn returns a guild id that Discord routes to shard id of count, the
// n-th such: (id >> 22) % count == shard.
func guildOn(shard, count, n int) cache.Snowflake {
	return cache.Snowflake(uint64(1000+n*count+shard) << 22)
}

func readyWith(session string, guilds ...cache.Snowflake) string {
	s := `{"v":10,"user":{"id":"9","username":"bot","discriminator":"0","global_name":null,"avatar":null,"bot":true},"guilds":[`
	for i, g := range guilds {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprintf(`{"id":"%d","unavailable":true}`, g)
	}
	return s + `],"session_id":"` + session + `","resume_gateway_url":"ws://x"}`
}

func smallGuild(id cache.Snowflake) string {
	return fmt.Sprintf(`{"id":"%d","name":"g","owner_id":"1","roles":[],"channels":[],"members":[{"user":{"id":"1","username":"owner"},"roles":[],"joined_at":"2025-01-01T00:00:00+00:00","flags":0}],"member_count":1}`, id)
}

func memberAdd(guild cache.Snowflake, user int) string {
	return fmt.Sprintf(`{"guild_id":"%d","user":{"id":"%d","username":"u%d"},"roles":[],"joined_at":"2025-01-01T00:00:00+00:00","flags":0}`, guild, user, user)
}

// TestReplayAcrossReshard runs a zero-downtime reshard from 1 shard to 2
// as the Manager does it: the old shard 0 (of 1), far into its session,
// goes on delivering while the new shards 0 and 1 (of 2) start theirs at
// sequence number 1. Each keeps its own sequence numbers: the new shard
// 0's events are applied although the old shard 0 (same id) is past their
// numbers, and a resume's replay on either is still applied once. The new
// READY takes over the guilds the old shard held that Discord now routes
// to it, dropping the one the bot left meanwhile.
func TestReplayAcrossReshard(t *testing.T) {
	c := cache.New(nil, cache.Policy{})
	a, b, left := guildOn(0, 2, 0), guildOn(1, 2, 0), guildOn(0, 2, 1)
	old := &feeder{t: t, c: c, shard: 0, count: 1}
	old.send(event.Ready, readyWith("old", a, b, left))
	for _, g := range []cache.Snowflake{a, b, left} {
		old.send(event.GuildCreate, smallGuild(g))
	}
	old.seq = 500 // far into the session
	old.send(event.GuildMemberAdd, memberAdd(a, 50))

	new0 := &feeder{t: t, c: c, shard: 0, count: 2}
	new0.send(event.Ready, readyWith("new0", a))
	if _, ok := c.Guild(left); ok {
		t.Error("the guild the bot left during the reshard is still cached after the new READY")
	}
	if g, ok := c.Guild(b); !ok || g.Unavailable {
		t.Errorf("guild %d, routed to the new shard 1, was dropped by the new shard 0's READY: %+v %v", b, g, ok)
	}
	// The old set delivers on; then the new shard 0, with its small numbers.
	old.send(event.GuildMemberAdd, memberAdd(b, 51))
	new0.send(event.GuildCreate, smallGuild(a))
	e := new0.send(event.GuildMemberAdd, memberAdd(a, 60))
	if g, ok := c.Guild(a); !ok || g.Unavailable {
		t.Fatalf("the new shard 0's GUILD_CREATE was not applied: %+v %v", g, ok)
	}
	if _, ok := c.Member(a, 60); !ok {
		t.Fatal("the new shard 0's GUILD_MEMBER_ADD #3 was taken for a replay of the old shard 0's")
	}
	if _, ok := c.Member(b, 51); !ok {
		t.Fatal("the old shard's event during the overlap was not applied")
	}
	// A resume of the new shard 0 replays #3: applied once.
	before := c.Stats().Replayed
	f := &feeder{t: t, c: c, shard: 0, count: 2, seq: e.Seq - 1}
	f.send(event.GuildMemberAdd, memberAdd(a, 60))
	if got := c.Stats().Replayed - before; got != 1 {
		t.Fatalf("%d replays counted, want 1", got)
	}
	if g, _ := c.Guild(a); g.MemberCount != 2 {
		t.Fatalf("member_count %d after a replayed add, want 2", g.MemberCount)
	}
	if err := c.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
}

// TestReplayAcrossSameCountReshard runs a zero-downtime reshard from 2
// shards to 2 (the Manager allows it: it replaces every session). The two
// sets share [shard, count]; only gatewayutil.Event.ShardSet tells them
// apart. The new shard 0 starts its session at sequence number 1 while the
// old shard 0 is far past it: its events must be applied, not taken for
// replays, and a resume's replay on it is still applied once. Its READY
// takes over the old shard 0's guilds.
func TestReplayAcrossSameCountReshard(t *testing.T) {
	c := cache.New(nil, cache.Policy{})
	a, left := guildOn(0, 2, 0), guildOn(0, 2, 1)
	old := &feeder{t: t, c: c, shard: 0, count: 2}
	old.send(event.Ready, readyWith("old", a, left))
	old.send(event.GuildCreate, smallGuild(a))
	old.send(event.GuildCreate, smallGuild(left))
	old.seq = 500
	old.send(event.GuildMemberAdd, memberAdd(a, 50))

	new0 := &feeder{t: t, c: c, shard: 0, count: 2, set: 1}
	new0.send(event.Ready, readyWith("new0", a))
	if _, ok := c.Guild(left); ok {
		t.Error("the guild the bot left during the reshard is still cached after the new set's READY")
	}
	// The old set delivers on meanwhile (the overlap), its numbers its own.
	old.send(event.GuildMemberAdd, memberAdd(a, 51))
	if _, ok := c.Member(a, 51); !ok {
		t.Fatal("the old set's event during the overlap was not applied")
	}
	new0.send(event.GuildCreate, smallGuild(a))
	if g, ok := c.Guild(a); !ok || g.Unavailable {
		t.Fatalf("the new set's GUILD_CREATE #2 (the old set's shard 0 being at #502) was not applied: %+v %v", g, ok)
	}
	e := new0.send(event.GuildMemberAdd, memberAdd(a, 60))
	if _, ok := c.Member(a, 60); !ok {
		t.Fatal("the new set's GUILD_MEMBER_ADD #3 was taken for a replay of the old set's shard 0")
	}
	before := c.Stats().Replayed
	f := &feeder{t: t, c: c, shard: 0, count: 2, set: 1, seq: e.Seq - 1}
	f.send(event.GuildMemberAdd, memberAdd(a, 60))
	if got := c.Stats().Replayed - before; got != 1 {
		t.Fatalf("%d replays counted for the new set's resume, want 1", got)
	}
	if err := c.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
}
