package cache

import (
	"iter"
	"slices"
)

// Guild returns a cached guild.
func (c *Cache) Guild(id Snowflake) (Guild, bool) {
	g := c.guild(id)
	if g == nil {
		return Guild{}, false
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.guild, true
}

// GuildIDs returns the ids of the cached guilds, in increasing order.
func (c *Cache) GuildIDs() []Snowflake {
	c.mu.RLock()
	ids := make([]Snowflake, 0, len(c.guilds))
	for id := range c.guilds {
		ids = append(ids, id)
	}
	c.mu.RUnlock()
	slices.Sort(ids)
	return ids
}

// Channel returns a cached guild channel or thread.
func (c *Cache) Channel(id Snowflake) (Channel, bool) {
	c.mu.RLock()
	g := c.guilds[c.channelGuild[id]]
	c.mu.RUnlock()
	if g == nil {
		return Channel{}, false
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	ch, ok := g.channels[id]
	return ch, ok
}

// Role returns a cached role of a guild.
func (c *Cache) Role(guildID, roleID Snowflake) (Role, bool) {
	g := c.guild(guildID)
	if g == nil {
		return Role{}, false
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	r, ok := g.roles[roleID]
	return r, ok
}

// Member returns a cached member of a guild.
func (c *Cache) Member(guildID, userID Snowflake) (Member, bool) {
	g := c.guild(guildID)
	if g == nil {
		return Member{}, false
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	m, ok := g.members[userID]
	return m, ok
}

// User returns a cached user: a member of a cached guild, or the bot
// itself.
func (c *Cache) User(id Snowflake) (User, bool) {
	c.usersMu.RLock()
	ent, ok := c.users[id]
	c.usersMu.RUnlock()
	if ok {
		return ent.user, true
	}
	if self := c.self.Load(); self != nil && self.ID == id {
		return *self, true
	}
	return User{}, false
}

// Self returns the bot's own user, from READY and USER_UPDATE.
func (c *Cache) Self() (User, bool) {
	if self := c.self.Load(); self != nil {
		return *self, true
	}
	return User{}, false
}

// VoiceState returns the voice state of a user in a guild.
func (c *Cache) VoiceState(guildID, userID Snowflake) (VoiceState, bool) {
	g := c.guild(guildID)
	if g == nil {
		return VoiceState{}, false
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	v, ok := g.voice[userID]
	return v, ok
}

// Presence returns the presence of a user in a guild (KindPresences).
func (c *Cache) Presence(guildID, userID Snowflake) (Presence, bool) {
	g := c.guild(guildID)
	if g == nil {
		return Presence{}, false
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	p, ok := g.presence[userID]
	return p, ok
}

// each yields the values of one of a guild's maps under its read lock.
// The lock is held while the loop body runs: a body must not wait for the
// cache to change.
func each[V any](c *Cache, guildID Snowflake, pick func(*guildState) map[Snowflake]V) iter.Seq2[Snowflake, V] {
	return func(yield func(Snowflake, V) bool) {
		g := c.guild(guildID)
		if g == nil {
			return
		}
		g.mu.RLock()
		defer g.mu.RUnlock()
		for id, v := range pick(g) {
			if !yield(id, v) {
				return
			}
		}
	}
}

// Channels yields a guild's channels and threads, in no order, holding
// the guild's read lock meanwhile (the loop body must not wait for an
// event to be applied).
func (c *Cache) Channels(guildID Snowflake) iter.Seq2[Snowflake, Channel] {
	return each(c, guildID, func(g *guildState) map[Snowflake]Channel { return g.channels })
}

// Roles yields a guild's roles like Channels.
func (c *Cache) Roles(guildID Snowflake) iter.Seq2[Snowflake, Role] {
	return each(c, guildID, func(g *guildState) map[Snowflake]Role { return g.roles })
}

// Members yields a guild's members like Channels.
func (c *Cache) Members(guildID Snowflake) iter.Seq2[Snowflake, Member] {
	return each(c, guildID, func(g *guildState) map[Snowflake]Member { return g.members })
}

// VoiceStates yields a guild's voice states, by user, like Channels.
func (c *Cache) VoiceStates(guildID Snowflake) iter.Seq2[Snowflake, VoiceState] {
	return each(c, guildID, func(g *guildState) map[Snowflake]VoiceState { return g.voice })
}

// Presences yields a guild's presences, by user, like Channels.
func (c *Cache) Presences(guildID Snowflake) iter.Seq2[Snowflake, Presence] {
	return each(c, guildID, func(g *guildState) map[Snowflake]Presence { return g.presence })
}

// StageInstances yields a guild's live stages like Channels.
func (c *Cache) StageInstances(guildID Snowflake) iter.Seq2[Snowflake, StageInstance] {
	return each(c, guildID, func(g *guildState) map[Snowflake]StageInstance { return g.stages })
}

// ScheduledEvents yields a guild's scheduled events like Channels.
func (c *Cache) ScheduledEvents(guildID Snowflake) iter.Seq2[Snowflake, ScheduledEvent] {
	return each(c, guildID, func(g *guildState) map[Snowflake]ScheduledEvent { return g.events })
}

// Emojis returns a guild's custom emojis (shared: do not modify).
func (c *Cache) Emojis(guildID Snowflake) []Emoji {
	g := c.guild(guildID)
	if g == nil {
		return nil
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.emojis
}

// Stickers returns a guild's stickers (shared: do not modify).
func (c *Cache) Stickers(guildID Snowflake) []Sticker {
	g := c.guild(guildID)
	if g == nil {
		return nil
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.stickers
}

// Messages returns the cached latest messages of a guild channel, oldest
// first (KindMessages). The messages are shared: do not modify them.
func (c *Cache) Messages(channelID Snowflake) []*Message {
	c.mu.RLock()
	g := c.guilds[c.channelGuild[channelID]]
	c.mu.RUnlock()
	if g == nil {
		return nil
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	r := g.messages[channelID]
	if r == nil {
		return nil
	}
	return slices.Clone(r.msgs)
}
