package cache

import (
	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewayutil"
)

func (c *Cache) applyRole(e *gatewayutil.Event, s *shardState) error {
	if !c.policy.has(KindRoles) {
		return nil
	}
	var v discord.GuildRoleUpdate
	if err := v.DecodeJSON(e.Data); err != nil {
		return err
	}
	g := c.guild(v.GuildID)
	if g == nil || v.Role.ID == 0 {
		return nil
	}
	next := roleOf(&v.Role)
	if g = c.lockLive(g); g == nil {
		return nil
	}
	old, had := putBounded(&c.stats, g.roles, next.ID, c.policy.MaxPerGuild, func() Role { return next })
	g.mu.Unlock()
	if had {
		s.setOld(e.Seq, e.Type, old)
	}
	return nil
}

func (c *Cache) applyRoleDelete(e *gatewayutil.Event, s *shardState) error {
	var v discord.GuildRoleDelete
	if err := v.DecodeJSON(e.Data); err != nil {
		return err
	}
	g := c.lockGuild(v.GuildID)
	if g == nil {
		return nil
	}
	old, had := g.roles[v.RoleID]
	delete(g.roles, v.RoleID)
	removeRoleLocked(g, v.RoleID)
	g.mu.Unlock()
	if had {
		s.setOld(e.Seq, e.Type, old)
	}
	return nil
}

// applyMember applies GUILD_MEMBER_ADD and GUILD_MEMBER_UPDATE.
func (c *Cache) applyMember(e *gatewayutil.Event, s *shardState) error {
	if !c.policy.has(KindMembers) {
		return nil
	}
	var v discord.Member
	if err := v.DecodeJSON(e.Data); err != nil {
		return err
	}
	if v.User == nil || v.User.ID == 0 {
		return nil
	}
	g := c.guild(v.GuildID)
	if g == nil {
		return nil
	}
	id := v.User.ID
	withUsers := c.policy.has(KindUsers)
	if g = c.lockLive(g); g == nil {
		return nil
	}
	old, had := g.members[id]
	if !had && len(g.members) >= c.policy.MaxMembersPerGuild {
		g.mu.Unlock()
		c.stats.dropped.Add(1)
		return nil
	}
	var prev *Member
	if had {
		prev = &old
	}
	g.members[id] = memberOf(&v, id, prev)
	if e.Type == event.GuildMemberAdd && !had {
		g.guild.MemberCount++
	}
	if withUsers {
		if had {
			c.refreshUser(userOf(v.User))
		} else {
			c.acquireUsers([]User{userOf(v.User)})
		}
	}
	g.mu.Unlock()
	if had && e.Type == event.GuildMemberUpdate {
		s.setOld(e.Seq, e.Type, old)
	}
	return nil
}

func (c *Cache) applyMemberRemove(e *gatewayutil.Event, s *shardState) error {
	var v discord.GuildMemberRemove
	if err := v.DecodeJSON(e.Data); err != nil {
		return err
	}
	g := c.guild(v.GuildID)
	if g == nil {
		return nil
	}
	id := v.User.ID
	if g = c.lockLive(g); g == nil {
		return nil
	}
	old, had := g.members[id]
	if had {
		delete(g.members, id)
		c.releaseUser(id)
	}
	delete(g.presence, id)
	delete(g.voice, id)
	if g.guild.MemberCount > 0 {
		g.guild.MemberCount--
	}
	g.mu.Unlock()
	if had {
		s.setOld(e.Seq, e.Type, old)
	}
	return nil
}

func (c *Cache) applyMembersChunk(e *gatewayutil.Event) error {
	var v discord.GuildMembersChunk
	if err := v.DecodeJSON(e.Data); err != nil {
		return err
	}
	g := c.guild(v.GuildID)
	if g == nil {
		return nil
	}
	withUsers := c.policy.has(KindUsers)
	var acquire []User
	if g = c.lockLive(g); g == nil {
		return nil
	}
	if c.policy.has(KindMembers) {
		for i := range v.Members {
			m := &v.Members[i]
			if m.User == nil || m.User.ID == 0 {
				continue
			}
			old, had := g.members[m.User.ID]
			if !had && len(g.members) >= c.policy.MaxMembersPerGuild {
				c.stats.dropped.Add(1)
				continue
			}
			var prev *Member
			if had {
				prev = &old
			}
			g.members[m.User.ID] = memberOf(m, m.User.ID, prev)
			if !withUsers {
				continue
			}
			if had {
				c.refreshUser(userOf(m.User))
			} else {
				acquire = append(acquire, userOf(m.User))
			}
		}
		c.acquireUsers(acquire)
	}
	if c.policy.has(KindPresences) {
		for i := range v.Presences {
			c.putPresenceLocked(g, &v.Presences[i])
		}
	}
	g.mu.Unlock()
	return nil
}

// putPresenceLocked stores a presence in g (locked); an offline user's
// presence is removed. It returns the previous one.
func (c *Cache) putPresenceLocked(g *guildState, p *discord.Presence) (Presence, bool) {
	id := p.User.ID
	return putOrDelete(&c.stats, g.presence, id, p.Status == "offline" || id == 0, c.policy.MaxPresencesPerGuild,
		func() Presence { return presenceOf(p) })
}

func (c *Cache) applyPresence(e *gatewayutil.Event, s *shardState) error {
	if !c.policy.has(KindPresences) {
		return nil
	}
	var v discord.PresenceUpdate
	if err := v.DecodeJSON(e.Data); err != nil {
		return err
	}
	g := c.lockGuild(v.GuildID)
	if g == nil {
		return nil
	}
	old, had := c.putPresenceLocked(g, &v.Presence)
	g.mu.Unlock()
	if had {
		s.setOld(e.Seq, e.Type, old)
	}
	return nil
}

func (c *Cache) applyVoiceState(e *gatewayutil.Event, s *shardState) error {
	if !c.policy.has(KindVoiceStates) {
		return nil
	}
	var v discord.VoiceStateUpdate
	if err := v.DecodeJSON(e.Data); err != nil {
		return err
	}
	g := c.guild(v.GuildID)
	if g == nil || v.UserID == 0 {
		return nil
	}
	if g = c.lockLive(g); g == nil {
		return nil
	}
	old, had := putOrDelete(&c.stats, g.voice, v.UserID, v.ChannelID == 0, c.policy.MaxPerGuild,
		func() VoiceState { return voiceStateOf(&v.VoiceState) })
	g.mu.Unlock()
	if had {
		s.setOld(e.Seq, e.Type, old)
	}
	return nil
}

// applyUserUpdate: USER_UPDATE is about the bot's own user.
func (c *Cache) applyUserUpdate(e *gatewayutil.Event, s *shardState) error {
	var v discord.UserUpdate
	if err := v.DecodeJSON(e.Data); err != nil {
		return err
	}
	next := userOf(&v.User)
	if old := c.self.Swap(&next); old != nil {
		s.setOld(e.Seq, e.Type, *old)
	}
	if c.policy.has(KindUsers) {
		c.refreshUser(next)
	}
	return nil
}

// removeRoleLocked takes a deleted role out of every member's roles and
// every emoji's allowed roles of g (locked): Discord sends no member
// updates for it, and nothing may refer to a role that is gone. Members
// share interned role sets, so each distinct set is rebuilt once.
func removeRoleLocked(g *guildState, id Snowflake) {
	rebuilt := map[RoleSet]RoleSet{}
	without := func(r RoleSet) RoleSet {
		n, ok := rebuilt[r]
		if !ok {
			n = r.Without(id)
			rebuilt[r] = n
		}
		return n
	}
	for uid, m := range g.members {
		if m.Roles.Has(id) {
			m.Roles = without(m.Roles)
			g.members[uid] = m
		}
	}
	for i := range g.emojis {
		if g.emojis[i].Roles.Has(id) {
			// Emojis() hands the slice out: change a copy.
			emojis := append([]Emoji(nil), g.emojis...)
			for j := range emojis {
				emojis[j].Roles = without(emojis[j].Roles)
			}
			g.emojis = emojis
			break
		}
	}
}
