package gatewayutil

import (
	"github.com/gatewaykit/gateway/encoding"
	"github.com/gatewaykit/gateway/event"
)

// Where each event carries its topic keys (docs/protocol.md §7). Most events name
// them in d.guild_id, d.channel_id and d.user_id; the exceptions are events
// whose d is the guild, channel or user itself.

func guildOf(typ string, d []byte) uint64 {
	switch typ {
	case event.GuildCreate, event.GuildUpdate, event.GuildDelete:
		return snowflakeAt(d, "id")
	}
	return snowflakeAt(d, "guild_id")
}

func channelOf(typ string, d []byte) uint64 {
	switch typ {
	case event.ChannelCreate, event.ChannelUpdate, event.ChannelDelete,
		event.ThreadCreate, event.ThreadUpdate, event.ThreadDelete,
		event.ThreadMemberUpdate, event.ThreadMembersUpdate,
		event.VoiceChannelStatusUpdate, event.VoiceChannelStartTimeUpdate:
		return snowflakeAt(d, "id")
	}
	return snowflakeAt(d, "channel_id")
}

func userOf(typ string, d []byte) uint64 {
	// Look where each kind of event keeps the user first: every lookup
	// reads all of d.
	switch typ {
	case event.UserUpdate:
		return snowflakeAt(d, "id")
	case event.MessageCreate, event.MessageUpdate:
		if id := snowflakeAt(objectAt(d, "author"), "id"); id != 0 {
			return id
		}
	case event.GuildMemberAdd, event.GuildMemberUpdate, event.GuildMemberRemove,
		event.GuildBanAdd, event.GuildBanRemove, event.PresenceUpdate:
		if id := snowflakeAt(objectAt(d, "user"), "id"); id != 0 {
			return id
		}
	case event.InteractionCreate:
		if id := snowflakeAt(objectAt(objectAt(d, "member"), "user"), "id"); id != 0 {
			return id
		}
		return snowflakeAt(objectAt(d, "user"), "id")
	}
	if id := snowflakeAt(d, "user_id"); id != 0 {
		return id
	}
	if id := snowflakeAt(objectAt(d, "author"), "id"); id != 0 {
		return id
	}
	if id := snowflakeAt(objectAt(d, "user"), "id"); id != 0 {
		return id
	}
	return snowflakeAt(objectAt(objectAt(d, "member"), "user"), "id")
}

// snowflakeAt reads obj[key] as a snowflake, "123" or 123; 0 when obj is
// not an object, the key is missing, or its value is not a snowflake.
func snowflakeAt(obj []byte, key string) uint64 {
	if len(obj) == 0 {
		return 0
	}
	raw, found, err := encoding.Lookup(obj, key)
	if err != nil || !found {
		return 0
	}
	id, ok := encoding.ParseSnowflake(raw)
	if !ok {
		return 0
	}
	return id
}

// objectAt returns the raw value of obj[key], nil when it is missing.
func objectAt(obj []byte, key string) []byte {
	if len(obj) == 0 {
		return nil
	}
	raw, found, err := encoding.Lookup(obj, key)
	if err != nil || !found {
		return nil
	}
	return raw
}
