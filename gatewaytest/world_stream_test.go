package gatewaytest

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/opcode"
)

// worldFollower is a client that keeps every guild as its GUILD_CREATE
// and the events after it say.
type worldFollower struct {
	t      *testing.T
	c      *testClient
	models map[uint64]*worldModel
	events int
	sess   string // the session id READY gave
}

// step reads one message and applies it.
func (f *worldFollower) step() {
	f.t.Helper()
	m := f.c.mustRead()
	if m.Op != opcode.Dispatch {
		return
	}
	var k struct {
		ID      string `json:"id"`
		GuildID string `json:"guild_id"`
	}
	require.NoError(f.t, json.Unmarshal(m.D, &k))
	switch m.T {
	case "READY", "RESUMED":
		return
	case "GUILD_CREATE":
		id, err := strconv.ParseUint(k.ID, 10, 64)
		require.NoError(f.t, err)
		f.models[id] = modelOf(f.t, m.D)
		return
	}
	f.events++
	if k.GuildID == "" {
		return // a DM
	}
	id, err := strconv.ParseUint(k.GuildID, 10, 64)
	require.NoError(f.t, err)
	model := f.models[id]
	require.NotNil(f.t, model, "%s before its guild's GUILD_CREATE", m.T)
	model.apply(f.t, TrafficEvent{Type: m.T, GuildID: id, Data: m.D})
}

// TestServerMutableWorldFollowsTheStream: two sessions, one identified
// while the traffic was already changing the world, follow the stream;
// once the traffic is paused and both have read everything, each one's
// guilds equal the world's GUILD_CREATEs. So no change is lost between a
// session's GUILD_CREATE and its events and none is applied twice, also
// when two shard counts' streams change the same guilds.
func TestServerMutableWorldFollowsTheStream(t *testing.T) {
	s := newTestServer(t, Config{
		Guilds: 6, Traffic: true, Rate: 1500, Seed: 21, AllowedPrivileged: intents.Privileged, MaxConcurrency: 2,
		World: TrafficConfig{Mutable: true, HugeEvery: -1, Mix: changingMix},
		// b reads late: generous replay bounds keep a loaded machine from
		// closing it for not reading.
		ReplayLimit: 1 << 16, ReplayBytes: 256 << 20,
	})
	follow := func(shard []int) *worldFollower {
		c := dialGateway(t, s.URL(), dialOpts{})
		r := c.identify("tok", uint64(intents.All), shard)
		return &worldFollower{t: t, c: c, models: map[uint64]*worldModel{}, sess: r.SessionID}
	}
	a := follow(nil)
	for a.events < 300 {
		a.step()
	}
	// b identifies while the world is changing, as shard 1 of 2: its
	// shard's own stream changes a's guilds too.
	b := follow([]int{1, 2})
	for a.events < 1500 {
		a.step()
	}
	for b.events < 200 { // b reads late
		b.step()
	}
	s.PauseTraffic(true)
	for _, f := range []*worldFollower{a, b} {
		sess := s.session(f.sess)
		require.NotNil(t, sess, "session %s is gone", f.sess)
		for f.c.lastSeq < sess.Seq() {
			f.step()
		}
		require.NotEmpty(t, f.models)
		for id, model := range f.models {
			got := modelOf(t, s.GuildCreate(id))
			require.Equal(t, got.memberCount, model.memberCount, "guild %d member_count", id)
			require.Equal(t, got.members, model.members, "guild %d members", id)
			require.Equal(t, got.roles, model.roles, "guild %d roles", id)
			require.Equal(t, got.channels, model.channels, "guild %d channels", id)
			require.Equal(t, got.voice, model.voice, "guild %d voice states", id)
		}
	}
	require.Positive(t, s.Stats().WorldChanges)
}
