package gatewayutil

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Event is one dispatch (op 0) as handlers see it: the shard that received
// it, its name, its sequence number and its raw "d".
//
// Data is the JSON text of "d" exactly as it arrived. It is only valid during
// the handler call: the shard reuses the buffer for the next message and the
// Dispatcher reuses the copies it makes for queued deliveries. Call
// [Event.Clone] to keep an event, or [Event.Decode] to turn Data into a value
// of your own.
//
// The topic keys ([Event.GuildID], [Event.ChannelID], [Event.UserID]) are
// read from Data lazily, at most once each per event, and only when a
// handler or a narrowed subscription asks for them. An Event is not safe
// for concurrent use: a handler that hands it to another goroutine must
// give that goroutine a Clone.
type Event struct {
	// Shard is the id of the shard that received the event.
	Shard int
	// ShardCount is that shard's shard count: [Shard, ShardCount] is the
	// shard as it identified. During a zero-downtime reshard the old and
	// the new shard sets both deliver, and their shard ids repeat; the
	// count tells them apart (a cache keeps each one's sequence numbers).
	ShardCount int
	// ShardSet is the generation of the Manager's shard set that received
	// the event: 0 for the first set (and for a Shard run on its own), one
	// more for each reshard. A reshard to the same count repeats
	// [Shard, ShardCount] across the two sets, which deliver side by side
	// for a while; [Shard, ShardCount, ShardSet] tells them apart.
	ShardSet int
	// Type is the event name ("t"), for example event.MessageCreate. For
	// documented names it is the constant of package event.
	Type string
	// Seq is the sequence number ("s").
	Seq int64
	// Data is the raw JSON of "d"; valid only during the handler call.
	Data []byte

	keys  topicKeys
	route eventRoute // where the last Dispatch of this Event found its type
}

// eventRoute caches a Dispatcher's entry for an event type, for the next
// Dispatch of the same reused Event.
type eventRoute struct {
	table *subTable
	entry *typeEntry
}

// topicKeys caches the topic keys read from Data. Dispatch clears it, since
// the shard reuses one Event for every message.
type topicKeys struct {
	guild, channel, user uint64
	parsed               uint8 // which of the three have been read
}

const (
	guildParsed uint8 = 1 << iota
	channelParsed
	userParsed
)

// GuildID returns the id of the guild the event happened in, 0 when it has
// none (direct messages, READY, ...). It is d.guild_id, except for
// GUILD_CREATE, GUILD_UPDATE and GUILD_DELETE, whose d is the guild itself
// and which use d.id.
func (e *Event) GuildID() uint64 {
	if e.keys.parsed&guildParsed == 0 {
		e.keys.guild = guildOf(e.Type, e.Data)
		e.keys.parsed |= guildParsed
	}
	return e.keys.guild
}

// ChannelID returns the id of the channel the event happened in, 0 when it
// has none. It is d.channel_id, except for events whose d is the channel or
// thread itself (CHANNEL_CREATE/UPDATE/DELETE, THREAD_CREATE/UPDATE/DELETE,
// THREAD_MEMBER_UPDATE, THREAD_MEMBERS_UPDATE,
// VOICE_CHANNEL_STATUS_UPDATE, VOICE_CHANNEL_START_TIME_UPDATE), which use
// d.id.
func (e *Event) ChannelID() uint64 {
	if e.keys.parsed&channelParsed == 0 {
		e.keys.channel = channelOf(e.Type, e.Data)
		e.keys.parsed |= channelParsed
	}
	return e.keys.channel
}

// UserID returns the id of the user the event is about or was caused by, 0
// when there is none. It is the first present of d.user_id, d.author.id
// (messages), d.user.id (members, bans, presences) and d.member.user.id
// (interactions in guilds); for USER_UPDATE, whose d is the user, it is
// d.id.
func (e *Event) UserID() uint64 {
	if e.keys.parsed&userParsed == 0 {
		e.keys.user = userOf(e.Type, e.Data)
		e.keys.parsed |= userParsed
	}
	return e.keys.user
}

// Clone returns a deep copy of e that stays valid after the handler
// returns. A nil Event clones to nil.
func (e *Event) Clone() *Event {
	if e == nil {
		return nil
	}
	c := *e
	c.Data = bytes.Clone(e.Data)
	return &c
}

// Decode unmarshals Data into v with encoding/json. The error names the
// event type and wraps the one from encoding/json (match it with errors.As
// to *json.SyntaxError or *json.UnmarshalTypeError).
func (e *Event) Decode(v any) error {
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("gatewayutil: decoding %s #%d: %w", e.Type, e.Seq, err)
	}
	return nil
}

// String describes the event without its data.
func (e *Event) String() string {
	if e == nil {
		return "<nil event>"
	}
	return fmt.Sprintf("%s #%d on shard %d (%d bytes)", e.Type, e.Seq, e.Shard, len(e.Data))
}
