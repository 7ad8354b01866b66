package cache_test

import (
	"context"
	"testing"

	"github.com/gatewaykit/gateway/cache"
	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewayutil"
)

const guildJSON = `{"id":"100","name":"G","owner_id":"1","roles":[{"id":"100","name":"@everyone","permissions":"1024","position":0},{"id":"200","name":"mod","permissions":"8192","position":1}],
"channels":[{"id":"300","type":0,"name":"general","position":0},{"id":"301","type":2,"name":"voice","position":1}],
"threads":[{"id":"302","type":11,"name":"t","parent_id":"300","thread_metadata":{"archived":false,"auto_archive_duration":60,"archive_timestamp":"2025-01-01T00:00:00+00:00","locked":false}}],
"members":[{"user":{"id":"1","username":"owner","discriminator":"0","global_name":null,"avatar":null},"roles":[],"joined_at":"2025-01-01T00:00:00+00:00","flags":0},
{"user":{"id":"2","username":"bob","discriminator":"0","global_name":null,"avatar":null},"nick":"b","roles":["200"],"joined_at":"2025-01-01T00:00:00+00:00","flags":0}],
"voice_states":[{"channel_id":"301","user_id":"2","session_id":"s","deaf":false,"mute":false,"self_deaf":false,"self_mute":true,"self_video":false,"suppress":false}],
"emojis":[{"id":"400","name":"e"}],"member_count":2}`

func newFed(t *testing.T, p cache.Policy) (*cache.Cache, *feeder) {
	c := cache.New(nil, p)
	f := &feeder{t: t, c: c}
	f.send(event.Ready, `{"v":10,"user":{"id":"9","username":"bot","discriminator":"0","global_name":null,"avatar":null,"bot":true},"guilds":[{"id":"100","unavailable":true}],"session_id":"abc","resume_gateway_url":"ws://x"}`)
	return c, f
}

func TestReadyThenGuildCreate(t *testing.T) {
	c, f := newFed(t, cache.Policy{})
	g, ok := c.Guild(100)
	if !ok || !g.Unavailable {
		t.Fatalf("after READY: %+v %v, want unavailable", g, ok)
	}
	f.send(event.GuildCreate, guildJSON)
	g, _ = c.Guild(100)
	if g.Unavailable || g.Name.String() != "G" || g.MemberCount != 2 {
		t.Fatalf("guild %+v", g)
	}
	if ch, ok := c.Channel(302); !ok || ch.Thread == nil || ch.ParentID != 300 {
		t.Fatalf("thread %+v %v", ch, ok)
	}
	f.send(event.ThreadMembersUpdate, `{"id":"302","guild_id":"100","member_count":7}`)
	if ch, _ := c.Channel(302); ch.Thread.MemberCount != 7 {
		t.Fatalf("thread member count %d, want 7", ch.Thread.MemberCount)
	}
	if m, ok := c.Member(100, 2); !ok || m.Nick != "b" || m.Roles.Len() != 1 {
		t.Fatalf("member %+v %v", m, ok)
	}
	if u, ok := c.User(2); !ok || u.Username != "bob" {
		t.Fatalf("user %+v %v", u, ok)
	}
	if self, ok := c.Self(); !ok || self.ID != 9 {
		t.Fatalf("self %+v", self)
	}
	if vs, ok := c.VoiceState(100, 2); !ok || vs.ChannelID != 301 || !vs.SelfMute {
		t.Fatalf("voice %+v %v", vs, ok)
	}
	if len(c.Emojis(100)) != 1 {
		t.Fatal("emojis")
	}
}

// TestOld checks that a handler of an update or delete reads the object as
// it was, while the cache already holds the new one.
func TestOld(t *testing.T) {
	d := gatewayutil.NewDispatcher()
	c := cache.New(d, cache.Policy{})
	f := &feeder{t: t, c: c}
	f.send(event.GuildCreate, guildJSON)

	var got []string
	d.Subscribe(event.GuildMemberUpdate, func(ctx context.Context, e *gatewayutil.Event) {
		before, ok := cache.Old[cache.Member](c, e)
		now, _ := c.Member(100, 2)
		got = append(got, before.Nick+">"+now.Nick)
		if !ok {
			t.Error("no old member")
		}
	})
	d.Subscribe(event.ChannelDelete, func(ctx context.Context, e *gatewayutil.Event) {
		before, ok := cache.Old[cache.Channel](c, e)
		_, still := c.Channel(300)
		_, thread := c.Channel(302)
		if !ok || before.Name.String() != "general" || still || thread {
			t.Errorf("channel delete: old %+v %v, still cached %v, thread %v", before, ok, still, thread)
		}
		got = append(got, "deleted "+before.Name.String())
	})
	d.Subscribe(event.GuildRoleUpdate, func(ctx context.Context, e *gatewayutil.Event) {
		if _, ok := cache.Old[cache.Member](c, e); ok {
			t.Error("Old with the wrong type reported ok")
		}
		before, _ := cache.Old[cache.Role](c, e)
		got = append(got, before.Name.String())
	})
	f.send(event.GuildMemberUpdate, `{"guild_id":"100","user":{"id":"2","username":"bob","discriminator":"0","global_name":null,"avatar":null},"nick":"robert","roles":["200"],"joined_at":"2025-01-01T00:00:00+00:00","flags":0}`)
	f.send(event.ChannelDelete, `{"id":"300","type":0,"guild_id":"100"}`)
	f.send(event.GuildRoleUpdate, `{"guild_id":"100","role":{"id":"200","name":"moderator","permissions":"8192","position":1}}`)
	want := []string{"b>robert", "deleted general", "mod"}
	if len(got) != len(want) {
		t.Fatalf("handlers saw %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("handlers saw %q, want %q", got, want)
		}
	}
	// A nick left out of an update is unchanged; a null one is removed.
	f.send(event.GuildMemberUpdate, `{"guild_id":"100","user":{"id":"2","username":"bob","discriminator":"0","global_name":null,"avatar":null},"roles":[],"joined_at":"2025-01-01T00:00:00+00:00","flags":0}`)
	if m, _ := c.Member(100, 2); m.Nick != "robert" || m.Roles.Len() != 0 {
		t.Fatalf("missing nick: %+v", m)
	}
	f.send(event.GuildMemberUpdate, `{"guild_id":"100","user":{"id":"2","username":"bob","discriminator":"0","global_name":null,"avatar":null},"nick":null,"roles":[],"joined_at":"2025-01-01T00:00:00+00:00","flags":0}`)
	if m, _ := c.Member(100, 2); m.Nick != "" {
		t.Fatalf("null nick: %+v", m)
	}
}

func TestGuildDelete(t *testing.T) {
	c, f := newFed(t, cache.Policy{})
	f.send(event.GuildCreate, guildJSON)
	f.send(event.GuildDelete, `{"id":"100","unavailable":true}`)
	g, ok := c.Guild(100)
	if !ok || !g.Unavailable || g.Name.String() != "G" {
		t.Fatalf("outage: %+v %v, want kept and unavailable", g, ok)
	}
	if _, ok := c.Member(100, 2); !ok {
		t.Fatal("outage dropped the members")
	}
	f.send(event.GuildCreate, guildJSON)
	if g, _ := c.Guild(100); g.Unavailable {
		t.Fatal("still unavailable after GUILD_CREATE")
	}
	e := f.send(event.GuildDelete, `{"id":"100"}`)
	if old, ok := cache.Old[cache.Guild](c, e); !ok || old.ID != 100 {
		t.Fatalf("old guild %+v %v", old, ok)
	}
	if _, ok := c.Guild(100); ok {
		t.Fatal("removed guild still cached")
	}
	for _, id := range []cache.Snowflake{300, 301, 302} {
		if _, ok := c.Channel(id); ok {
			t.Fatalf("channel %d of a removed guild still cached", id)
		}
	}
	if _, ok := c.User(2); ok {
		t.Fatal("user of a removed guild's only membership still cached")
	}
	if st := c.Stats(); st.Guilds != 0 || st.Users != 0 || st.Members != 0 {
		t.Fatalf("stats after removal %+v", st)
	}
}

// TestReplayAppliedOnce sends an event again with its sequence number, as a
// resume replays what the cache had already applied.
func TestReplayAppliedOnce(t *testing.T) {
	c, f := newFed(t, cache.Policy{})
	f.send(event.GuildCreate, guildJSON)
	add := `{"guild_id":"100","user":{"id":"3","username":"carol","discriminator":"0","global_name":null,"avatar":null},"roles":[],"joined_at":"2025-01-01T00:00:00+00:00","flags":0}`
	e := f.send(event.GuildMemberAdd, add)
	replay := &gatewayutil.Event{Shard: 0, Type: event.GuildMemberAdd, Seq: e.Seq, Data: []byte(add)}
	if err := c.Dispatch(context.Background(), replay); err != nil {
		t.Fatal(err)
	}
	if g, _ := c.Guild(100); g.MemberCount != 3 {
		t.Fatalf("member_count %d after a replayed add, want 3", g.MemberCount)
	}
	if st := c.Stats(); st.Replayed != 1 {
		t.Fatalf("replayed %d, want 1", st.Replayed)
	}
	// Another shard's sequence numbers are its own.
	other := &gatewayutil.Event{Shard: 1, Type: event.GuildMemberRemove, Seq: 1, Data: []byte(`{"guild_id":"100","user":{"id":"3","username":"carol"}}`)}
	if err := c.Dispatch(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Member(100, 3); ok {
		t.Fatal("shard 1's event was taken for a replay of shard 0's")
	}
}

// TestReadyDropsStale: a new session's READY forgets the shard's guilds, so
// a guild the bot left while nobody listened leaves nothing behind.
func TestReadyDropsStale(t *testing.T) {
	c, f := newFed(t, cache.Policy{})
	f.send(event.GuildCreate, guildJSON)
	f.seq = 0
	f.send(event.Ready, `{"v":10,"user":{"id":"9","username":"bot","discriminator":"0","global_name":null,"avatar":null},"guilds":[],"session_id":"new","resume_gateway_url":"ws://x"}`)
	if _, ok := c.Guild(100); ok {
		t.Fatal("guild not in the new READY still cached")
	}
	if _, ok := c.Channel(300); ok {
		t.Fatal("channel of a dropped guild still cached")
	}
	if st := c.Stats(); st.Users != 0 {
		t.Fatalf("users %d left", st.Users)
	}
}

func TestPolicyKindsAndBounds(t *testing.T) {
	c, f := newFed(t, cache.Policy{Kinds: cache.KindGuilds | cache.KindChannels, MaxPerGuild: 1})
	f.send(event.GuildCreate, guildJSON)
	if _, ok := c.Member(100, 2); ok {
		t.Fatal("member kept with KindMembers off")
	}
	if _, ok := c.Role(100, 100); ok {
		t.Fatal("role kept with KindRoles off")
	}
	n := len(c.Channels(100))
	if n != 1 {
		t.Fatalf("%d channels kept, MaxPerGuild 1", n)
	}
	if _, ok := c.Channel(302); ok {
		t.Fatal("thread kept with KindThreads off")
	}
	if c.Stats().Dropped == 0 {
		t.Fatal("nothing counted as dropped")
	}
}

func TestMessages(t *testing.T) {
	c, f := newFed(t, cache.Policy{Kinds: cache.KindAll, MessagesPerChannel: 2})
	f.send(event.GuildCreate, guildJSON)
	msg := func(id, content string) string {
		return `{"id":"` + id + `","channel_id":"300","guild_id":"100","author":{"id":"2","username":"bob","discriminator":"0","global_name":null,"avatar":null},"content":"` + content + `","timestamp":"2025-01-01T00:00:00+00:00","tts":false,"mention_everyone":false,"mentions":[],"mention_roles":[],"attachments":[],"embeds":[],"pinned":false,"type":0}`
	}
	f.send(event.MessageCreate, msg("501", "a"))
	f.send(event.MessageCreate, msg("502", "b"))
	f.send(event.MessageCreate, msg("503", "c"))
	ms := c.Messages(300)
	if len(ms) != 2 || ms[0].ID != 502 || ms[1].ID != 503 {
		t.Fatalf("messages %v, want 502 503", ms)
	}
	e := f.send(event.MessageUpdate, msg("503", "c2"))
	if old, ok := cache.Old[*cache.Message](c, e); !ok || old.Content != "c" {
		t.Fatalf("old message %v %v", old, ok)
	}
	e = f.send(event.MessageDelete, `{"id":"502","channel_id":"300","guild_id":"100"}`)
	if old, ok := cache.Old[*cache.Message](c, e); !ok || old.ID != 502 {
		t.Fatalf("deleted message %v %v", old, ok)
	}
	if ms := c.Messages(300); len(ms) != 1 || ms[0].Content != "c2" {
		t.Fatalf("after update and delete: %v", ms)
	}
	if ch, _ := c.Channel(300); ch.LastMessageID != 503 {
		t.Fatalf("last message id %d", ch.LastMessageID)
	}
}

func TestMalformedChangesNothing(t *testing.T) {
	c, f := newFed(t, cache.Policy{})
	f.send(event.GuildCreate, guildJSON)
	e := &gatewayutil.Event{Type: event.GuildMemberRemove, Seq: 99, Data: []byte(`{"guild_id":"100","user":`)}
	if err := c.Dispatch(context.Background(), e); err == nil {
		t.Fatal("no error for malformed data")
	}
	if _, ok := c.Member(100, 2); !ok {
		t.Fatal("malformed event changed the cache")
	}
	var _ discord.Permissions = cache.AllPermissions
}
