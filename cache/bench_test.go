package cache_test

import (
	"context"
	"testing"

	"github.com/gatewaykit/gateway/cache"
	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/internal/testenv"
)

// loaded returns a cache holding a generated world of 100 guilds, and the
// world.
func loaded(tb testing.TB, p cache.Policy) (*cache.Cache, *gatewaytest.Traffic) {
	tr := gatewaytest.NewTraffic(gatewaytest.TrafficConfig{Seed: 1, Guilds: 100, HugeEvery: -1})
	c := cache.New(nil, p)
	f := &feeder{t: tb, c: c}
	for _, id := range tr.Guilds() {
		f.send(event.GuildCreate, string(tr.GuildCreate(id)))
	}
	return c, tr
}

// BenchmarkApply is the cost of applying one event of the emulator's
// default traffic mix (decoding included), per event type that changes
// the cache, and for the mix as a whole.
func BenchmarkApply(b *testing.B) {
	c, tr := loaded(b, cache.Policy{Kinds: cache.KindAll})
	byType := map[string][][]byte{}
	var mix []gatewaytest.TrafficEvent
	for len(mix) < 5000 {
		ev := tr.Next()
		mix = append(mix, ev)
		byType[ev.Type] = append(byType[ev.Type], ev.Data)
	}
	ctx := context.Background()
	seq := int64(1000)
	run := func(b *testing.B, typ func(i int) (string, []byte)) {
		b.ReportAllocs()
		e := &gatewayutil.Event{}
		for i := 0; b.Loop(); i++ {
			seq++
			t, d := typ(i)
			*e = gatewayutil.Event{Type: t, Seq: seq, Data: d}
			_ = c.Dispatch(ctx, e)
		}
	}
	b.Run("mix", func(b *testing.B) {
		run(b, func(i int) (string, []byte) { ev := mix[i%len(mix)]; return ev.Type, ev.Data })
	})
	for _, typ := range []string{event.MessageCreate, event.PresenceUpdate, event.GuildMemberUpdate, event.GuildMemberAdd,
		event.VoiceStateUpdate, event.ChannelUpdate, event.GuildRoleUpdate, event.TypingStart} {
		ds := byType[typ]
		if len(ds) == 0 {
			b.Fatalf("no %s in the generated mix", typ)
		}
		b.Run(typ, func(b *testing.B) {
			run(b, func(i int) (string, []byte) { return typ, ds[i%len(ds)] })
		})
	}
	b.Run(event.GuildCreate, func(b *testing.B) {
		ids := tr.Guilds()
		payloads := make([][]byte, len(ids))
		for i, id := range ids {
			payloads[i] = tr.GuildCreate(id)
		}
		run(b, func(i int) (string, []byte) { return event.GuildCreate, payloads[i%len(payloads)] })
	})
}

// lookupKeys returns, for the world's guilds, a member and a channel each.
func lookupKeys(tb testing.TB, tr *gatewaytest.Traffic) (guilds, users, channels []cache.Snowflake) {
	for _, id := range tr.Guilds() {
		var gc discord.GuildCreate
		if err := gc.DecodeJSON(tr.GuildCreate(id)); err != nil {
			tb.Fatal(err)
		}
		guilds = append(guilds, gc.ID)
		users = append(users, gc.Members[len(gc.Members)/2].User.ID)
		channels = append(channels, gc.Channels[0].ID)
	}
	return guilds, users, channels
}

// BenchmarkLookup is the cost of the queries by id.
func BenchmarkLookup(b *testing.B) {
	c, tr := loaded(b, cache.Policy{})
	guilds, users, channels := lookupKeys(b, tr)
	n := len(guilds)
	b.Run("Guild", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			c.Guild(guilds[i%n])
		}
	})
	b.Run("Member", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			c.Member(guilds[i%n], users[i%n])
		}
	})
	b.Run("User", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			c.User(users[i%n])
		}
	})
	b.Run("Channel", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			c.Channel(channels[i%n])
		}
	})
	b.Run("Permissions", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			_, _ = c.Permissions(guilds[i%n], channels[i%n], users[i%n], 1)
		}
	})
}

// TestLookupAlloc checks that the queries by id allocate nothing.
func TestLookupAlloc(t *testing.T) {
	testenv.SkipAllocationCounts(t)
	c, tr := loaded(t, cache.Policy{})
	guilds, users, channels := lookupKeys(t, tr)
	checks := map[string]func(){
		"Guild":       func() { c.Guild(guilds[3]) },
		"Member":      func() { c.Member(guilds[3], users[3]) },
		"User":        func() { c.User(users[3]) },
		"Channel":     func() { c.Channel(channels[3]) },
		"Role":        func() { c.Role(guilds[3], guilds[3]) },
		"VoiceState":  func() { c.VoiceState(guilds[3], users[3]) },
		"Permissions": func() { _, _ = c.Permissions(guilds[3], channels[3], users[3], 1) },
	}
	for name, f := range checks {
		if _, ok := c.Member(guilds[3], users[3]); !ok {
			t.Fatal("the member looked up is not cached")
		}
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %.1f allocations per lookup, want 0", name, n)
		}
	}
}
