package cache

import (
	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// apply changes the cache as e says, unless e was applied already.
func (c *Cache) apply(e *gatewayutil.Event) error {
	s := c.shard(keyOf(e))
	if !s.fresh(e.Seq, e.Type == event.Ready) {
		c.stats.replayed.Add(1)
		return nil
	}
	if !c.policy.has(KindGuilds) {
		return nil
	}
	c.stats.applied.Add(1)
	switch e.Type {
	case event.Ready:
		return c.applyReady(e, s)
	case event.GuildCreate:
		return c.applyGuildCreate(e)
	case event.GuildUpdate:
		return c.applyGuildUpdate(e, s)
	case event.GuildDelete:
		return c.applyGuildDelete(e, s)
	case event.GuildEmojisUpdate:
		return c.applyEmojis(e, s)
	case event.GuildStickersUpdate:
		return c.applyStickers(e, s)
	case event.ChannelCreate, event.ChannelUpdate, event.ThreadCreate, event.ThreadUpdate:
		return c.applyChannel(e, s)
	case event.ChannelDelete, event.ThreadDelete:
		return c.applyChannelDelete(e, s)
	case event.ChannelPinsUpdate:
		return c.applyChannelPins(e, s)
	case event.VoiceChannelStatusUpdate:
		return c.applyVoiceChannelStatus(e, s)
	case event.ChannelInfo:
		return c.applyChannelInfo(e)
	case event.ThreadListSync:
		return c.applyThreadListSync(e)
	case event.ThreadMembersUpdate:
		return c.applyThreadMembers(e)
	case event.GuildRoleCreate, event.GuildRoleUpdate:
		return c.applyRole(e, s)
	case event.GuildRoleDelete:
		return c.applyRoleDelete(e, s)
	case event.GuildMemberAdd, event.GuildMemberUpdate:
		return c.applyMember(e, s)
	case event.GuildMemberRemove:
		return c.applyMemberRemove(e, s)
	case event.GuildMembersChunk:
		return c.applyMembersChunk(e)
	case event.PresenceUpdate:
		return c.applyPresence(e, s)
	case event.VoiceStateUpdate:
		return c.applyVoiceState(e, s)
	case event.UserUpdate:
		return c.applyUserUpdate(e, s)
	case event.StageInstanceCreate, event.StageInstanceUpdate, event.StageInstanceDelete:
		return c.applyStageInstance(e, s)
	case event.GuildScheduledEventCreate, event.GuildScheduledEventUpdate, event.GuildScheduledEventDelete:
		return c.applyScheduledEvent(e, s)
	case event.MessageCreate, event.MessageUpdate:
		return c.applyMessage(e, s)
	case event.MessageDelete:
		return c.applyMessageDelete(e, s)
	case event.MessageDeleteBulk:
		return c.applyMessageDeleteBulk(e, s)
	}
	return nil
}

// applyReady starts a new session on the shard: whatever the cache held
// for the shard's guilds is stale (they may have changed, or the bot may
// have left them, while nobody listened), so it is dropped, and READY's
// guilds are kept as unavailable until their GUILD_CREATE.
func (c *Cache) applyReady(e *gatewayutil.Event, s *shardState) error {
	var v discord.Ready
	if err := v.DecodeJSON(e.Data); err != nil {
		return err
	}
	s.mu.Lock()
	s.sessionID = v.SessionID
	s.mu.Unlock()
	self := userOf(&v.User)
	c.self.Store(&self)

	// Stale are the guilds of the shard's earlier sessions, and those a
	// shard of another set (of another count, or of the same count after a
	// reshard to it) holds that Discord now routes here: across a reshard
	// the new set's READY says which of them the bot is still in. (A shard
	// of the same set and count that holds a guild routed here is this
	// one.)
	k := keyOf(e)
	c.mu.RLock()
	var stale []Snowflake
	for id, g := range c.guilds {
		if g.shard == k || k.routes(id) {
			stale = append(stale, id)
		}
	}
	c.mu.RUnlock()
	for _, id := range stale {
		c.dropGuild(id)
	}
	for _, ug := range v.Guilds {
		c.markUnavailable(k, ug.ID)
	}
	return nil
}
