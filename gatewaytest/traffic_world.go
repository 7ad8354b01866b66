package gatewaytest

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// The world is the model behind the traffic generator: the user pool, the
// guilds with their channels, roles and emojis, the DM channels and the
// bot. It is built once by NewTraffic and shared by every fork. By default
// everything here is read-only after construction (except the lazily built
// per-shard tables, which have their own lock). In a mutable world
// (TrafficConfig.Mutable) the events change their guild: each guild's
// mutable parts (roles' and channels' values, threads, member count and
// its live state, see traffic_live.go) are guarded by the guild's lock.
//
// Members are not stored: member j of a guild is user
// (poolStart + j*poolStride) mod len(users), and its roles, nickname and
// join date are hashes of (guild, j). That keeps a 2,500-member guild as
// cheap as a 2-member one until its GUILD_CREATE is asked for.

// Guild size classes.
const (
	classSmall uint8 = iota
	classMedium
	classLarge
	classHuge
)

// Channel types used by the generator (Discord's channel type numbers).
const (
	chanText         = 0
	chanDM           = 1
	chanVoice        = 2
	chanCategory     = 4
	chanAnnouncement = 5
	chanPublicThread = 11
	chanStage        = 13
	chanForum        = 15
)

// dmMarker fills the low 22 bits of DM channel ids; guild channels carry
// their guild's index there instead, which makes ChannelGuild a lookup
// without a map.
const dmMarker = snowLowMask

// maxTrafficGuilds is the largest guild count a world can hold: guild
// indexes must fit below dmMarker in 22 bits.
const maxTrafficGuilds = dmMarker - 1

// Fixed points of the generated timeline (Unix milliseconds).
var (
	discordLaunch     = time.Date(2015, 5, 13, 0, 0, 0, 0, time.UTC).UnixMilli()
	defaultTrafficNow = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC).UnixMilli()
	earliestStart     = time.Date(2015, 7, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
)

type trafficUser struct {
	id  uint64
	h   uint64 // attribute hash
	off uint32 // JSON of the user object: world.userJSON[off:end]
	end uint32
}

type trafficChannel struct {
	id       uint64
	parent   uint64
	lastMsg  uint64 // last_message_id in GUILD_CREATE
	typ      uint8
	pos      int32
	name     string
	ownerJ   int32 // member index of a thread's owner
	nsfw     bool
	slowmode int32
	topic    int8  // CHANNEL_UPDATE's topic in a mutable world: channelTopics[topic-1]; 0 for the hashed one
	bitrate  int32 // 0 for the default 64000
}

type trafficRole struct {
	id          uint64
	name        string
	color       uint32
	perms       uint64
	pos         int32
	hoist       bool
	mentionable bool
	managed     bool // the bot's own role
}

type trafficEmoji struct {
	id       uint64
	name     string
	animated bool
}

type trafficGuild struct {
	idx         int
	id          uint64
	h           uint64
	created     int64 // Unix ms
	joined      int64 // when the bot joined
	class       uint8
	memberCount int
	listed      int // members listed in GUILD_CREATE, the bot excluded
	poolStart   uint64
	poolStride  uint64
	name        string
	locale      string
	premiumTier int
	chans       []trafficChannel // sorted by id; threads last
	nThreads    int              // threads at the end of chans
	msgChans    []int32          // indexes of chans that take messages
	voiceChans  []int32          // indexes of voice and stage channels
	roles       []trafficRole    // roles[0] is @everyone (id == guild id)
	emojis      []trafficEmoji
	weight      uint64 // relative activity
	large       bool   // GUILD_CREATE's large: fixed when the bot joined

	// In a mutable world, mu guards everything the events change: the
	// values of roles and channels, chans, nThreads and msgChans (threads
	// come and go), memberCount and live; ver counts the changes.
	mu   sync.Mutex
	ver  atomic.Uint64
	live *guildLive // nil until the first change
}

type trafficDM struct {
	id    uint64
	userK int // the user at the other end
}

// guildTable lists the guilds some traffic is drawn from, with cumulative
// activity weights for a weighted pick.
type guildTable struct {
	idx []int32
	cum []uint64
}

type trafficWorld struct {
	seed        uint64
	mutable     bool // events change the world (TrafficConfig.Mutable)
	shards      int
	start       int64
	hugeMembers int
	dmShare     float64

	users    []trafficUser // sorted by id
	userJSON []byte
	userMask uint64

	guilds []*trafficGuild // sorted by id (index order)
	dms    []trafficDM     // sorted by id

	botID   uint64
	botJSON []byte

	guildMix mixTable
	dmMix    mixTable
	all      guildTable

	mu     sync.Mutex
	shardT map[[2]int]*guildTable
}

// newTrafficWorld builds the world from a normalised config.
func newTrafficWorld(cfg TrafficConfig) *trafficWorld {
	w := &trafficWorld{
		seed:        uint64(cfg.Seed),
		mutable:     cfg.Mutable,
		shards:      cfg.ShardCount,
		start:       cfg.Start.UnixMilli(),
		hugeMembers: cfg.HugeMembers,
		dmShare:     cfg.DMShare,
		shardT:      make(map[[2]int]*guildTable),
	}
	w.guildMix, w.dmMix = buildMixes(cfg.Mix)
	end := w.start - 24*time.Hour.Milliseconds()
	w.buildUsers(cfg.Users, end)
	w.buildBot()
	w.buildGuilds(cfg, end)
	w.buildDMs()
	w.all = *w.table(func(*trafficGuild) bool { return true })
	return w
}

// buildUsers creates the user pool with ids spread over Discord's history.
func (w *trafficWorld) buildUsers(n int, end int64) {
	w.users = make([]trafficUser, n)
	w.userMask = uint64(n - 1)
	span := end - discordLaunch
	slot := span / int64(n)
	if slot < 1 {
		slot = 1
	}
	w.userJSON = make([]byte, 0, n*260)
	for k := range w.users {
		h := hash2(w.seed^0x75736572, uint64(k))
		ms := discordLaunch + int64(k)*slot + int64(h%uint64(slot))
		id := makeSnowflake(ms, h>>40)
		u := &w.users[k]
		u.id, u.h = id, h
		u.off = uint32(len(w.userJSON))
		w.userJSON = appendUserObject(w.userJSON, id, h, false)
		u.end = uint32(len(w.userJSON))
	}
}

// buildBot creates the bot user; its id doubles as the application id, as
// for every application created since 2016.
func (w *trafficWorld) buildBot() {
	h := hash2(w.seed, 0x626f74)
	ms := time.Date(2021, 3, 4, 0, 0, 0, 0, time.UTC).UnixMilli() + int64(h%(300*86400000))
	if ms > w.start-86400000 {
		ms = w.start - 86400000
	}
	w.botID = makeSnowflake(ms, h>>40)
	b := append([]byte(nil), `{"verified":true,"username":"gatewaykit-bot","mfa_enabled":false,"id":`...)
	b = appendID(b, w.botID)
	b = append(b, `,"global_name":null,"flags":0,"email":null,"discriminator":"0","bot":true,"avatar":`...)
	b = appendQuotedHex(b, h, 32)
	w.botJSON = append(b, '}')
}

// buildGuilds creates the guilds. Guild i's id is chosen so that
// (id>>22) % shards == i % shards, which spreads the guilds evenly over the
// configured shard count while ids keep increasing with i.
func (w *trafficWorld) buildGuilds(cfg TrafficConfig, end int64) {
	n := cfg.Guilds
	w.guilds = make([]*trafficGuild, n)
	first := time.Date(2015, 6, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	if first > end-int64(n) {
		first = end - int64(n) - 1
	}
	span := end - first
	slot := span / int64(n)
	if slot < 1 {
		slot = 1
	}
	S := uint64(w.shards)
	var prev uint64
	pcg := rand.NewPCG(0, 0)
	rng := rand.New(pcg)
	for i := 0; i < n; i++ {
		h := hash2(w.seed^0x67756c64, uint64(i))
		pcg.Seed(h, uint64(i))
		ts := uint64(first-discordEpoch) + uint64(i)*uint64(slot) + h%uint64(slot)
		if ts <= prev && i > 0 {
			ts = prev + 1
		}
		ts += (uint64(i)%S + S - ts%S) % S
		prev = ts
		g := &trafficGuild{
			idx:     i,
			id:      ts<<22 | (h>>32)&snowLowMask,
			h:       h,
			created: int64(ts) + discordEpoch,
		}
		huge := cfg.HugeEvery > 0 && (i+1)%cfg.HugeEvery == 0
		w.fillGuild(g, rng, huge, end)
		w.guilds[i] = g
	}
}

// fillGuild draws a guild's size, channels, roles and emojis.
func (w *trafficWorld) fillGuild(g *trafficGuild, rng *rand.Rand, huge bool, end int64) {
	var nText, nVoice, nRoles, nEmojis, nThreads int
	switch r := rng.IntN(100); {
	case huge:
		g.class = classHuge
		g.memberCount = 150000 + rng.IntN(650000)
		g.listed = w.hugeMembers
		nText, nVoice, nRoles, nEmojis, nThreads = 90+rng.IntN(60), 20+rng.IntN(20), 150+rng.IntN(100), 150+rng.IntN(100), 30+rng.IntN(20)
		g.premiumTier = 3
		g.weight = 40
	case r < 65:
		g.class = classSmall
		g.memberCount = 2 + rng.IntN(1+rng.IntN(45)) // many tiny guilds, some up to 46
		g.listed = g.memberCount - 1
		nText, nVoice, nRoles, nEmojis, nThreads = 1+rng.IntN(4), rng.IntN(3), rng.IntN(5), rng.IntN(4), 0
		g.weight = 2
	case r < 93:
		g.class = classMedium
		g.memberCount = 60 + rng.IntN(1500)
		g.listed = min(g.memberCount/3+rng.IntN(g.memberCount/4+1), 250)
		nText, nVoice, nRoles, nEmojis, nThreads = 6+rng.IntN(20), 2+rng.IntN(5), 5+rng.IntN(20), 5+rng.IntN(40), rng.IntN(5)
		g.premiumTier = rng.IntN(3)
		g.weight = 6
	default:
		g.class = classLarge
		g.memberCount = 2000 + rng.IntN(100000)
		g.listed = 150 + rng.IntN(350)
		nText, nVoice, nRoles, nEmojis, nThreads = 25+rng.IntN(40), 5+rng.IntN(10), 20+rng.IntN(40), 50+rng.IntN(100), 5+rng.IntN(15)
		g.premiumTier = 1 + rng.IntN(3)
		g.weight = 15
	}
	if g.listed < 1 {
		g.listed = 1
	}
	g.large = g.memberCount > 50
	if g.listed > len(w.users) {
		g.listed = len(w.users)
	}
	g.poolStart = rng.Uint64() & w.userMask
	g.poolStride = rng.Uint64()&w.userMask | 1 // odd: a permutation of a power-of-two pool
	g.name = pickHashed(guildAdjectives, g.h) + " " + pickHashed(guildNouns, g.h>>8)
	if g.h>>16%4 == 0 {
		g.name += " #" + string(rune('1'+g.h>>20%9))
	}
	g.locale = pickHashed(sampleLocales, g.h>>24)
	botSince := snowflakeTime(w.botID)
	g.joined = max(g.created, botSince) + rng.Int64N(max(1, end-max(g.created, botSince)))

	// Channels: ids increase with creation time and carry the guild index in
	// their low bits.
	nCats := 1 + (nText+nVoice)/10
	if nText+nVoice <= 2 {
		nCats = 0 // a tiny guild: channels without a category
	}
	total := nCats + nText + nVoice + nThreads
	chanSpan := max(int64(total), g.joined-g.created)
	low := uint64(g.idx)
	ms := g.created
	nextID := func(step int64) uint64 {
		ms += 1 + rng.Int64N(max(1, step))
		return makeSnowflake(ms, low)
	}
	step := chanSpan / int64(total+1)
	cats := make([]uint64, nCats)
	g.chans = make([]trafficChannel, 0, total)
	for c := 0; c < nCats; c++ {
		cats[c] = nextID(step)
		g.chans = append(g.chans, trafficChannel{id: cats[c], typ: chanCategory, pos: int32(c), name: categoryNames[c%len(categoryNames)]})
	}
	for c := 0; c < nText; c++ {
		typ := uint8(chanText)
		switch {
		case c == 1 && nText > 4:
			typ = chanAnnouncement
		case c == 3 && nText > 8:
			typ = chanForum
		}
		name := textChannelNames[c%len(textChannelNames)]
		if c >= len(textChannelNames) {
			name += "-" + string(rune('a'+c/len(textChannelNames)%26))
		}
		ch := trafficChannel{id: nextID(step), typ: typ, pos: int32(c), name: name}
		if nCats > 0 {
			ch.parent = cats[c%nCats]
		}
		ch.nsfw = rng.IntN(40) == 0
		if rng.IntN(8) == 0 {
			ch.slowmode = int32(pickHashed([]int{5, 10, 30, 60, 300}, rng.Uint64()))
		}
		g.chans = append(g.chans, ch)
	}
	for c := 0; c < nVoice; c++ {
		typ := uint8(chanVoice)
		if c == nVoice-1 && nVoice > 3 {
			typ = chanStage
		}
		ch := trafficChannel{id: nextID(step), typ: typ, pos: int32(c), name: voiceChannelNames[c%len(voiceChannelNames)]}
		if nCats > 0 {
			ch.parent = cats[(c+1)%nCats]
		}
		g.chans = append(g.chans, ch)
	}
	// Threads are recent: the last month before the bot's view starts.
	ms = max(ms, end-30*86400000)
	tstep := max(int64(1), (end-ms)/int64(nThreads+1))
	for c := 0; c < nThreads; c++ {
		parent := g.chans[nCats+rng.IntN(nText)]
		if parent.typ == chanForum || parent.typ == chanAnnouncement || parent.typ == chanText {
			g.chans = append(g.chans, trafficChannel{
				id: nextID(tstep), parent: parent.id, typ: chanPublicThread,
				name: "thread: " + pickHashed(chatWords, rng.Uint64()) + " " + pickHashed(chatWords, rng.Uint64()), ownerJ: int32(rng.IntN(g.listed)),
			})
			g.nThreads++
		}
	}
	for ci := range g.chans {
		ch := &g.chans[ci]
		switch ch.typ {
		case chanText, chanAnnouncement, chanPublicThread:
			g.msgChans = append(g.msgChans, int32(ci))
			ch.lastMsg = makeSnowflake(end-rng.Int64N(7*86400000), rng.Uint64())
		case chanVoice, chanStage:
			g.voiceChans = append(g.voiceChans, int32(ci))
		}
	}

	// Roles: @everyone shares the guild's id; the bot has a managed role.
	g.roles = make([]trafficRole, 0, nRoles+2)
	g.roles = append(g.roles, trafficRole{id: g.id, name: "@everyone", perms: 1071698660929})
	ms = g.created
	rstep := max(int64(1), (g.joined-g.created)/int64(nRoles+2))
	for r := 0; r < nRoles; r++ {
		ms += 1 + rng.Int64N(rstep)
		name := roleNames[r%len(roleNames)]
		if r >= len(roleNames) {
			name += " " + string(rune('A'+r/len(roleNames)%26))
		}
		g.roles = append(g.roles, trafficRole{
			id: makeSnowflake(ms, rng.Uint64()), name: name, color: uint32(rng.IntN(3)) * uint32(rng.IntN(0xffffff)),
			perms: rng.Uint64() & 0x1_ffff_ffff_ffff, pos: int32(nRoles - r), hoist: rng.IntN(4) == 0, mentionable: rng.IntN(3) == 0,
		})
	}
	g.roles = append(g.roles, trafficRole{id: makeSnowflake(g.joined, rng.Uint64()), name: "gatewaykit-bot", perms: 277025770560, pos: 1, managed: true})

	g.emojis = make([]trafficEmoji, nEmojis)
	ms = g.created
	estep := max(int64(1), (end-g.created)/int64(nEmojis+1))
	for e := range g.emojis {
		ms += 1 + rng.Int64N(estep)
		name := customEmojiNames[e%len(customEmojiNames)]
		if e >= len(customEmojiNames) {
			name += "_" + string(rune('a'+e/len(customEmojiNames)%26))
		}
		g.emojis[e] = trafficEmoji{id: makeSnowflake(ms, rng.Uint64()), name: name, animated: rng.IntN(5) == 0}
	}
}

// buildDMs creates the DM channels the bot has with some users.
func (w *trafficWorld) buildDMs() {
	n := min(64, len(w.users))
	w.dms = make([]trafficDM, n)
	ms := w.start - 400*86400000
	for d := range w.dms {
		h := hash2(w.seed^0x646d, uint64(d))
		ms += 1 + int64(h%(6*86400000))
		w.dms[d] = trafficDM{id: makeSnowflake(ms, dmMarker), userK: int(h>>20) & int(w.userMask)}
	}
}

// table builds a weighted guild table over the guilds keep accepts.
func (w *trafficWorld) table(keep func(*trafficGuild) bool) *guildTable {
	t := &guildTable{}
	var sum uint64
	for _, g := range w.guilds {
		if keep(g) {
			sum += g.weight
			t.idx = append(t.idx, int32(g.idx))
			t.cum = append(t.cum, sum)
		}
	}
	return t
}

// shardTable returns (building once) the table of guilds that shard owns
// out of shards.
func (w *trafficWorld) shardTable(shard, shards int) *guildTable {
	if shards == w.shards && shards == 1 {
		return &w.all
	}
	key := [2]int{shard, shards}
	w.mu.Lock()
	defer w.mu.Unlock()
	if t, ok := w.shardT[key]; ok {
		return t
	}
	t := w.table(func(g *trafficGuild) bool { return int((g.id>>22)%uint64(shards)) == shard })
	if len(w.shardT) >= maxShardTables {
		// Shard numbers come from clients: past the bound, build tables
		// without keeping them (each stream keeps its own).
		return t
	}
	w.shardT[key] = t
	return t
}

// maxShardTables bounds the memoised shard tables.
const maxShardTables = 1024

// pickGuild draws a guild from t weighted by activity; -1 if t is empty.
func (t *guildTable) pickGuild(rng *rand.Rand) int {
	if len(t.cum) == 0 {
		return -1
	}
	r := rng.Uint64N(t.cum[len(t.cum)-1])
	i := sort.Search(len(t.cum), func(i int) bool { return t.cum[i] > r })
	return int(t.idx[i])
}

// guildByID finds a guild by id.
func (w *trafficWorld) guildByID(id uint64) *trafficGuild {
	i, ok := slices.BinarySearchFunc(w.guilds, id, func(g *trafficGuild, id uint64) int { return cmp.Compare(g.id, id) })
	if !ok {
		return nil
	}
	return w.guilds[i]
}

// user returns user k's id and JSON object.
func (w *trafficWorld) user(k int) (uint64, []byte) {
	u := &w.users[k]
	return u.id, w.userJSON[u.off:u.end]
}

// memberUser returns the user index of guild member j.
func (g *trafficGuild) memberUser(w *trafficWorld, j int) int {
	return int((g.poolStart + uint64(j)*g.poolStride) & w.userMask)
}

// memberIndex returns the member index of user k in g, or -1 when k is
// not a listed member. It inverts memberUser using the stride's inverse
// modulo the pool size.
func (g *trafficGuild) memberIndex(w *trafficWorld, k int) int {
	inv := oddInverse(g.poolStride)
	j := ((uint64(k) - g.poolStart) * inv) & w.userMask
	if j >= uint64(g.listed) {
		return -1
	}
	return int(j)
}

// oddInverse returns the multiplicative inverse of odd a modulo 2^64 (and
// so modulo every smaller power of two), by Newton's iteration.
func oddInverse(a uint64) uint64 {
	x := a
	for i := 0; i < 5; i++ {
		x *= 2 - a*x
	}
	return x
}

// userIndex finds a pool user by id; -1 if none.
func (w *trafficWorld) userIndex(id uint64) int {
	i, ok := slices.BinarySearchFunc(w.users, id, func(u trafficUser, id uint64) int { return cmp.Compare(u.id, id) })
	if !ok {
		return -1
	}
	return i
}
