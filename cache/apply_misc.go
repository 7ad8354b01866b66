package cache

import (
	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// putInGuild stores (or, with del, removes) object id of a cached guild in
// the map field picks, bounded by the policy, and records the object it
// replaced as the event's old one. Nothing happens for a guild not cached
// or an id of 0.
func putInGuild[V any](c *Cache, s *shardState, e *gatewayutil.Event, guildID, id Snowflake, field func(*guildState) map[Snowflake]V, del bool, next func() V) {
	if id == 0 {
		return
	}
	g := c.lockGuild(guildID)
	if g == nil {
		return
	}
	old, had := putOrDelete(&c.stats, field(g), id, del, c.policy.MaxPerGuild, next)
	g.mu.Unlock()
	if had {
		s.setOld(e.Seq, e.Type, old)
	}
}

func (c *Cache) applyStageInstance(e *gatewayutil.Event, s *shardState) error {
	if !c.policy.has(KindStageInstances) {
		return nil
	}
	var v discord.StageInstance
	if err := v.DecodeJSON(e.Data); err != nil {
		return err
	}
	putInGuild(c, s, e, v.GuildID, v.ID, func(g *guildState) map[Snowflake]StageInstance { return g.stages },
		e.Type == event.StageInstanceDelete, func() StageInstance { return own(&v) })
	return nil
}

func (c *Cache) applyScheduledEvent(e *gatewayutil.Event, s *shardState) error {
	if !c.policy.has(KindScheduledEvents) {
		return nil
	}
	var v discord.ScheduledEvent
	if err := v.DecodeJSON(e.Data); err != nil {
		return err
	}
	putInGuild(c, s, e, v.GuildID, v.ID, func(g *guildState) map[Snowflake]ScheduledEvent { return g.events },
		e.Type == event.GuildScheduledEventDelete, func() ScheduledEvent { return own(&v) })
	return nil
}

// applyMessage applies MESSAGE_CREATE and MESSAGE_UPDATE: the channel's
// last message id, and with KindMessages the channel's latest messages.
// Messages of DMs and of channels not cached are not kept.
func (c *Cache) applyMessage(e *gatewayutil.Event, s *shardState) error {
	keep := c.policy.has(KindMessages)
	if !keep && e.Type != event.MessageCreate {
		return nil
	}
	var v discord.Message
	if err := v.DecodeJSON(e.Data); err != nil {
		return err
	}
	if v.ID == 0 || (v.GuildID == 0 && v.ChannelID == 0) {
		return nil
	}
	var g *guildState
	if v.GuildID != 0 {
		if g = c.guild(v.GuildID); g == nil {
			return nil
		}
	}
	var m *Message
	if keep {
		owned := own(&v)
		m = &owned
	}
	if g == nil {
		c.applyDMMessage(e, s, &v, m)
		return nil
	}
	if g = c.lockLive(g); g == nil {
		return nil
	}
	defer g.mu.Unlock()
	ch, ok := g.channels[v.ChannelID]
	if !ok {
		return nil
	}
	if e.Type == event.MessageCreate && v.ID > ch.LastMessageID {
		ch.LastMessageID = v.ID
		g.channels[v.ChannelID] = ch
	}
	if !keep {
		return nil
	}
	r := g.messages[v.ChannelID]
	if r == nil {
		r = &messageRing{}
		g.messages[v.ChannelID] = r
	}
	if i := r.find(v.ID); i >= 0 {
		s.setOld(e.Seq, e.Type, r.msgs[i])
		r.msgs[i] = m
		return nil
	}
	if e.Type == event.MessageCreate {
		r.add(m, c.policy.MessagesPerChannel)
	}
	return nil
}

func (c *Cache) applyMessageDelete(e *gatewayutil.Event, s *shardState) error {
	if !c.policy.has(KindMessages) {
		return nil
	}
	var v discord.MessageDelete
	if err := v.DecodeJSON(e.Data); err != nil {
		return err
	}
	if v.GuildID == 0 {
		if old := c.deleteDMMessages(v.ChannelID, []Snowflake{v.ID}); len(old) == 1 {
			s.setOld(e.Seq, e.Type, old[0])
		}
		return nil
	}
	g := c.lockGuild(v.GuildID)
	if g == nil {
		return nil
	}
	defer g.mu.Unlock()
	r := g.messages[v.ChannelID]
	if r == nil {
		return nil
	}
	if i := r.find(v.ID); i >= 0 {
		s.setOld(e.Seq, e.Type, r.msgs[i])
		r.remove(i)
	}
	return nil
}

func (c *Cache) applyMessageDeleteBulk(e *gatewayutil.Event, s *shardState) error {
	if !c.policy.has(KindMessages) {
		return nil
	}
	var v discord.MessageDeleteBulk
	if err := v.DecodeJSON(e.Data); err != nil {
		return err
	}
	if v.GuildID == 0 {
		if old := c.deleteDMMessages(v.ChannelID, v.IDs); len(old) > 0 {
			s.setOld(e.Seq, e.Type, old)
		}
		return nil
	}
	g := c.lockGuild(v.GuildID)
	if g == nil {
		return nil
	}
	defer g.mu.Unlock()
	r := g.messages[v.ChannelID]
	if r == nil {
		return nil
	}
	var old []*Message
	for _, id := range v.IDs {
		if i := r.find(id); i >= 0 {
			old = append(old, r.msgs[i])
			r.remove(i)
		}
	}
	if len(old) > 0 {
		s.setOld(e.Seq, e.Type, old)
	}
	return nil
}
