package cache

import "slices"

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

// Channel returns a cached guild channel or thread, or DM channel.
func (c *Cache) Channel(id Snowflake) (Channel, bool) {
	c.mu.RLock()
	g := c.guilds[c.channelGuild[id]]
	c.mu.RUnlock()
	if g == nil {
		return c.dmChannel(id)
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

// list copies the values of one of a guild's maps out under its read
// lock, in no particular order.
func list[V any](c *Cache, guildID Snowflake, pick func(*guildState) map[Snowflake]V) []V {
	g := c.guild(guildID)
	if g == nil {
		return nil
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	m := pick(g)
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// Channels returns a guild's channels and threads, in no particular order.
// The list is a copy: the cache may change meanwhile.
func (c *Cache) Channels(guildID Snowflake) []Channel {
	return list(c, guildID, func(g *guildState) map[Snowflake]Channel { return g.channels })
}

// Roles returns a guild's roles, in no particular order (a copy).
func (c *Cache) Roles(guildID Snowflake) []Role {
	return list(c, guildID, func(g *guildState) map[Snowflake]Role { return g.roles })
}

// Members returns a guild's cached members, in no particular order (a
// copy).
func (c *Cache) Members(guildID Snowflake) []Member {
	return list(c, guildID, func(g *guildState) map[Snowflake]Member { return g.members })
}

// VoiceStates returns a guild's voice states (a copy).
func (c *Cache) VoiceStates(guildID Snowflake) []VoiceState {
	return list(c, guildID, func(g *guildState) map[Snowflake]VoiceState { return g.voice })
}

// Presences returns a guild's presences (a copy; KindPresences).
func (c *Cache) Presences(guildID Snowflake) []Presence {
	return list(c, guildID, func(g *guildState) map[Snowflake]Presence { return g.presence })
}

// StageInstances returns a guild's live stages (a copy).
func (c *Cache) StageInstances(guildID Snowflake) []StageInstance {
	return list(c, guildID, func(g *guildState) map[Snowflake]StageInstance { return g.stages })
}

// ScheduledEvents returns a guild's scheduled events (a copy).
func (c *Cache) ScheduledEvents(guildID Snowflake) []ScheduledEvent {
	return list(c, guildID, func(g *guildState) map[Snowflake]ScheduledEvent { return g.events })
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

// Messages returns the cached latest messages of a guild or DM channel,
// oldest first (KindMessages). The messages are shared: do not modify
// them.
func (c *Cache) Messages(channelID Snowflake) []*Message {
	c.mu.RLock()
	g := c.guilds[c.channelGuild[channelID]]
	c.mu.RUnlock()
	if g == nil {
		msgs, _ := c.dmMessages(channelID)
		return msgs
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	r := g.messages[channelID]
	if r == nil {
		return nil
	}
	return slices.Clone(r.msgs)
}
