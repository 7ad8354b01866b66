package cache

import (
	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// applyGuildCreate builds the guild's whole state aside and then swaps it
// in at once, so a reader sees either the old guild or the new one.
func (c *Cache) applyGuildCreate(e *gatewayutil.Event) error {
	var v discord.GuildCreate
	if err := v.DecodeJSON(e.Data); err != nil {
		return err
	}
	if v.Unavailable.Value() {
		c.markUnavailable(keyOf(e), v.ID)
		return nil
	}
	p := &c.policy
	g := newGuildState(keyOf(e), guildOf(&v.Guild))
	g.guild.JoinedAt = timeOf(v.JoinedAt)
	g.guild.MemberCount = optInt32(v.MemberCount)
	g.guild.Large = v.Large.Value()
	if p.has(KindChannels) {
		for i := range v.Channels {
			c.putChannel(g, channelOf(&v.Channels[i], v.ID))
		}
	}
	if p.has(KindThreads) {
		for i := range v.Threads {
			c.putChannel(g, channelOf(&v.Threads[i], v.ID))
		}
	}
	if p.has(KindRoles) {
		for i := range v.Roles {
			if len(g.roles) >= p.MaxPerGuild {
				c.stats.dropped.Add(1)
				break
			}
			g.roles[v.Roles[i].ID] = roleOf(&v.Roles[i])
		}
	}
	if p.has(KindEmojis) {
		g.emojis = emojisOf(v.Emojis, p.MaxPerGuild, &c.stats)
	}
	if p.has(KindStickers) {
		g.stickers = ownAll(v.Stickers, p.MaxPerGuild, &c.stats)
	}
	var users []User
	if p.has(KindMembers) {
		for i := range v.Members {
			m := &v.Members[i]
			if m.User == nil || m.User.ID == 0 {
				continue
			}
			if len(g.members) >= p.MaxMembersPerGuild {
				c.stats.dropped.Add(1)
				break
			}
			if _, dup := g.members[m.User.ID]; dup {
				continue
			}
			g.members[m.User.ID] = memberOf(m, m.User.ID, nil)
			if p.has(KindUsers) {
				users = append(users, userOf(m.User))
			}
		}
	}
	if p.has(KindVoiceStates) {
		for i := range v.VoiceStates {
			vs := &v.VoiceStates[i]
			if vs.ChannelID == 0 || vs.UserID == 0 {
				continue
			}
			if len(g.voice) >= p.MaxPerGuild {
				c.stats.dropped.Add(1)
				break
			}
			g.voice[vs.UserID] = voiceStateOf(vs)
		}
	}
	if p.has(KindPresences) {
		for i := range v.Presences {
			pr := &v.Presences[i]
			if len(g.presence) >= p.MaxPresencesPerGuild {
				c.stats.dropped.Add(1)
				break
			}
			g.presence[pr.User.ID] = presenceOf(pr)
		}
	}
	if p.has(KindStageInstances) {
		for i := range v.StageInstances {
			if len(g.stages) >= p.MaxPerGuild {
				c.stats.dropped.Add(1)
				break
			}
			g.stages[v.StageInstances[i].ID] = own(&v.StageInstances[i])
		}
	}
	if p.has(KindScheduledEvents) {
		for i := range v.GuildScheduledEvents {
			if len(g.events) >= p.MaxPerGuild {
				c.stats.dropped.Add(1)
				break
			}
			g.events[v.GuildScheduledEvents[i].ID] = own(&v.GuildScheduledEvents[i])
		}
	}
	c.acquireUsers(users)
	old, ok := c.swapGuild(g)
	if !ok {
		c.releaseMembers(g)
		return nil
	}
	if old != nil {
		c.releaseMembers(old)
	}
	return nil
}

// ownAll copies a list of package discord values (see own), at most max.
func ownAll[T any, P interface {
	*T
	discord.Payload
}](in []T, limit int, st *counters) []T {
	if len(in) == 0 {
		return nil
	}
	if len(in) > limit {
		st.dropped.Add(int64(len(in) - limit))
		in = in[:limit]
	}
	out := make([]T, len(in))
	for i := range in {
		out[i] = own[T, P](&in[i])
	}
	return out
}

// putChannel adds a channel or thread to a guild being built.
func (c *Cache) putChannel(g *guildState, ch Channel) {
	if _, ok := g.channels[ch.ID]; !ok && len(g.channels) >= c.policy.MaxPerGuild {
		c.stats.dropped.Add(1)
		return
	}
	g.channels[ch.ID] = ch
}

// swapGuild puts g in place of what the cache held for its id and updates
// the channel index; it returns the guild it replaced, and false when g is
// new and MaxGuilds is reached.
//
// The replaced guild is marked gone under its lock: a writer that looked
// it up before the swap (another shard set's, during a reshard) finds the
// new one instead (lockLive). Locks are taken guild first, then the index.
func (c *Cache) swapGuild(g *guildState) (*guildState, bool) {
	id := g.guild.ID
	for {
		old := c.lockLive(c.guild(id))
		c.mu.Lock()
		if c.guilds[id] != old {
			// Added meanwhile: swap that one out instead.
			c.mu.Unlock()
			if old != nil {
				old.mu.Unlock()
			}
			continue
		}
		if old == nil && len(c.guilds) >= c.policy.MaxGuilds {
			c.mu.Unlock()
			c.stats.dropped.Add(1)
			return nil, false
		}
		c.guilds[id] = g
		if old != nil {
			for chID := range old.channels {
				if c.channelGuild[chID] == id {
					delete(c.channelGuild, chID)
				}
			}
		}
		for chID := range g.channels {
			c.channelGuild[chID] = id
		}
		c.mu.Unlock()
		if old != nil {
			old.gone = true
			old.mu.Unlock()
		}
		return old, true
	}
}

// lockLive locks g for writing and returns it; if g was replaced or
// dropped before the lock was had, it locks and returns the guild cached
// under its id now, nil when there is none.
func (c *Cache) lockLive(g *guildState) *guildState {
	for g != nil {
		g.mu.Lock()
		if !g.gone {
			return g
		}
		id := g.guild.ID
		g.mu.Unlock()
		g = c.guild(id)
	}
	return nil
}

// lockGuild returns the live cached guild id locked, nil when it is not
// cached.
func (c *Cache) lockGuild(id Snowflake) *guildState {
	return c.lockLive(c.guild(id))
}

// dropGuild forgets a guild and everything under it; it returns the
// guild, false when it was not cached.
func (c *Cache) dropGuild(id Snowflake) (Guild, bool) {
	// Held, g cannot be swapped out: c.guilds[id] stays g.
	g := c.lockGuild(id)
	if g == nil {
		return Guild{}, false
	}
	c.mu.Lock()
	delete(c.guilds, id)
	for chID := range g.channels {
		if c.channelGuild[chID] == id {
			delete(c.channelGuild, chID)
		}
	}
	c.mu.Unlock()
	g.gone = true
	out := g.guild
	g.mu.Unlock()
	c.releaseMembers(g) // gone: no writer touches its members any more
	return out, true
}

// markUnavailable marks a guild unavailable, keeping what is known of it,
// or adds it as an unavailable guild with nothing but its id.
func (c *Cache) markUnavailable(shard shardKey, id Snowflake) {
	if id == 0 {
		return
	}
	if g := c.lockLive(c.guild(id)); g != nil {
		g.guild.Unavailable = true
		g.mu.Unlock()
		return
	}
	c.swapGuild(newGuildState(shard, Guild{ID: id, Unavailable: true}))
}

func (c *Cache) applyGuildUpdate(e *gatewayutil.Event, s *shardState) error {
	var v discord.GuildUpdate
	if err := v.DecodeJSON(e.Data); err != nil {
		return err
	}
	g := c.guild(v.ID)
	if g == nil {
		return nil
	}
	next := guildOf(&v.Guild)
	if g = c.lockLive(g); g == nil {
		return nil
	}
	old := g.guild
	next.JoinedAt, next.MemberCount, next.Large, next.Unavailable = old.JoinedAt, old.MemberCount, old.Large, old.Unavailable
	g.guild = next
	if c.policy.has(KindRoles) && len(v.Roles) > 0 {
		roles := make(map[Snowflake]Role, len(v.Roles))
		for i := range v.Roles {
			if len(roles) >= c.policy.MaxPerGuild {
				c.stats.dropped.Add(1)
				break
			}
			roles[v.Roles[i].ID] = roleOf(&v.Roles[i])
		}
		g.roles = roles
	}
	g.mu.Unlock()
	s.setOld(e.Seq, e.Type, old)
	return nil
}

func (c *Cache) applyGuildDelete(e *gatewayutil.Event, s *shardState) error {
	var v discord.GuildDelete
	if err := v.DecodeJSON(e.Data); err != nil {
		return err
	}
	if v.Unavailable.Value() {
		if g := c.guild(v.ID); g != nil {
			g.mu.RLock()
			old := g.guild
			g.mu.RUnlock()
			s.setOld(e.Seq, e.Type, old)
		}
		c.markUnavailable(keyOf(e), v.ID)
		return nil
	}
	if old, ok := c.dropGuild(v.ID); ok {
		s.setOld(e.Seq, e.Type, old)
	}
	return nil
}

// swapInGuild replaces the list field picks of a cached guild with next
// (built before the lock is taken) and records the list it replaced as the
// event's old one.
func swapInGuild[L any](c *Cache, s *shardState, e *gatewayutil.Event, guildID Snowflake, next L, field func(*guildState) *L) {
	g := c.lockGuild(guildID)
	if g == nil {
		return
	}
	old := *field(g)
	*field(g) = next
	g.mu.Unlock()
	s.setOld(e.Seq, e.Type, old)
}

func (c *Cache) applyEmojis(e *gatewayutil.Event, s *shardState) error {
	if !c.policy.has(KindEmojis) {
		return nil
	}
	var v discord.GuildEmojisUpdate
	if err := v.DecodeJSON(e.Data); err != nil {
		return err
	}
	if c.guild(v.GuildID) == nil {
		return nil
	}
	swapInGuild(c, s, e, v.GuildID, emojisOf(v.Emojis, c.policy.MaxPerGuild, &c.stats), func(g *guildState) *[]Emoji { return &g.emojis })
	return nil
}

func (c *Cache) applyStickers(e *gatewayutil.Event, s *shardState) error {
	if !c.policy.has(KindStickers) {
		return nil
	}
	var v discord.GuildStickersUpdate
	if err := v.DecodeJSON(e.Data); err != nil {
		return err
	}
	if c.guild(v.GuildID) == nil {
		return nil
	}
	swapInGuild(c, s, e, v.GuildID, ownAll(v.Stickers, c.policy.MaxPerGuild, &c.stats), func(g *guildState) *[]Sticker { return &g.stickers })
	return nil
}
