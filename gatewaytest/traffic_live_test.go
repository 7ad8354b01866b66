package gatewaytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway/event"
)

// worldModel is a guild as a client keeps it: built from a GUILD_CREATE
// and changed by events, with each object normalised to the fields that
// a GUILD_CREATE and the events agree on.
type worldModel struct {
	memberCount float64
	members     map[string]map[string]any // by user id
	roles       map[string]map[string]any
	channels    map[string]map[string]any // channels and threads
	voice       map[string]map[string]any // by user id
}

// eventOnlyKeys are the fields that events carry and GUILD_CREATE leaves
// out or states otherwise (versions, counts of a thread, the member of a
// voice state).
var eventOnlyKeys = []string{
	"version", "guild_id", "newly_created", "message_count", "member_count", "total_message_sent",
	"applied_tags", "last_message_id", "unusual_dm_activity_until", "avatar_decoration_data",
	"collectibles", "member",
}

func normalise(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m), "%s", raw)
	for _, k := range eventOnlyKeys {
		delete(m, k)
	}
	return m
}

func userIDOf(t *testing.T, m map[string]any) string {
	t.Helper()
	u, ok := m["user"].(map[string]any)
	require.True(t, ok, "no user in %v", m)
	return u["id"].(string)
}

func modelOf(t *testing.T, gc []byte) *worldModel {
	t.Helper()
	var d struct {
		MemberCount float64           `json:"member_count"`
		Members     []json.RawMessage `json:"members"`
		Roles       []json.RawMessage `json:"roles"`
		Channels    []json.RawMessage `json:"channels"`
		Threads     []json.RawMessage `json:"threads"`
		VoiceStates []json.RawMessage `json:"voice_states"`
	}
	require.NoError(t, json.Unmarshal(gc, &d))
	w := &worldModel{
		memberCount: d.MemberCount,
		members:     map[string]map[string]any{}, roles: map[string]map[string]any{},
		channels: map[string]map[string]any{}, voice: map[string]map[string]any{},
	}
	for _, r := range d.Members {
		m := normalise(t, r)
		id := userIDOf(t, m)
		require.NotContains(t, w.members, id, "member listed twice")
		w.members[id] = m
	}
	for _, r := range d.Roles {
		m := normalise(t, r)
		w.roles[m["id"].(string)] = m
	}
	for _, r := range append(d.Channels, d.Threads...) {
		m := normalise(t, r)
		m["guild_id"] = nil // GUILD_CREATE's threads carry it, its channels do not
		delete(m, "guild_id")
		w.channels[m["id"].(string)] = m
	}
	for _, r := range d.VoiceStates {
		m := normalise(t, r)
		w.voice[m["user_id"].(string)] = m
	}
	return w
}

// apply changes the model as a client would, and checks that each event
// makes sense against it (no member joins twice, nobody absent leaves).
func (w *worldModel) apply(t *testing.T, ev TrafficEvent) {
	t.Helper()
	switch ev.Type {
	case event.GuildMemberAdd, event.GuildMemberUpdate:
		m := normalise(t, ev.Data)
		id := userIDOf(t, m)
		_, had := w.members[id]
		if ev.Type == event.GuildMemberAdd {
			require.False(t, had, "GUILD_MEMBER_ADD of a member: %s", ev.Data)
			w.memberCount++
		} else {
			require.True(t, had, "GUILD_MEMBER_UPDATE of a stranger: %s", ev.Data)
		}
		w.members[id] = m
	case event.GuildMemberRemove:
		id := userIDOf(t, normalise(t, ev.Data))
		require.Contains(t, w.members, id, "GUILD_MEMBER_REMOVE of a stranger: %s", ev.Data)
		delete(w.members, id)
		delete(w.voice, id)
		w.memberCount--
	case event.GuildRoleUpdate:
		var d struct {
			Role json.RawMessage `json:"role"`
		}
		require.NoError(t, json.Unmarshal(ev.Data, &d))
		m := normalise(t, d.Role)
		require.Contains(t, w.roles, m["id"])
		w.roles[m["id"].(string)] = m
	case event.ChannelUpdate, event.ThreadCreate:
		m := normalise(t, ev.Data)
		_, had := w.channels[m["id"].(string)]
		require.Equal(t, ev.Type == event.ChannelUpdate, had, "%s: %s", ev.Type, ev.Data)
		w.channels[m["id"].(string)] = m
	case event.ThreadDelete:
		m := normalise(t, ev.Data)
		require.Contains(t, w.channels, m["id"])
		delete(w.channels, m["id"].(string))
	case event.VoiceStateUpdate:
		m := normalise(t, ev.Data)
		id := m["user_id"].(string)
		require.Contains(t, w.members, id, "voice state of a stranger")
		if m["channel_id"] == nil {
			delete(w.voice, id)
		} else {
			w.voice[id] = m
		}
	}
}

// changingMix weighs the events that change the world heavily, with
// messages so that the ring of recent messages is used too.
var changingMix = map[string]int{
	event.GuildMemberAdd: 10, event.GuildMemberRemove: 10, event.GuildMemberUpdate: 10,
	event.VoiceStateUpdate: 10, event.ChannelUpdate: 5, event.ThreadCreate: 10,
	event.GuildRoleUpdate: 5, event.MessageCreate: 5, event.MessageUpdate: 3, event.MessageReactionAdd: 2,
}

// TestTrafficMutableWorldMatchesGuildCreate applies thousands of events
// of a mutable world to a model built from the first GUILD_CREATEs, the
// way a client's cache does, and compares it with fresh GUILD_CREATEs:
// every change an event states is in the world, and nothing else changed.
func TestTrafficMutableWorldMatchesGuildCreate(t *testing.T) {
	cfg := TrafficConfig{Seed: 9, Guilds: 10, HugeEvery: 5, HugeMembers: 120, Mix: changingMix, Mutable: true}
	tr := NewTraffic(cfg)
	models := map[uint64]*worldModel{}
	for _, id := range tr.Guilds() {
		models[id] = modelOf(t, tr.GuildCreate(id))
	}
	counts := map[string]int{}
	for i := 0; i < 20000; i++ {
		ev := tr.Next()
		require.True(t, json.Valid(ev.Data), "%s: %s", ev.Type, ev.Data)
		counts[ev.Type]++
		g, c, u := routingKeys(t, ev.Type, ev.Data)
		require.Equal(t, []uint64{ev.GuildID, ev.ChannelID, ev.UserID}, []uint64{g, c, u}, "%s keys: %s", ev.Type, ev.Data)
		if ev.GuildID == 0 {
			continue
		}
		models[ev.GuildID].apply(t, ev)
		if ev.ChannelID != 0 && ev.Type != event.ThreadDelete && (ev.Type != event.VoiceStateUpdate || ev.ChannelID != 0) {
			g, ok := tr.ChannelGuild(ev.ChannelID)
			require.True(t, ok, "%s in unknown channel %d", ev.Type, ev.ChannelID)
			require.Equal(t, ev.GuildID, g)
		}
		if ev.Type == event.MessageCreate || ev.Type == event.MessageUpdate {
			_, ok := tr.GuildMember(ev.GuildID, ev.UserID)
			require.True(t, ok, "%s by someone who is not a member", ev.Type)
		}
	}
	t.Logf("events: %v", counts)
	for _, typ := range []string{event.GuildMemberAdd, event.GuildMemberRemove, event.GuildMemberUpdate,
		event.VoiceStateUpdate, event.ChannelUpdate, event.ThreadCreate, event.ThreadDelete, event.GuildRoleUpdate} {
		assert.Positive(t, counts[typ], typ)
	}

	for _, id := range tr.Guilds() {
		gc := tr.GuildCreate(id)
		want := models[id]
		got := modelOf(t, gc)
		require.Equal(t, want.memberCount, got.memberCount, "guild %d member_count", id)
		require.Equal(t, want.members, got.members, "guild %d members", id)
		require.Equal(t, want.roles, got.roles, "guild %d roles", id)
		require.Equal(t, want.channels, got.channels, "guild %d channels", id)
		require.Equal(t, want.voice, got.voice, "guild %d voice states", id)

		// The other views of the world agree with GUILD_CREATE.
		n := tr.GuildMemberCount(id)
		require.Equal(t, len(got.members), n)
		var paged []json.RawMessage
		for off := 0; off < n; off += 7 {
			var page []json.RawMessage
			require.NoError(t, json.Unmarshal(tr.GuildMembers(id, off, 7), &page))
			paged = append(paged, page...)
		}
		require.Len(t, paged, n)
		var all []json.RawMessage
		require.NoError(t, json.Unmarshal(tr.GuildMembersByPrefix(id, "", 0), &all))
		require.Len(t, all, n)
		for i, raw := range paged {
			m := normalise(t, raw)
			uid := userIDOf(t, m)
			require.Equal(t, got.members[uid], m)
			require.JSONEq(t, string(raw), string(all[i]))
			var u uint64
			_, err := fmt.Sscan(uid, &u)
			require.NoError(t, err)
			one, ok := tr.GuildMember(id, u)
			require.True(t, ok)
			require.JSONEq(t, string(raw), string(one))
		}
		chans := tr.GuildChannels(id)
		require.Len(t, chans, len(got.channels))
		for _, c := range chans {
			_, ok := got.channels[fmt.Sprint(c)]
			require.True(t, ok, "channel %d", c)
		}

		// Bounded: joined members, departures and threads.
		g := tr.w.guildByID(id)
		if g.live != nil {
			assert.LessOrEqual(t, len(g.live.joined), maxJoinedMembers)
			assert.LessOrEqual(t, g.live.nGone, g.maxGone())
			assert.LessOrEqual(t, g.nThreads, g.live.threads0+maxNewThreads)
			assert.LessOrEqual(t, len(g.live.voice), maxVoiceStates)
		}
	}
}

// TestTrafficMutableDeterministic: two mutable worlds of one config go
// through the same events and end in the same state.
func TestTrafficMutableDeterministic(t *testing.T) {
	cfg := TrafficConfig{Seed: 4, Guilds: 12, ShardCount: 2, HugeEvery: -1, Mutable: true, Mix: changingMix}
	a, b := NewTraffic(cfg), NewTraffic(cfg)
	fa, fb := a.Fork(1), b.Fork(1)
	for i := 0; i < 3000; i++ {
		ea, _ := fa.NextForShard(1, 2)
		eb, _ := fb.NextForShard(1, 2)
		require.Equal(t, ea, eb, "event %d", i)
	}
	changed := 0
	fresh := NewTraffic(cfg)
	for _, id := range a.ShardGuilds(1, 2) {
		require.True(t, bytes.Equal(a.GuildCreate(id), b.GuildCreate(id)), "guild %d", id)
		if !bytes.Equal(a.GuildCreate(id), fresh.GuildCreate(id)) {
			changed++
		}
	}
	assert.Positive(t, changed, "the events changed no guild")
	for _, id := range a.ShardGuilds(0, 2) {
		require.True(t, bytes.Equal(a.GuildCreate(id), fresh.GuildCreate(id)), "guild %d of shard 0 changed", id)
	}
}

// TestTrafficStaticWorldDoesNotChange: without Mutable the events leave
// the world as it was.
func TestTrafficStaticWorldDoesNotChange(t *testing.T) {
	cfg := TrafficConfig{Seed: 4, Guilds: 6, HugeEvery: -1, Mix: changingMix}
	tr := NewTraffic(cfg)
	before := map[uint64][]byte{}
	for _, id := range tr.Guilds() {
		before[id] = tr.GuildCreate(id)
	}
	for i := 0; i < 2000; i++ {
		tr.Next()
	}
	for _, id := range tr.Guilds() {
		require.True(t, bytes.Equal(before[id], tr.GuildCreate(id)), "guild %d changed", id)
	}
}

// TestEditedMemberMatchesHashedMember: a member's state taken from its
// hashes and written back gives the bytes of the unchanged member, so a
// change shows only what it changed.
func TestEditedMemberMatchesHashedMember(t *testing.T) {
	tr := NewTraffic(TrafficConfig{Seed: 3, Guilds: 30, HugeEvery: 10, HugeMembers: 200})
	for _, g := range tr.w.guilds {
		for j := 0; j < g.listed; j++ {
			e := tr.w.memberState(g, j)
			for _, withUser := range []bool{true, false} {
				want := tr.w.appendMember(nil, g, j, withUser)
				got := tr.w.appendEditedMember(nil, g, j, &e, withUser)
				require.Equal(t, string(want), string(got), "guild %d member %d", g.idx, j)
			}
		}
	}
}
