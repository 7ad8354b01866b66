package gatewaytest

import (
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// Traffic is a deterministic, seeded generator of realistic gateway
// traffic: a fixed world of guilds, channels, roles and users (see
// [Traffic.Guilds], [Traffic.GuildCreate]) and an endless stream of
// dispatches happening in it (see [Traffic.Next]).
//
// The same [TrafficConfig] always yields the same world and the same event
// sequence, byte for byte. Event payloads are built by appending to a
// reused buffer, not by encoding/json, so [Traffic.Next] costs a few
// microseconds and one allocation.
//
// By default the world is a plausible snapshot, not a state machine:
// events are shaped like Discord's and refer to real guilds, channels,
// members and recent messages of the world, but they do not change it, so
// a GUILD_CREATE sent after a thousand GUILD_MEMBER_ADDs still lists the
// original members. With [TrafficConfig.Mutable] the events change the
// world as they are generated (see there), so that a later GUILD_CREATE
// shows what the events said.
//
// All methods are safe for concurrent use. Concurrent callers of the Next
// methods share one sequence, though, so which caller gets which event then
// depends on scheduling; for a reproducible sequence per goroutine (per
// shard, say) give each its own [Traffic.Fork]. Make one with
// [NewTraffic]; the zero Traffic is not usable.
type Traffic struct {
	w      *trafficWorld
	stream uint64 // 0 for the root, n+1 for Fork(n); low bits of generated ids

	mu     sync.Mutex
	rng    *rand.Rand
	now    int64 // virtual clock, Unix ms
	lastTS int64 // time of the last generated id
	inc    uint64
	ring   [ringSize]recentMsg
	ringN  int
	buf    []byte

	shardKey [2]int      // the last NextForShard's (shard, shards) …
	shardTab *guildTable // … and its guild table
}

// TrafficConfig configures a [Traffic]. The zero value of every field but
// Seed means "use the default".
type TrafficConfig struct {
	// Seed selects the world and the event sequence.
	Seed int64
	// Guilds is the number of guilds the bot is in (default 100; at most
	// 4,194,302).
	Guilds int
	// ShardCount is the shard count the guild ids are spread over (default
	// 1, at most 1<<20): guild i lands on shard i % ShardCount under
	// Discord's routing (id >> 22) % ShardCount.
	ShardCount int

	// Users is the size of the user pool members are drawn from (default
	// 4096, rounded up to a power of two and to at least HugeMembers; at
	// most 1<<20).
	Users int
	// HugeEvery makes every HugeEvery-th guild (indexes HugeEvery-1,
	// 2*HugeEvery-1, …) huge: HugeMembers members and presences and a
	// GUILD_CREATE well over 1 MiB. 0 means 50; negative means no huge
	// guilds.
	HugeEvery int
	// HugeMembers is the number of members (and presences) listed in a huge
	// guild's GUILD_CREATE (default 2000, which gives about 1.8 MiB; at most
	// 1<<20).
	HugeMembers int
	// DMShare is the fraction of [Traffic.Next] events that happen in DMs
	// (default 0.03; negative means none). [Traffic.NextForShard] applies it
	// on shard 0 only, where Discord sends DMs.
	DMShare float64
	// Mix gives the relative weight of each event type, by dispatch name
	// (see [TrafficEventTypes]); nil means the default mix, in which
	// MESSAGE_CREATE is the most common event. Names the generator does not
	// produce are ignored; a Mix with no positive weight for any type it
	// produces falls back to the default.
	Mix map[string]int
	// Start is the virtual time of the first event (default
	// 2026-01-15T12:00:00Z; never before July 2015). The clock moves on a
	// few milliseconds per event, and generated snowflakes follow it.
	Start time.Time
	// Mutable makes the events change the world when they are generated,
	// as Discord's do: GUILD_MEMBER_ADD adds a member (and member_count),
	// GUILD_MEMBER_REMOVE removes one (with its voice state),
	// GUILD_MEMBER_UPDATE changes a nickname, roles or timeout,
	// GUILD_ROLE_UPDATE a role's colour, flags or permissions,
	// CHANNEL_UPDATE a channel's topic, slowmode, nsfw or bitrate,
	// VOICE_STATE_UPDATE moves members in and out of voice channels and
	// THREAD_CREATE adds a thread. GuildCreate, GuildMembers, GuildMember,
	// GuildChannels and ChannelGuild then describe the world as it is now.
	// The world stays bounded: past a few dozen joined members, a few dozen
	// new threads or a quarter of the listed members gone, the generator
	// balances (a member leaves instead of joining, THREAD_DELETE removes
	// the oldest thread), so THREAD_DELETE also appears.
	//
	// The forks share the world, so a mutable world's sequences are
	// reproducible per generator only while one generator changes each
	// guild (a fork per shard, with the configured ShardCount), and
	// GuildCreate depends on the events generated so far.
	Mutable bool
}

// TrafficEvent is one generated dispatch: its name, the routing keys a
// dispatcher would pick out of it, and its payload.
type TrafficEvent struct {
	// Type is the dispatch name, the "t" of the envelope.
	Type string
	// GuildID is the guild the event happened in; 0 for a DM.
	GuildID uint64
	// ChannelID is the channel the event concerns (channel_id, or id for
	// channel and thread events); 0 when the event has none.
	ChannelID uint64
	// UserID is the user the event is about or by (author.id, user_id,
	// user.id, member.user.id, inviter.id, owner_id); 0 when it has none.
	UserID uint64
	// Data is the event's JSON "d". It is never shared with another
	// event: it stays valid and unchanged after later calls.
	Data []byte
}

// ringSize is how many recently created messages a generator remembers so
// that edits, deletes, reactions and votes refer to real message ids.
const ringSize = 512

type recentMsg struct {
	id    uint64
	ch    uint64
	g     int32 // guild index; -1 for a DM
	j     int32 // author's member index (guild) …
	userK int32 // … and user index
	chTyp uint8
}

// NewTraffic builds the world described by cfg and returns a generator at
// the start of its event sequence. Out-of-range fields are clamped to
// their limits, never rejected.
func NewTraffic(cfg TrafficConfig) *Traffic {
	cfg = normalizeTrafficConfig(cfg)
	return newTrafficStream(newTrafficWorld(cfg), 0)
}

func normalizeTrafficConfig(cfg TrafficConfig) TrafficConfig {
	if cfg.Guilds <= 0 {
		cfg.Guilds = 100
	}
	cfg.Guilds = min(cfg.Guilds, maxTrafficGuilds)
	if cfg.ShardCount <= 0 {
		cfg.ShardCount = 1
	}
	cfg.ShardCount = min(cfg.ShardCount, 1<<20)
	switch {
	case cfg.HugeEvery == 0:
		cfg.HugeEvery = 50
	case cfg.HugeEvery < 0:
		cfg.HugeEvery = 0
	}
	if cfg.HugeMembers <= 0 {
		cfg.HugeMembers = 2000
	}
	cfg.HugeMembers = min(cfg.HugeMembers, 1<<20)
	if cfg.Users <= 0 {
		cfg.Users = 4096
	}
	cfg.Users = min(max(cfg.Users, cfg.HugeMembers, 64), 1<<20)
	cfg.Users = 1 << bitsFor(cfg.Users)
	switch {
	case cfg.DMShare == 0:
		cfg.DMShare = 0.03
	case cfg.DMShare < 0 || math.IsNaN(cfg.DMShare):
		cfg.DMShare = 0
	case cfg.DMShare > 1:
		cfg.DMShare = 1
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.UnixMilli(defaultTrafficNow).UTC()
	}
	if cfg.Start.UnixMilli() < earliestStart {
		cfg.Start = time.UnixMilli(earliestStart).UTC()
	}
	return cfg
}

// bitsFor returns the number of bits needed so that 1<<bits >= n.
func bitsFor(n int) int {
	b := 0
	for 1<<b < n {
		b++
	}
	return b
}

func newTrafficStream(w *trafficWorld, stream uint64) *Traffic {
	return &Traffic{
		w:      w,
		stream: stream,
		rng:    rand.New(rand.NewPCG(w.seed, mix64(stream^0x747266))),
		now:    w.start,
		lastTS: w.start - 1,
		buf:    make([]byte, 0, 4096),
	}
}

// Fork returns an independent generator over the same world, at the start
// of its own event sequence, which depends only on the config and n: two
// forks with the same n produce the same events, and forks with different
// n (below 1023) never generate the same snowflake. Give each shard or
// goroutine a fork to keep every sequence reproducible.
func (t *Traffic) Fork(n uint64) *Traffic {
	return newTrafficStream(t.w, n+1)
}

// Guilds returns the generated guilds' ids in increasing order. Guild i is
// owned by shard i % ShardCount under (id >> 22) % ShardCount, so every
// shard owns Guilds/ShardCount guilds, give or take one.
func (t *Traffic) Guilds() []uint64 {
	ids := make([]uint64, len(t.w.guilds))
	for i, g := range t.w.guilds {
		ids[i] = g.id
	}
	return ids
}

// ShardGuilds returns the ids of the guilds that shard owns out of shards
// under Discord's routing. shards need not be the configured ShardCount
// (a client may reshard), but with it the result is balanced.
func (t *Traffic) ShardGuilds(shard, shards int) []uint64 {
	if shards <= 0 || shard < 0 || shard >= shards {
		return nil
	}
	tab := t.w.shardTable(shard, shards)
	ids := make([]uint64, len(tab.idx))
	for i, gi := range tab.idx {
		ids[i] = t.w.guilds[gi].id
	}
	return ids
}

// GuildChannels returns the ids of a guild's channels, threads included,
// in the order its GUILD_CREATE lists them (channels, then threads); nil
// for an unknown guild.
func (t *Traffic) GuildChannels(guildID uint64) []uint64 {
	g := t.w.guildByID(guildID)
	if g == nil {
		return nil
	}
	t.w.lock(g)
	defer t.w.unlock(g)
	ids := make([]uint64, len(g.chans))
	for i := range g.chans {
		ids[i] = g.chans[i].id
	}
	return ids
}

// ChannelGuild returns the guild a channel or thread of the world belongs
// to. For one of the bot's DM channels it returns (0, true); for any other
// id, including threads created by THREAD_CREATE events unless the world
// is [TrafficConfig.Mutable], (0, false).
func (t *Traffic) ChannelGuild(channelID uint64) (guildID uint64, ok bool) {
	low := channelID & snowLowMask
	if low == dmMarker {
		for lo, hi := 0, len(t.w.dms); lo < hi; {
			m := (lo + hi) / 2
			switch id := t.w.dms[m].id; {
			case id == channelID:
				return 0, true
			case id < channelID:
				lo = m + 1
			default:
				hi = m
			}
		}
		return 0, false
	}
	if low >= uint64(len(t.w.guilds)) {
		return 0, false
	}
	g := t.w.guilds[low]
	t.w.lock(g)
	defer t.w.unlock(g)
	for lo, hi := 0, len(g.chans); lo < hi; {
		m := (lo + hi) / 2
		switch id := g.chans[m].id; {
		case id == channelID:
			return g.id, true
		case id < channelID:
			lo = m + 1
		default:
			hi = m
		}
	}
	return 0, false
}

// GuildMemberCount returns the number of members a guild's GUILD_CREATE
// lists (the bot included), which is also what [Traffic.GuildMembers]
// pages through; 0 for an unknown guild. The guild's member_count is
// larger for large guilds, whose offline members are not listed.
func (t *Traffic) GuildMemberCount(guildID uint64) int {
	g := t.w.guildByID(guildID)
	if g == nil {
		return 0
	}
	t.w.lock(g)
	defer t.w.unlock(g)
	return g.listedNow() + 1
}

// BotUser returns the JSON of the bot's user object, for READY's "user".
func (t *Traffic) BotUser() []byte {
	return append([]byte(nil), t.w.botJSON...)
}

// BotUserID returns the bot user's id.
func (t *Traffic) BotUserID() uint64 { return t.w.botID }

// ApplicationID returns the bot's application id (READY's application.id
// and the application_id of interactions). As for every application made
// since 2016, it equals the bot user's id.
func (t *Traffic) ApplicationID() uint64 { return t.w.botID }

// DMChannels returns the ids of the DM channels the bot has; DM events
// happen in these.
func (t *Traffic) DMChannels() []uint64 {
	ids := make([]uint64, len(t.w.dms))
	for i := range t.w.dms {
		ids[i] = t.w.dms[i].id
	}
	return ids
}

// Next returns the next event: a DM with probability DMShare, otherwise an
// event in a guild chosen by activity (bigger guilds are busier).
func (t *Traffic) Next() TrafficEvent {
	return t.AppendNext(nil)
}

// AppendNext is [Traffic.Next] that appends the event's JSON to dst, like
// the strconv.Append functions: the returned event's Data is the extended
// slice (so with dst[:0] it is exactly the event's d). Reusing dst saves
// Next's one allocation; the caller then owns the aliasing.
func (t *Traffic) AppendNext(dst []byte) TrafficEvent {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tick()
	if t.w.dmShare > 0 && len(t.w.dmMix.cum) > 0 && t.rng.Float64() < t.w.dmShare {
		return t.finish(dst, t.genDM(t.buf[:0]))
	}
	gi := t.w.all.pickGuild(t.rng)
	return t.finish(dst, t.genGuild(t.buf[:0], t.w.guilds[gi]))
}

// NextFor returns the next event in one guild; guildID 0 gives a DM event.
// It reports false, with a zero event, for a guild not in the world, or
// for guildID 0 when the mix has no DM event types.
func (t *Traffic) NextFor(guildID uint64) (TrafficEvent, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if guildID == 0 {
		if len(t.w.dmMix.cum) == 0 {
			return TrafficEvent{}, false
		}
		t.tick()
		return t.finish(nil, t.genDM(t.buf[:0])), true
	}
	g := t.w.guildByID(guildID)
	if g == nil {
		return TrafficEvent{}, false
	}
	t.tick()
	return t.finish(nil, t.genGuild(t.buf[:0], g)), true
}

// NextForShard returns the next event for one shard out of shards: an
// event in a guild that shard owns, or on shard 0 a DM with probability
// DMShare. It generates only what the shard would receive, so an emulator
// can feed each shard without waste. It reports false, with a zero event,
// when the shard has nothing to receive (it owns no guild and is not shard
// 0) or the arguments are out of range.
func (t *Traffic) NextForShard(shard, shards int) (TrafficEvent, bool) {
	if shards <= 0 || shard < 0 || shard >= shards {
		return TrafficEvent{}, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	key := [2]int{shard, shards}
	if t.shardTab == nil || t.shardKey != key {
		t.shardKey, t.shardTab = key, t.w.shardTable(shard, shards)
	}
	tab := t.shardTab
	dmOK := shard == 0 && len(t.w.dmMix.cum) > 0 && t.w.dmShare > 0
	if len(tab.idx) == 0 && !dmOK {
		return TrafficEvent{}, false
	}
	t.tick()
	if dmOK && (len(tab.idx) == 0 || t.rng.Float64() < t.w.dmShare) {
		return t.finish(nil, t.genDM(t.buf[:0])), true
	}
	return t.finish(nil, t.genGuild(t.buf[:0], t.w.guilds[tab.pickGuild(t.rng)])), true
}

// tick advances the virtual clock by 0–20 ms.
func (t *Traffic) tick() {
	t.now += t.rng.Int64N(21)
}

// finish copies the event built in the scratch buffer to dst (a fresh
// slice when dst is nil) and keeps the scratch buffer's growth.
func (t *Traffic) finish(dst []byte, ev TrafficEvent) TrafficEvent {
	t.buf = ev.Data[:0]
	if dst == nil {
		dst = make([]byte, 0, len(ev.Data))
	}
	ev.Data = append(dst, ev.Data...)
	return ev
}

// newID returns a fresh snowflake at the current virtual time. Ids from
// one generator strictly increase; the stream number in the worker and
// process bits keeps forks apart.
func (t *Traffic) newID() uint64 {
	ms := t.now
	if ms <= t.lastTS {
		ms = t.lastTS
		t.inc++
		if t.inc > 4095 {
			ms++
			t.now = ms
			t.inc = 0
		}
	} else {
		t.inc = 0
	}
	t.lastTS = ms
	return makeSnowflake(ms, (t.stream&1023)<<12|t.inc)
}

// remember records a created message for later edits, deletes and
// reactions.
func (t *Traffic) remember(m recentMsg) {
	t.ring[t.ringN%ringSize] = m
	t.ringN++
}

// recent returns a recently created message in guild gi (-1: a DM), or
// false when none of the last few messages is there.
func (t *Traffic) recent(gi int) (recentMsg, bool) {
	n := min(t.ringN, ringSize)
	// Start at a random recent message so edits and reactions do not
	// all hit the newest one.
	off := 0
	if n > 0 {
		off = t.rng.IntN(min(n, 32))
	}
	for i := off; i < min(n, off+64); i++ {
		m := t.ring[(t.ringN-1-i)%ringSize]
		if int(m.g) == gi && (gi < 0 || !t.w.mutable || t.w.stillThere(m)) {
			return m, true
		}
	}
	return recentMsg{}, false
}

// stillThere reports whether a remembered guild message's channel and
// author are still in a mutable world (its guild locked): a deleted
// thread's messages are not edited, a departed member's not reacted to.
func (w *trafficWorld) stillThere(m recentMsg) bool {
	g := w.guilds[m.g]
	return g.hasChannel(m.ch) && !g.isGone(int(m.j))
}
