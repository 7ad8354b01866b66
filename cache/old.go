package cache

import "github.com/gatewaykit/gateway/gatewayutil"

// Old returns what the cache held before it applied e, for update and
// delete events: the one way a handler reads the previous object.
//
//	gatewayutil.On(d, event.GuildMemberUpdate, func(ctx context.Context, e *gatewayutil.Event, m *discord.GuildMemberUpdate) {
//		if before, ok := cache.Old[cache.Member](c, e); ok && before.Nick != m.Nick.Value() { ... }
//	})
//
// T is the cached type of the event's object:
//
//	GUILD_UPDATE, GUILD_DELETE                        Guild
//	CHANNEL_UPDATE, CHANNEL_DELETE,
//	THREAD_UPDATE, THREAD_DELETE,
//	CHANNEL_PINS_UPDATE, VOICE_CHANNEL_STATUS_UPDATE  Channel
//	GUILD_ROLE_UPDATE, GUILD_ROLE_DELETE              Role
//	GUILD_MEMBER_UPDATE, GUILD_MEMBER_REMOVE          Member
//	VOICE_STATE_UPDATE                                VoiceState
//	PRESENCE_UPDATE                                   Presence
//	USER_UPDATE                                       User
//	GUILD_EMOJIS_UPDATE                               []Emoji
//	GUILD_STICKERS_UPDATE                             []Sticker
//	STAGE_INSTANCE_UPDATE, STAGE_INSTANCE_DELETE      StageInstance
//	GUILD_SCHEDULED_EVENT_UPDATE, _DELETE             ScheduledEvent
//	MESSAGE_UPDATE, MESSAGE_DELETE                    *Message
//	MESSAGE_DELETE_BULK                               []*Message
//
// ok is false when the object was not cached (its kind is off, it came
// before the cache started, ...), when T does not match, and for an event
// that is more than a few hundred events behind its shard (a queued
// handler far behind; inline handlers always get it).
func Old[T any](c *Cache, e *gatewayutil.Event) (T, bool) {
	var zero T
	v, ok := c.shard(keyOf(e)).getOld(e.Seq, e.Type)
	if !ok {
		return zero, false
	}
	t, ok := v.(T)
	return t, ok
}
