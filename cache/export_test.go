package cache

import "fmt"

// CheckInvariants reports the first dangling reference in c: a channel
// index entry without its guild or channel, a guild channel missing from
// the index, a member without its user, a user whose membership count is
// wrong.
func (c *Cache) CheckInvariants() error {
	c.dms.mu.RLock()
	if n := len(c.dms.channels); n > c.policy.MaxDMChannels {
		c.dms.mu.RUnlock()
		return fmt.Errorf("%d DM channels, bound %d", n, c.policy.MaxDMChannels)
	}
	for id, d := range c.dms.channels {
		if d.ch.ID != id || len(d.msgs.msgs) > c.policy.MessagesPerChannel {
			c.dms.mu.RUnlock()
			return fmt.Errorf("DM channel %d: id %d, %d messages", id, d.ch.ID, len(d.msgs.msgs))
		}
	}
	c.dms.mu.RUnlock()
	c.mu.RLock()
	defer c.mu.RUnlock()
	refs := map[Snowflake]int32{}
	for chID, gid := range c.channelGuild {
		g := c.guilds[gid]
		if g == nil {
			return fmt.Errorf("channel %d indexed under missing guild %d", chID, gid)
		}
		g.mu.RLock()
		_, ok := g.channels[chID]
		g.mu.RUnlock()
		if !ok {
			return fmt.Errorf("channel %d indexed under guild %d that lacks it", chID, gid)
		}
	}
	for gid, g := range c.guilds {
		g.mu.RLock()
		if g.guild.ID != gid {
			g.mu.RUnlock()
			return fmt.Errorf("guild %d stored under %d", g.guild.ID, gid)
		}
		for chID, ch := range g.channels {
			if c.channelGuild[chID] != gid || ch.GuildID != gid {
				g.mu.RUnlock()
				return fmt.Errorf("channel %d of guild %d: index %d, guild_id %d", chID, gid, c.channelGuild[chID], ch.GuildID)
			}
		}
		for chID := range g.messages {
			if _, ok := g.channels[chID]; !ok {
				g.mu.RUnlock()
				return fmt.Errorf("messages of missing channel %d in guild %d", chID, gid)
			}
		}
		for uid := range g.members {
			refs[uid]++
		}
		g.mu.RUnlock()
	}
	if !c.policy.has(KindUsers) {
		return nil
	}
	c.usersMu.RLock()
	defer c.usersMu.RUnlock()
	for uid, n := range refs {
		if c.users[uid].refs != n {
			return fmt.Errorf("user %d: %d memberships, count %d", uid, n, c.users[uid].refs)
		}
	}
	for uid := range c.users {
		if refs[uid] == 0 {
			return fmt.Errorf("user %d cached without a membership", uid)
		}
	}
	return nil
}
