package gatewaytest

import (
	"encoding/json"
)

// The emulated bot's world: the generated guilds, their GUILD_CREATE
// payloads and what commands need from them (channels, members, sounds).

// maxGuildCacheBytes bounds the cache of generated GUILD_CREATE payloads;
// beyond it payloads are generated on every identify (at about 450 MB/s, so
// the cache mostly saves garbage during reconnect storms).
const maxGuildCacheBytes = 16 << 20

// guildsOnShard returns how many generated guilds shard [id, count] owns.
func (s *Server) guildsOnShard(id, count int) int {
	n := 0
	for _, g := range s.guilds {
		if ShardFor(g, count) == id {
			n++
		}
	}
	return n
}

// ownedGuilds returns the generated guilds shard [id, count] owns.
func (s *Server) ownedGuilds(id, count int) []uint64 {
	var out []uint64
	for _, g := range s.guilds {
		if ShardFor(g, count) == id {
			out = append(out, g)
		}
	}
	return out
}

// hasGuild reports whether g is a generated guild.
func (s *Server) hasGuild(g uint64) bool {
	_, ok := s.guildSet[g]
	return ok
}

// Guilds returns the ids of the generated guilds.
func (s *Server) Guilds() []uint64 { return append([]uint64(nil), s.guilds...) }

// GuildCreate returns the GUILD_CREATE d of generated guild id, the
// world's state of that guild as the emulator sends it to a new session
// (a fresh copy), or nil when id is not one of [Server.Guilds]. By default
// the world is a fixed snapshot: what the traffic says later does not
// change it. With Config.World.Mutable the built-in traffic changes the
// world as it is sent, and GuildCreate is the guild as it is now.
func (s *Server) GuildCreate(id uint64) []byte {
	if !s.hasGuild(id) {
		return nil
	}
	return append([]byte(nil), s.guildCreate(id)...)
}

// cachedGuild is a generated GUILD_CREATE and the count of the guild's
// changes it reflects.
type cachedGuild struct {
	d   []byte
	ver uint64
}

// guildCreate returns the GUILD_CREATE d of generated guild g, from the
// cache while the guild has not changed since it was built.
func (s *Server) guildCreate(g uint64) []byte {
	ver := s.traffic.guildVersion(g)
	s.worldMu.Lock()
	if c, ok := s.guildCache[g]; ok && c.ver == ver {
		s.worldMu.Unlock()
		return c.d
	}
	s.worldMu.Unlock()
	s.trafficMu.Lock()
	d, ver := s.traffic.guildCreate(g)
	s.trafficMu.Unlock()
	s.worldMu.Lock()
	old, had := s.guildCache[g]
	switch {
	case had && old.ver > ver:
		// Another caller cached a newer state meanwhile.
	case s.guildCacheBytes-len(old.d)+len(d) <= maxGuildCacheBytes:
		s.guildCache[g] = cachedGuild{d: d, ver: ver}
		s.guildCacheBytes += len(d) - len(old.d)
	case had:
		delete(s.guildCache, g)
		s.guildCacheBytes -= len(old.d)
	}
	s.worldMu.Unlock()
	return d
}

// guildMember is what op 8 matches on.
type guildMember struct {
	id       uint64
	username string
}

type guildChannel struct {
	ID   snowflake `json:"id"`
	Type int       `json:"type"`
}

// guildData is a generated guild as commands see it.
type guildData struct {
	channels   []guildChannel
	members    []guildMember
	rawMembers []json.RawMessage
	presences  map[uint64]json.RawMessage
	sounds     json.RawMessage
}

// guildInfo parses what commands need out of g's GUILD_CREATE.
func (s *Server) guildInfo(g uint64) *guildData {
	var raw struct {
		Channels  []guildChannel    `json:"channels"`
		Threads   []guildChannel    `json:"threads"`
		Members   []json.RawMessage `json:"members"`
		Presences []json.RawMessage `json:"presences"`
		Sounds    json.RawMessage   `json:"soundboard_sounds"`
	}
	out := &guildData{presences: make(map[uint64]json.RawMessage)}
	if !s.hasGuild(g) {
		return out
	}
	if json.Unmarshal(s.guildCreate(g), &raw) != nil {
		return out
	}
	out.channels = append(raw.Channels, raw.Threads...)
	out.sounds = raw.Sounds
	type userOnly struct {
		User struct {
			ID       snowflake `json:"id"`
			Username string    `json:"username"`
		} `json:"user"`
	}
	for _, m := range raw.Members {
		var u userOnly
		if json.Unmarshal(m, &u) != nil {
			continue
		}
		out.members = append(out.members, guildMember{id: uint64(u.User.ID), username: u.User.Username})
		out.rawMembers = append(out.rawMembers, m)
	}
	for _, p := range raw.Presences {
		var u userOnly
		if json.Unmarshal(p, &u) == nil {
			out.presences[uint64(u.User.ID)] = p
		}
	}
	return out
}

// channelGuild returns the guild a channel belongs to, 0 for none (a DM
// or an unknown channel).
func (s *Server) channelGuild(ch uint64) uint64 {
	s.worldMu.Lock()
	g, ok := s.channels[ch]
	s.worldMu.Unlock()
	if ok {
		return g
	}
	if g, ok := s.traffic.ChannelGuild(ch); ok && s.hasGuild(g) {
		return g
	}
	return 0
}

// AddChannel tells the router that channel belongs to guild, for
// dispatches published with only a ChannelID.
func (s *Server) AddChannel(channel, guild uint64) {
	s.worldMu.Lock()
	defer s.worldMu.Unlock()
	s.channels[channel] = guild
}
