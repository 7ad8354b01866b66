package cache

import (
	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// channelKind is the kind that keeps a channel of type t.
func channelKind(t discord.ChannelType) Kinds {
	if t.IsThread() {
		return KindThreads
	}
	return KindChannels
}

// applyChannel applies CHANNEL_CREATE, CHANNEL_UPDATE, THREAD_CREATE and
// THREAD_UPDATE; a channel without a guild is a DM channel.
func (c *Cache) applyChannel(e *gatewayutil.Event, s *shardState) error {
	var v discord.Channel
	if err := v.DecodeJSON(e.Data); err != nil {
		return err
	}
	if v.GuildID == 0 && v.ID != 0 && isDM(v.Type) {
		c.putDM(e, s, channelOf(&v, 0))
		return nil
	}
	if v.GuildID == 0 || v.ID == 0 || !c.policy.has(channelKind(v.Type)) {
		return nil
	}
	g := c.guild(v.GuildID)
	if g == nil {
		return nil
	}
	next := channelOf(&v, v.GuildID)
	if g = c.lockLive(g); g == nil {
		return nil
	}
	old, had := g.channels[v.ID]
	if !had && len(g.channels) >= c.policy.MaxPerGuild {
		g.mu.Unlock()
		c.stats.dropped.Add(1)
		return nil
	}
	if had {
		keepUnsent(&next, &old, &v)
	}
	if had && next.Thread != nil && old.Thread != nil {
		// THREAD_UPDATE leaves out the counts it does not change.
		if next.Thread.MessageCount == 0 {
			next.Thread.MessageCount = old.Thread.MessageCount
		}
		if next.Thread.MemberCount == 0 {
			next.Thread.MemberCount = old.Thread.MemberCount
		}
	}
	g.channels[v.ID] = next
	if !had {
		c.mu.Lock()
		c.channelGuild[v.ID] = v.GuildID
		c.mu.Unlock()
	}
	g.mu.Unlock()
	if had {
		s.setOld(e.Seq, e.Type, old)
	}
	return nil
}

// applyChannelDelete applies CHANNEL_DELETE and THREAD_DELETE. A deleted
// channel's threads and messages go with it.
func (c *Cache) applyChannelDelete(e *gatewayutil.Event, s *shardState) error {
	var v discord.Channel
	if err := v.DecodeJSON(e.Data); err != nil {
		return err
	}
	if v.GuildID == 0 {
		c.deleteDM(e, s, v.ID)
		return nil
	}
	g := c.lockGuild(v.GuildID)
	if g == nil {
		return nil
	}
	old, had := g.channels[v.ID]
	if !had {
		g.mu.Unlock()
		return nil
	}
	gone := []Snowflake{v.ID}
	for id, ch := range g.channels {
		if ch.ParentID == v.ID && ch.Type.IsThread() {
			gone = append(gone, id)
		}
	}
	c.removeChannelsLocked(g, gone)
	g.mu.Unlock()
	s.setOld(e.Seq, e.Type, old)
	return nil
}

// keepUnsent keeps in next what an update v left out and old had: the
// fields that their own events change (pins, voice status), which a
// CHANNEL_UPDATE usually does not restate.
func keepUnsent(next, old *Channel, v *discord.Channel) {
	if v.LastPinTimestamp.IsZero() {
		next.LastPinTimestamp = old.LastPinTimestamp
	}
	if v.Status.IsZero() {
		next.Status = old.Status
	}
	if v.LastMessageID.IsZero() {
		next.LastMessageID = old.LastMessageID
	}
}

// removeChannelsLocked removes channels from g (locked) and the index.
func (c *Cache) removeChannelsLocked(g *guildState, ids []Snowflake) {
	for _, id := range ids {
		delete(g.channels, id)
		delete(g.messages, id)
	}
	c.mu.Lock()
	for _, id := range ids {
		if c.channelGuild[id] == g.guild.ID {
			delete(c.channelGuild, id)
		}
	}
	c.mu.Unlock()
}

// applyThreadListSync: the listed threads are the active threads of the
// listed parent channels (of every channel when none is listed); cached
// threads of those parents that are not listed are no longer visible.
func (c *Cache) applyThreadListSync(e *gatewayutil.Event) error {
	if !c.policy.has(KindThreads) {
		return nil
	}
	var v discord.ThreadListSync
	if err := v.DecodeJSON(e.Data); err != nil {
		return err
	}
	g := c.guild(v.GuildID)
	if g == nil {
		return nil
	}
	listed := make(map[Snowflake]bool, len(v.Threads))
	for i := range v.Threads {
		listed[v.Threads[i].ID] = true
	}
	parents := make(map[Snowflake]bool, len(v.ChannelIDs))
	for _, id := range v.ChannelIDs {
		parents[id] = true
	}
	if g = c.lockLive(g); g == nil {
		return nil
	}
	defer g.mu.Unlock()
	var gone []Snowflake
	for id, ch := range g.channels {
		if ch.Type.IsThread() && !listed[id] && (len(parents) == 0 || parents[ch.ParentID]) {
			gone = append(gone, id)
		}
	}
	c.removeChannelsLocked(g, gone)
	var added []Snowflake
	for i := range v.Threads {
		th := &v.Threads[i]
		if th.ID == 0 || !th.Type.IsThread() {
			continue
		}
		if _, had := g.channels[th.ID]; !had {
			if len(g.channels) >= c.policy.MaxPerGuild {
				c.stats.dropped.Add(1)
				continue
			}
			added = append(added, th.ID)
		}
		g.channels[th.ID] = channelOf(th, v.GuildID)
	}
	if len(added) > 0 {
		c.mu.Lock()
		for _, id := range added {
			c.channelGuild[id] = v.GuildID
		}
		c.mu.Unlock()
	}
	return nil
}

// applyThreadMembers keeps a thread's member count current.
func (c *Cache) applyThreadMembers(e *gatewayutil.Event) error {
	var v discord.ThreadMembersUpdate
	if err := v.DecodeJSON(e.Data); err != nil {
		return err
	}
	g := c.lockGuild(v.GuildID)
	if g == nil {
		return nil
	}
	defer g.mu.Unlock()
	ch, ok := g.channels[v.ID]
	if !ok || ch.Thread == nil {
		return nil
	}
	th := *ch.Thread
	th.MemberCount = int32(v.MemberCount)
	ch.Thread = &th
	g.channels[v.ID] = ch
	return nil
}
