package gatewaytest

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway/event"
)

// snowflakeString is a JSON snowflake: a decimal string.
type snowflakeString string

func (s snowflakeString) id(t *testing.T) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(string(s), 10, 64)
	require.NoError(t, err, "snowflake %q", s)
	return v
}

type testUser struct {
	ID         snowflakeString `json:"id"`
	Username   string          `json:"username"`
	GlobalName *string         `json:"global_name"`
}

type testMember struct {
	User     *testUser         `json:"user"`
	Roles    []snowflakeString `json:"roles"`
	JoinedAt string            `json:"joined_at"`
}

type testMessage struct {
	ID              snowflakeString   `json:"id"`
	ChannelID       snowflakeString   `json:"channel_id"`
	GuildID         *snowflakeString  `json:"guild_id"`
	Author          testUser          `json:"author"`
	Member          *testMember       `json:"member"`
	Content         string            `json:"content"`
	Timestamp       string            `json:"timestamp"`
	EditedTimestamp *string           `json:"edited_timestamp"`
	ChannelType     *int              `json:"channel_type"`
	Mentions        []json.RawMessage `json:"mentions"`
	Embeds          []json.RawMessage `json:"embeds"`
	Attachments     []json.RawMessage `json:"attachments"`
	Reactions       []json.RawMessage `json:"reactions"`
	Tts             bool              `json:"tts"`
	Type            int               `json:"type"`
}

// routingKeys pulls guild, channel and user keys out of an event's d the way
// a dispatcher would, per event type.
func routingKeys(t *testing.T, typ string, d []byte) (guild, channel, user uint64) {
	t.Helper()
	var k struct {
		GuildID   *snowflakeString `json:"guild_id"`
		ChannelID *snowflakeString `json:"channel_id"`
		ID        *snowflakeString `json:"id"`
		UserID    *snowflakeString `json:"user_id"`
		OwnerID   *snowflakeString `json:"owner_id"`
		Author    *testUser        `json:"author"`
		User      *testUser        `json:"user"`
		Inviter   *testUser        `json:"inviter"`
		Member    *testMember      `json:"member"`
	}
	require.NoError(t, json.Unmarshal(d, &k), "%s: %s", typ, d)
	if k.GuildID != nil {
		guild = k.GuildID.id(t)
	}
	if k.ChannelID != nil {
		channel = k.ChannelID.id(t)
	}
	switch typ {
	case event.ChannelUpdate, event.ThreadCreate, event.ThreadDelete:
		require.NotNil(t, k.ID, typ)
		channel = k.ID.id(t)
	}
	switch {
	case k.UserID != nil:
		user = k.UserID.id(t)
	case k.Author != nil:
		user = k.Author.ID.id(t)
	case k.User != nil:
		user = k.User.ID.id(t)
	case k.Inviter != nil:
		user = k.Inviter.ID.id(t)
	case k.OwnerID != nil:
		user = k.OwnerID.id(t)
	case k.Member != nil && k.Member.User != nil:
		user = k.Member.User.ID.id(t)
	}
	return guild, channel, user
}

func TestTrafficDeterministic(t *testing.T) {
	cfg := TrafficConfig{Seed: 7, Guilds: 60, ShardCount: 3, HugeEvery: 20, HugeMembers: 300}
	a, b := NewTraffic(cfg), NewTraffic(cfg)
	require.Equal(t, a.Guilds(), b.Guilds())
	require.Equal(t, a.BotUser(), b.BotUser())
	for i := 0; i < 3000; i++ {
		ea, eb := a.Next(), b.Next()
		require.Equal(t, ea, eb, "event %d", i)
	}
	for _, id := range a.Guilds()[:25] {
		require.True(t, bytes.Equal(a.GuildCreate(id), b.GuildCreate(id)), "guild %d", id)
	}
	for i := 0; i < 500; i++ {
		ea, oka := a.NextForShard(1, 3)
		eb, okb := b.NextForShard(1, 3)
		require.True(t, oka && okb)
		require.Equal(t, ea, eb)
	}

	// GuildCreate does not depend on how many events were generated.
	fresh := NewTraffic(cfg)
	id := fresh.Guilds()[3]
	assert.True(t, bytes.Equal(fresh.GuildCreate(id), a.GuildCreate(id)))

	// A different seed gives a different world and sequence.
	c := NewTraffic(TrafficConfig{Seed: 8, Guilds: 60, ShardCount: 3})
	assert.NotEqual(t, a.Guilds(), c.Guilds())
	assert.NotEqual(t, NewTraffic(cfg).Next().Data, c.Next().Data)
}

func TestTrafficForkSequences(t *testing.T) {
	tr := NewTraffic(TrafficConfig{Seed: 3, Guilds: 40, ShardCount: 2})
	f1, f1again, f2 := tr.Fork(1), tr.Fork(1), tr.Fork(2)
	ids := map[uint64]bool{}
	differ := false
	for i := 0; i < 2000; i++ {
		e1, e1b, e2 := f1.Next(), f1again.Next(), f2.Next()
		require.Equal(t, e1, e1b, "forks with the same n must agree")
		if !bytes.Equal(e1.Data, e2.Data) {
			differ = true
		}
		for _, e := range []TrafficEvent{e1, e2} {
			if e.Type == event.MessageCreate {
				var m testMessage
				require.NoError(t, json.Unmarshal(e.Data, &m))
				id := m.ID.id(t)
				require.False(t, ids[id], "forks 1 and 2 generated the same message id %d", id)
				ids[id] = true
			}
		}
	}
	assert.True(t, differ, "forks with different n produced identical sequences")
}

func TestTrafficGuildsSpreadOverShards(t *testing.T) {
	for _, c := range []struct{ guilds, shards int }{{1, 1}, {16, 16}, {17, 16}, {100, 1}, {100, 7}, {1000, 16}, {5000, 64}} {
		tr := NewTraffic(TrafficConfig{Seed: int64(c.guilds), Guilds: c.guilds, ShardCount: c.shards, HugeEvery: -1})
		ids := tr.Guilds()
		require.Len(t, ids, c.guilds)
		require.True(t, slices.IsSorted(ids), "guild ids increase")
		perShard := make([]int, c.shards)
		for i, id := range ids {
			s := int((id >> 22) % uint64(c.shards))
			assert.Equal(t, i%c.shards, s, "guild %d", i)
			perShard[s]++
			// Snowflake timestamps are real: between Discord's launch and Start.
			ts := time.UnixMilli(snowflakeTime(id))
			assert.True(t, ts.Year() >= 2015 && ts.Before(time.UnixMilli(defaultTrafficNow)), "guild %d created %v", i, ts)
		}
		for s, n := range perShard {
			assert.GreaterOrEqual(t, n, c.guilds/c.shards, "shard %d of %d", s, c.shards)
			assert.LessOrEqual(t, n, c.guilds/c.shards+1, "shard %d of %d", s, c.shards)
			assert.Len(t, tr.ShardGuilds(s, c.shards), n)
		}
	}
}

func TestTrafficEventsValidAndRoutable(t *testing.T) {
	cfg := TrafficConfig{Seed: 11, Guilds: 120, ShardCount: 4, HugeEvery: 40, HugeMembers: 400}
	tr := NewTraffic(cfg)
	start := time.UnixMilli(defaultTrafficNow)
	counts := map[string]int{}
	dms := 0
	const n = 30000
	for i := 0; i < n; i++ {
		ev := tr.Next()
		require.True(t, json.Valid(ev.Data), "%s: %s", ev.Type, ev.Data)
		require.True(t, event.Known(ev.Type), ev.Type)
		counts[ev.Type]++

		g, c, u := routingKeys(t, ev.Type, ev.Data)
		require.Equal(t, ev.GuildID, g, "%s guild key: %s", ev.Type, ev.Data)
		require.Equal(t, ev.ChannelID, c, "%s channel key: %s", ev.Type, ev.Data)
		require.Equal(t, ev.UserID, u, "%s user key: %s", ev.Type, ev.Data)

		if ev.GuildID == 0 {
			dms++
			require.NotContains(t, string(ev.Data), `"member"`, "a DM event carries no member: %s", ev.Data)
		}
		if ev.ChannelID != 0 && ev.Type != event.ThreadCreate {
			gid, ok := tr.ChannelGuild(ev.ChannelID)
			require.True(t, ok, "%s in unknown channel %d", ev.Type, ev.ChannelID)
			require.Equal(t, ev.GuildID, gid, ev.Type)
		}

		switch ev.Type {
		case event.MessageCreate, event.MessageUpdate:
			var m testMessage
			require.NoError(t, json.Unmarshal(ev.Data, &m))
			require.NotNil(t, m.ChannelType, "channel_type")
			ts, err := time.Parse(time.RFC3339Nano, m.Timestamp)
			require.NoError(t, err)
			require.Equal(t, snowflakeTime(m.ID.id(t)), ts.UnixMilli(), "timestamp matches the id")
			require.NotEmpty(t, m.Content)
			require.NotNil(t, m.Mentions)
			if ev.GuildID != 0 {
				require.NotNil(t, m.Member, "guild message has a member")
				require.Nil(t, m.Member.User, "message member has no user")
				_, listed := tr.GuildMember(ev.GuildID, ev.UserID)
				require.True(t, listed, "author is a member of the guild")
			} else {
				require.Nil(t, m.GuildID)
				require.Nil(t, m.Member)
				require.Equal(t, chanDM, *m.ChannelType)
			}
			if ev.Type == event.MessageUpdate {
				require.NotNil(t, m.EditedTimestamp)
				require.False(t, m.Tts)
			} else {
				require.Nil(t, m.EditedTimestamp)
				require.False(t, ts.Before(start), "new message in the past: %v", ts)
			}
		case event.TypingStart:
			var d struct {
				Timestamp int64 `json:"timestamp"`
			}
			require.NoError(t, json.Unmarshal(ev.Data, &d))
			require.InDelta(t, start.Unix(), d.Timestamp, 3600, "unix seconds")
		case event.PresenceUpdate:
			var d struct {
				User       map[string]any `json:"user"`
				Status     string         `json:"status"`
				Activities []any          `json:"activities"`
			}
			require.NoError(t, json.Unmarshal(ev.Data, &d))
			require.Contains(t, d.User, "id")
			require.NotEmpty(t, d.Status)
			require.NotNil(t, d.Activities)
		case event.VoiceStateUpdate, event.GuildMemberAdd, event.GuildMemberUpdate, event.MessageReactionAdd:
			if ev.GuildID != 0 {
				var d struct {
					Member *testMember `json:"member"`
					User   *testUser   `json:"user"`
				}
				require.NoError(t, json.Unmarshal(ev.Data, &d))
				if ev.Type == event.GuildMemberAdd || ev.Type == event.GuildMemberUpdate {
					require.NotNil(t, d.User)
				} else {
					require.NotNil(t, d.Member)
					require.NotNil(t, d.Member.User, "%s member has its user", ev.Type)
				}
			}
		case event.InteractionCreate:
			var d struct {
				ApplicationID snowflakeString `json:"application_id"`
				Token         string          `json:"token"`
				Data          struct{ Name string }
			}
			require.NoError(t, json.Unmarshal(ev.Data, &d))
			require.Equal(t, tr.ApplicationID(), d.ApplicationID.id(t))
			require.NotEmpty(t, d.Token)
			require.NotEmpty(t, d.Data.Name)
		}
	}

	t.Logf("mix of %d events: %v", n, counts)
	require.GreaterOrEqual(t, len(counts), 15, "event types generated")
	for _, typ := range []string{
		event.MessageCreate, event.MessageUpdate, event.MessageDelete, event.MessageReactionAdd,
		event.MessageReactionRemove, event.TypingStart, event.PresenceUpdate, event.GuildMemberAdd,
		event.GuildMemberUpdate, event.GuildMemberRemove, event.VoiceStateUpdate, event.ChannelUpdate,
		event.ThreadCreate, event.InteractionCreate, event.GuildRoleUpdate, event.InviteCreate,
		event.MessagePollVoteAdd,
	} {
		assert.Positive(t, counts[typ], typ)
	}
	for typ, c := range counts {
		if typ != event.MessageCreate {
			assert.Less(t, c, counts[event.MessageCreate], "MESSAGE_CREATE is the most common, not %s", typ)
		}
	}
	assert.InDelta(t, 0.03, float64(dms)/n, 0.01, "DM share")
}

func TestTrafficMessageSizes(t *testing.T) {
	tr := NewTraffic(TrafficConfig{Seed: 5, Guilds: 200})
	var sizes []int
	for len(sizes) < 5000 {
		if ev := tr.Next(); ev.Type == event.MessageCreate {
			sizes = append(sizes, len(ev.Data))
		}
	}
	in := 0
	for _, s := range sizes {
		if s >= 1024 && s <= 2048 {
			in++
		}
	}
	slices.Sort(sizes)
	share := float64(in) / float64(len(sizes))
	t.Logf("MESSAGE_CREATE bytes: p5=%d p50=%d p95=%d, %.0f%% in 1–2 KiB", sizes[len(sizes)/20], sizes[len(sizes)/2], sizes[len(sizes)*19/20], share*100)
	assert.GreaterOrEqual(t, share, 0.7, "most messages are 1–2 KiB")
	median := sizes[len(sizes)/2]
	assert.True(t, median >= 1024 && median <= 2048, "median %d", median)
	assert.Greater(t, sizes[len(sizes)-1], 2048, "some messages are bigger (embeds, replies)")
}

func TestTrafficMessageFeatures(t *testing.T) {
	tr := NewTraffic(TrafficConfig{Seed: 9, Guilds: 80})
	var embeds, attachments, reactions, mentions, escapes, unicode, replies int
	for i := 0; i < 4000; {
		ev := tr.Next()
		if ev.Type != event.MessageCreate {
			continue
		}
		i++
		var m testMessage
		require.NoError(t, json.Unmarshal(ev.Data, &m))
		if len(m.Embeds) > 0 {
			embeds++
		}
		if len(m.Attachments) > 0 {
			attachments++
		}
		if len(m.Reactions) > 0 {
			reactions++
		}
		if len(m.Mentions) > 0 {
			mentions++
			require.Contains(t, m.Content, "<@", "mentioned users appear in content")
		}
		if m.Type == 19 {
			replies++
			require.Contains(t, string(ev.Data), `"referenced_message":{`)
		}
		if strings.ContainsAny(m.Content, "\"\\\n\t\x00") {
			escapes++
		}
		for _, r := range m.Content {
			if r > 0x7f {
				unicode++
				break
			}
		}
	}
	for name, n := range map[string]int{"embeds": embeds, "attachments": attachments, "reactions": reactions, "mentions": mentions, "escapes": escapes, "unicode": unicode, "replies": replies} {
		assert.Positive(t, n, name)
		assert.Less(t, n, 4000, name+" are not on every message")
	}
}

func TestTrafficSnowflakesIncrease(t *testing.T) {
	start := time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC)
	tr := NewTraffic(TrafficConfig{Seed: 2, Guilds: 10, Start: start})
	var last uint64
	for i := 0; i < 3000; i++ {
		ev := tr.Next()
		if ev.Type != event.MessageCreate {
			continue
		}
		var m testMessage
		require.NoError(t, json.Unmarshal(ev.Data, &m))
		id := m.ID.id(t)
		require.Greater(t, id, last, "new message ids increase")
		last = id
		ts := time.UnixMilli(snowflakeTime(id))
		require.False(t, ts.Before(start))
		require.True(t, ts.Before(start.Add(time.Hour)))
	}
	assert.Less(t, tr.BotUserID(), makeSnowflake(start.UnixMilli(), 0), "the bot exists before Start")
}

func TestTrafficGuildCreate(t *testing.T) {
	tr := NewTraffic(TrafficConfig{Seed: 4, Guilds: 30, ShardCount: 2, HugeEvery: 10})
	required := []string{
		"id", "name", "joined_at", "large", "member_count", "channels", "threads", "roles", "emojis",
		"members", "presences", "voice_states", "stage_instances", "guild_scheduled_events", "soundboard_sounds",
	}
	smallest, huge := 1<<30, 0
	for i, id := range tr.Guilds() {
		d := tr.GuildCreate(id)
		require.True(t, json.Valid(d), "guild %d", i)
		var top map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(d, &top))
		for _, k := range required {
			require.Contains(t, top, k, "guild %d", i)
		}
		var g struct {
			ID          snowflakeString `json:"id"`
			MemberCount int             `json:"member_count"`
			Large       bool            `json:"large"`
			Channels    []struct {
				ID      snowflakeString  `json:"id"`
				GuildID *snowflakeString `json:"guild_id"`
				Type    int              `json:"type"`
			} `json:"channels"`
			Threads []struct {
				ID       snowflakeString `json:"id"`
				GuildID  snowflakeString `json:"guild_id"`
				ParentID snowflakeString `json:"parent_id"`
			} `json:"threads"`
			Roles       []struct{ ID snowflakeString } `json:"roles"`
			Members     []testMember                   `json:"members"`
			Presences   []struct{ User testUser }      `json:"presences"`
			VoiceStates []map[string]any               `json:"voice_states"`
		}
		require.NoError(t, json.Unmarshal(d, &g))
		require.Equal(t, id, g.ID.id(t))
		require.Equal(t, id, g.Roles[0].ID.id(t), "@everyone shares the guild id")
		var chans []uint64
		for _, c := range g.Channels {
			require.Nil(t, c.GuildID, "GUILD_CREATE channels have no guild_id")
			chans = append(chans, c.ID.id(t))
		}
		for _, th := range g.Threads {
			require.Equal(t, id, th.GuildID.id(t))
			chans = append(chans, th.ID.id(t))
		}
		require.Equal(t, tr.GuildChannels(id), chans)
		for _, c := range chans {
			gid, ok := tr.ChannelGuild(c)
			require.True(t, ok)
			require.Equal(t, id, gid)
		}
		require.Len(t, g.Members, tr.GuildMemberCount(id))
		require.LessOrEqual(t, len(g.Members), g.MemberCount+1)
		require.Equal(t, g.MemberCount > 50, g.Large)
		for _, m := range g.Members {
			require.NotNil(t, m.User)
		}
		require.Equal(t, tr.BotUserID(), g.Members[len(g.Members)-1].User.ID.id(t), "the bot is a member")
		for _, vs := range g.VoiceStates {
			require.NotContains(t, vs, "guild_id", "GUILD_CREATE voice states have no guild_id")
			require.Contains(t, vs, "user_id")
		}
		// The member listing for Request Guild Members agrees with GUILD_CREATE.
		var paged []json.RawMessage
		for off := 0; off < tr.GuildMemberCount(id); off += 7 {
			var page []json.RawMessage
			require.NoError(t, json.Unmarshal(tr.GuildMembers(id, off, 7), &page))
			paged = append(paged, page...)
		}
		var listed []json.RawMessage
		require.NoError(t, json.Unmarshal(top["members"], &listed))
		require.Equal(t, len(listed), len(paged))
		for j := range listed {
			require.JSONEq(t, string(listed[j]), string(paged[j]))
		}
		one, ok := tr.GuildMember(id, g.Members[0].User.ID.id(t))
		require.True(t, ok)
		require.JSONEq(t, string(listed[0]), string(one))

		if (i+1)%10 == 0 {
			huge++
			require.Greater(t, len(d), 1<<20, "huge guild %d", i)
		} else {
			require.Less(t, len(d), 1<<20, "guild %d", i)
		}
		smallest = min(smallest, len(d))
	}
	assert.Equal(t, 3, huge)
	assert.Less(t, smallest, 8<<10, "small guilds are a few KiB")

	assert.Nil(t, tr.GuildCreate(12345))
	assert.Nil(t, tr.GuildChannels(12345))
	_, ok := tr.ChannelGuild(12345)
	assert.False(t, ok)
	_, ok = tr.GuildMember(tr.Guilds()[0], 12345)
	assert.False(t, ok)
	assert.Equal(t, "[]", string(tr.GuildMembers(tr.Guilds()[0], 1<<20, 10)))

	off := NewTraffic(TrafficConfig{Seed: 4, Guilds: 30, HugeEvery: -1})
	for _, id := range off.Guilds() {
		assert.Less(t, len(off.GuildCreate(id)), 1<<20, "no huge guilds with HugeEvery < 0")
	}
}

func TestTrafficDMChannels(t *testing.T) {
	tr := NewTraffic(TrafficConfig{Seed: 6, Guilds: 5})
	dms := tr.DMChannels()
	require.NotEmpty(t, dms)
	for _, id := range dms {
		gid, ok := tr.ChannelGuild(id)
		assert.True(t, ok)
		assert.Zero(t, gid)
	}
	for i := 0; i < 200; i++ {
		ev, ok := tr.NextFor(0)
		require.True(t, ok)
		require.Zero(t, ev.GuildID)
		require.Contains(t, dms, ev.ChannelID)
		require.NotContains(t, string(ev.Data), `"guild_id"`)
	}
}

func TestTrafficNextFor(t *testing.T) {
	tr := NewTraffic(TrafficConfig{Seed: 12, Guilds: 20, ShardCount: 4})
	for _, id := range tr.Guilds() {
		for i := 0; i < 50; i++ {
			ev, ok := tr.NextFor(id)
			require.True(t, ok)
			require.Equal(t, id, ev.GuildID)
			require.True(t, json.Valid(ev.Data))
		}
	}
	_, ok := tr.NextFor(42)
	assert.False(t, ok, "unknown guild")
}

func TestTrafficNextForShard(t *testing.T) {
	tr := NewTraffic(TrafficConfig{Seed: 13, Guilds: 50, ShardCount: 5, DMShare: 0.2})
	for _, shards := range []int{5, 3} { // the configured count and a reshard
		for s := 0; s < shards; s++ {
			dms := 0
			for i := 0; i < 400; i++ {
				ev, ok := tr.NextForShard(s, shards)
				require.True(t, ok)
				if ev.GuildID == 0 {
					require.Zero(t, s, "DMs go to shard 0 only")
					dms++
					continue
				}
				require.Equal(t, uint64(s), (ev.GuildID>>22)%uint64(shards))
			}
			if s == 0 {
				assert.Positive(t, dms)
			}
		}
	}
	small := NewTraffic(TrafficConfig{Seed: 1, Guilds: 2, ShardCount: 4})
	_, ok := small.NextForShard(3, 4)
	assert.False(t, ok, "a shard with no guild receives nothing")
	ev, ok := small.NextForShard(2, 4)
	assert.False(t, ok, "guilds 0 and 1 live on shards 0 and 1: %v", ev)
	_, ok = small.NextForShard(0, 4)
	assert.True(t, ok)
	_, ok = small.NextForShard(4, 4)
	assert.False(t, ok)
	_, ok = small.NextForShard(0, 0)
	assert.False(t, ok)
	assert.Nil(t, small.ShardGuilds(-1, 4))
}

func TestTrafficMix(t *testing.T) {
	only := NewTraffic(TrafficConfig{Seed: 1, Guilds: 10, Mix: map[string]int{event.MessageCreate: 1}})
	for i := 0; i < 500; i++ {
		require.Equal(t, event.MessageCreate, only.Next().Type)
	}

	presence := NewTraffic(TrafficConfig{Seed: 1, Guilds: 10, Mix: map[string]int{event.PresenceUpdate: 3, "NOT_AN_EVENT": 5}})
	for i := 0; i < 500; i++ {
		ev := presence.Next()
		require.Equal(t, event.PresenceUpdate, ev.Type)
		require.NotZero(t, ev.GuildID)
	}
	_, ok := presence.NextFor(0)
	assert.False(t, ok, "no DM event type in the mix")

	fallback := NewTraffic(TrafficConfig{Seed: 1, Guilds: 10, Mix: map[string]int{"NOT_AN_EVENT": 5}})
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		seen[fallback.Next().Type] = true
	}
	assert.Greater(t, len(seen), 10, "an unusable mix falls back to the default")

	noDM := NewTraffic(TrafficConfig{Seed: 1, Guilds: 10, DMShare: -1})
	for i := 0; i < 2000; i++ {
		require.NotZero(t, noDM.Next().GuildID)
	}
	assert.ElementsMatch(t, kindNames[:], TrafficEventTypes())
}

func TestTrafficDataIsNotReused(t *testing.T) {
	tr := NewTraffic(TrafficConfig{Seed: 1, Guilds: 10})
	var events []TrafficEvent
	var copies [][]byte
	for i := 0; i < 200; i++ {
		ev := tr.Next()
		events = append(events, ev)
		copies = append(copies, bytes.Clone(ev.Data))
	}
	for i := range events {
		require.Equal(t, copies[i], events[i].Data, "event %d changed after later calls", i)
	}

	// AppendNext appends; with a reused buffer it matches Next.
	a, b := NewTraffic(TrafficConfig{Seed: 1, Guilds: 10}), NewTraffic(TrafficConfig{Seed: 1, Guilds: 10})
	buf := []byte("prefix")
	ev := a.AppendNext(buf)
	require.Equal(t, "prefix", string(ev.Data[:6]))
	require.Equal(t, b.Next().Data, ev.Data[6:])
	buf = ev.Data
	for i := 0; i < 100; i++ {
		ev = a.AppendNext(buf[:0])
		want := b.Next()
		require.Equal(t, want.Data, ev.Data)
		require.Equal(t, want.Type, ev.Type)
		buf = ev.Data
	}
}

func TestTrafficConcurrentUse(t *testing.T) {
	tr := NewTraffic(TrafficConfig{Seed: 1, Guilds: 40, ShardCount: 4, HugeEvery: -1})
	ids := tr.Guilds()
	var wg sync.WaitGroup
	for s := 0; s < 4; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := tr.Fork(uint64(s))
			for i := 0; i < 300; i++ {
				if !json.Valid(tr.Next().Data) {
					t.Error("invalid shared event")
				}
				ev, ok := f.NextForShard(s, 4)
				if !ok || !json.Valid(ev.Data) {
					t.Error("invalid forked event")
				}
				if i%50 == 0 {
					_ = tr.GuildCreate(ids[i%len(ids)])
					_ = tr.ShardGuilds(s, 2)
				}
			}
		}()
	}
	wg.Wait()
}

func TestTrafficConfigClamps(t *testing.T) {
	tr := NewTraffic(TrafficConfig{Guilds: -5, ShardCount: -1, Users: 3, HugeMembers: -1, DMShare: 7, Start: time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)})
	assert.Len(t, tr.Guilds(), 100)
	for i := 0; i < 200; i++ {
		ev := tr.Next()
		require.Zero(t, ev.GuildID, "DMShare is clamped to 1")
		require.True(t, json.Valid(ev.Data))
	}
	var bot testUser
	require.NoError(t, json.Unmarshal(tr.BotUser(), &bot))
	assert.Equal(t, tr.BotUserID(), bot.ID.id(t))
	assert.Equal(t, tr.BotUserID(), tr.ApplicationID())
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	inputs := append(slices.Concat(chatWords, fancyWords, sampleEmojis, escapeWords, displayNames),
		"", "\x00\x01\x1f\x7f", "invalid \xff utf8 \xc3", "\u2028\u2029", `</script>`, "tab\there")
	for _, s := range inputs {
		ours := appendString(nil, s)
		require.True(t, json.Valid(ours), "%q → %s", s, ours)
		var back string
		require.NoError(t, json.Unmarshal(ours, &back))
		want, err := json.Marshal(s)
		require.NoError(t, err)
		var wantBack string
		require.NoError(t, json.Unmarshal(want, &wantBack))
		require.Equal(t, wantBack, back, "%q", s)
	}
}

func TestAppendTimestamp(t *testing.T) {
	for _, ms := range []int64{0, 1420070400000, 1499793827299, defaultTrafficNow, 4102444800999} {
		got := string(appendTimestamp(nil, ms))
		want := `"` + time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000000") + `+00:00"`
		require.Equal(t, want, got)
		parsed, err := time.Parse(time.RFC3339Nano, got[1:len(got)-1])
		require.NoError(t, err)
		require.Equal(t, ms, parsed.UnixMilli())
	}
}

func TestOddInverse(t *testing.T) {
	for _, a := range []uint64{1, 3, 5, 0xdeadbeef, 1<<63 | 1, 0xffffffffffffffff} {
		require.Equal(t, uint64(1), a*oddInverse(a), "a=%d", a)
	}
}

// TestTrafficOddInputs feeds every query method ids and numbers it never
// generated; none may panic or return invalid JSON.
func TestTrafficOddInputs(t *testing.T) {
	tr := NewTraffic(TrafficConfig{Seed: 1, Guilds: 3, ShardCount: 2, HugeEvery: -1})
	g := tr.Guilds()[0]
	for _, id := range []uint64{0, 1, dmMarker, snowLowMask, 1<<64 - 1, g + 1, g - 1, g &^ snowLowMask} {
		assert.Nil(t, tr.GuildCreate(id))
		assert.Nil(t, tr.GuildChannels(id))
		assert.Nil(t, tr.GuildMembers(id, 0, 10))
		assert.Zero(t, tr.GuildMemberCount(id))
		_, ok := tr.GuildMember(id, id)
		assert.False(t, ok)
		_, ok = tr.ChannelGuild(id)
		assert.False(t, ok, "channel %d", id)
		if id != 0 {
			_, ok = tr.NextFor(id)
			assert.False(t, ok)
		}
	}
	for _, c := range [][2]int{{-1, 10}, {0, 0}, {0, -1}, {1 << 40, 1 << 41}, {0, 1 << 40}} {
		assert.Empty(t, tr.ShardGuilds(c[0], c[1]))
		if ev, ok := tr.NextForShard(c[0], c[1]); ok {
			assert.True(t, json.Valid(ev.Data))
		}
	}
	for _, c := range [][2]int{{-5, 3}, {0, -1}, {1 << 62, 1 << 62}, {2, 1<<63 - 1}, {1<<63 - 1, 1<<63 - 1}} {
		d := tr.GuildMembers(g, c[0], c[1])
		require.True(t, json.Valid(d), "offset %d limit %d: %s", c[0], c[1], d)
	}
	var all []json.RawMessage
	require.NoError(t, json.Unmarshal(tr.GuildMembers(g, -5, 1<<62), &all))
	assert.Len(t, all, tr.GuildMemberCount(g))
}

func TestTrafficGuildMembersByPrefix(t *testing.T) {
	tr := NewTraffic(TrafficConfig{Seed: 21, Guilds: 12, HugeEvery: -1})
	type member struct {
		User testUser `json:"user"`
		Nick *string  `json:"nick"`
	}
	checked := 0
	for _, id := range tr.Guilds() {
		var all []member
		require.NoError(t, json.Unmarshal(tr.GuildMembersByPrefix(id, "", 0), &all))
		require.Len(t, all, tr.GuildMemberCount(id), "the empty prefix matches everyone")

		// Every member is found by the first letters of its username, in
		// any case, and by its nickname.
		for _, m := range all {
			p := strings.ToUpper(m.User.Username[:2])
			var got []member
			require.NoError(t, json.Unmarshal(tr.GuildMembersByPrefix(id, p, 0), &got))
			found := false
			for _, g := range got {
				name := strings.ToUpper(g.User.Username)
				nick := ""
				if g.Nick != nil {
					nick = strings.ToUpper(*g.Nick)
				}
				require.True(t, strings.HasPrefix(name, p) || strings.HasPrefix(nick, p), "%q matched %q / %q", p, name, nick)
				found = found || g.User.ID == m.User.ID
			}
			require.True(t, found, "member %s not found by %q", m.User.Username, p)
			if m.Nick != nil {
				require.Contains(t, string(tr.GuildMembersByPrefix(id, *m.Nick, 0)), `"id":"`+string(m.User.ID)+`"`)
			}
			checked++
		}
		var limited []member
		require.NoError(t, json.Unmarshal(tr.GuildMembersByPrefix(id, "", 1), &limited))
		require.Len(t, limited, 1)
		assert.Equal(t, "[]", string(tr.GuildMembersByPrefix(id, "zzzz-no-such-user", 0)))
	}
	assert.Positive(t, checked)
	assert.Nil(t, tr.GuildMembersByPrefix(1, "", 0))
}
