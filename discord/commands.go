package discord

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/gatewaykit/gateway/encoding"
	"github.com/gatewaykit/gateway/opcode"
)

// The gateway commands a bot sends, typed. Each has Op, the command's op
// code, and AppendPayload, which validates it and appends its d as JSON:
// that is the whole of what a shard needs to send one, so a shard runner
// takes them through a two-method interface of its own (gatewayutil's
// Command) without depending on this package. Commands are rare (at most
// 120 a minute per connection), so they are encoded with strconv and a
// hand-written writer, not the generated decoders' machinery.

// ErrInvalidCommand is returned (wrapped) by AppendPayload when a command
// would be refused by the gateway: a missing guild, an unknown status, a
// nonce over 32 bytes, more than 100 user ids...
var ErrInvalidCommand = errors.New("discord: invalid gateway command")

func invalid(op opcode.Opcode, format string, args ...any) error {
	return fmt.Errorf("%w: op %d (%v): %s", ErrInvalidCommand, int(op), op, fmt.Sprintf(format, args...))
}

// The statuses a bot may set with UpdatePresence.
const (
	StatusOnline    = "online"
	StatusIdle      = "idle"
	StatusDND       = "dnd"
	StatusInvisible = "invisible"
	StatusOffline   = "offline"
)

// UpdatePresence is op 3, Update Presence: the bot's status and activities
// on the connection's shard.
type UpdatePresence struct {
	// Since is when the bot went idle, in Unix milliseconds; 0 sends null
	// (not idle).
	Since int64
	// Activities are what the bot is doing; nil sends an empty list.
	Activities []PresenceActivity
	// Status is one of StatusOnline, StatusIdle, StatusDND,
	// StatusInvisible, StatusOffline; empty means StatusOnline.
	Status string
	// AFK tells whether the bot is away.
	AFK bool
}

// PresenceActivity is an activity as a bot may set it: only name, type,
// url (streaming) and state (a custom status's text) are accepted from
// bots.
type PresenceActivity struct {
	// Name is the activity's name (for a custom status, anything; Discord
	// shows State).
	Name string
	// Type is the kind of activity (0 playing, 1 streaming, 2 listening, 3
	// watching, 4 custom, 5 competing).
	Type ActivityType
	// URL is a stream's URL, sent only with Type 1 (streaming).
	URL string
	// State is a custom status's text, or the activity's state line.
	State string
}

// Op returns opcode.PresenceUpdate.
func (UpdatePresence) Op() opcode.Opcode { return opcode.PresenceUpdate }

// AppendPayload validates p and appends its d.
func (p UpdatePresence) AppendPayload(dst []byte) ([]byte, error) {
	status := p.Status
	switch status {
	case "":
		status = StatusOnline
	case StatusOnline, StatusIdle, StatusDND, StatusInvisible, StatusOffline:
	default:
		return dst, invalid(p.Op(), "unknown status %q", status)
	}
	for i, a := range p.Activities {
		if a.Name == "" {
			return dst, invalid(p.Op(), "activity %d has no name", i)
		}
	}
	dst = append(dst, `{"since":`...)
	if p.Since > 0 {
		dst = strconv.AppendInt(dst, p.Since, 10)
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `,"activities":[`...)
	for i, a := range p.Activities {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"name":`...)
		dst = encoding.AppendQuoted(dst, a.Name)
		dst = append(dst, `,"type":`...)
		dst = strconv.AppendInt(dst, int64(a.Type), 10)
		if a.URL != "" {
			dst = append(dst, `,"url":`...)
			dst = encoding.AppendQuoted(dst, a.URL)
		}
		if a.State != "" {
			dst = append(dst, `,"state":`...)
			dst = encoding.AppendQuoted(dst, a.State)
		}
		dst = append(dst, '}')
	}
	dst = append(dst, `],"status":"`...)
	dst = append(dst, status...)
	dst = append(dst, `","afk":`...)
	dst = strconv.AppendBool(dst, p.AFK)
	return append(dst, '}'), nil
}

// UpdateVoiceState is op 4, Update Voice State: join, move between or
// leave (ChannelID 0) a guild's voice channels. It must go to the shard
// that owns the guild; Guild tells a shard manager which one.
type UpdateVoiceState struct {
	// GuildID is the guild whose voice the bot joins, moves in or leaves;
	// it decides the shard.
	GuildID Snowflake
	// ChannelID is the channel to join; 0 sends null, which leaves.
	ChannelID Snowflake
	// SelfMute mutes the bot's own microphone.
	SelfMute bool
	// SelfDeaf deafens the bot.
	SelfDeaf bool
}

// Op returns opcode.VoiceStateUpdate.
func (UpdateVoiceState) Op() opcode.Opcode { return opcode.VoiceStateUpdate }

// Guild returns the guild the command is for, which decides its shard.
func (v UpdateVoiceState) Guild() uint64 { return uint64(v.GuildID) }

// AppendPayload validates v and appends its d.
func (v UpdateVoiceState) AppendPayload(dst []byte) ([]byte, error) {
	if v.GuildID == 0 {
		return dst, invalid(v.Op(), "no guild id")
	}
	dst = append(dst, `{"guild_id":`...)
	dst = v.GuildID.appendJSON(dst)
	dst = append(dst, `,"channel_id":`...)
	dst = v.ChannelID.appendJSON(dst) // 0 is null
	dst = append(dst, `,"self_mute":`...)
	dst = strconv.AppendBool(dst, v.SelfMute)
	dst = append(dst, `,"self_deaf":`...)
	dst = strconv.AppendBool(dst, v.SelfDeaf)
	return append(dst, '}'), nil
}

// MaxNonceLength is the longest nonce the gateway echoes; a longer one is
// silently dropped by Discord, so AppendPayload refuses it.
const MaxNonceLength = 32

// RequestGuildMembers is op 8, Request Guild Members: the guild's members
// whose username starts with Query (an empty Query with Limit 0 asks for
// all of them, which needs the GUILD_MEMBERS intent), or the members with
// the given UserIDs (at most 100). The answer comes as GUILD_MEMBERS_CHUNK
// dispatches carrying Nonce.
type RequestGuildMembers struct {
	// GuildID is the guild whose members are asked for; it decides the
	// shard.
	GuildID Snowflake
	// Query is the username prefix; used when UserIDs is empty.
	Query string
	// Limit is the most members to return; 0 means no limit with an empty
	// Query (all members), 100 otherwise.
	Limit int
	// Presences asks for the members' presences too (needs the
	// GUILD_PRESENCES intent).
	Presences bool
	// UserIDs, if set, asks for these members instead of a query.
	UserIDs []Snowflake
	// Nonce identifies the answer's chunks; at most 32 bytes.
	Nonce string
}

// Op returns opcode.RequestGuildMembers.
func (RequestGuildMembers) Op() opcode.Opcode { return opcode.RequestGuildMembers }

// Guild returns the guild the command is for, which decides its shard.
func (r RequestGuildMembers) Guild() uint64 { return uint64(r.GuildID) }

// RequestNonce returns the nonce the answer's chunks carry.
func (r RequestGuildMembers) RequestNonce() string { return r.Nonce }

// AppendPayload validates r and appends its d.
func (r RequestGuildMembers) AppendPayload(dst []byte) ([]byte, error) {
	switch {
	case r.GuildID == 0:
		return dst, invalid(r.Op(), "no guild id")
	case len(r.Nonce) > MaxNonceLength:
		return dst, invalid(r.Op(), "nonce of %d bytes, more than %d", len(r.Nonce), MaxNonceLength)
	case len(r.UserIDs) > 100:
		return dst, invalid(r.Op(), "%d user ids, more than 100", len(r.UserIDs))
	case r.Limit < 0:
		return dst, invalid(r.Op(), "negative limit %d", r.Limit)
	case len(r.UserIDs) > 0 && r.Query != "":
		return dst, invalid(r.Op(), "both a query and user ids")
	}
	dst = append(dst, `{"guild_id":`...)
	dst = r.GuildID.appendJSON(dst)
	if len(r.UserIDs) > 0 {
		dst = append(dst, `,"user_ids":`...)
		dst = appendSnowflakes(dst, r.UserIDs)
		if r.Limit > 0 {
			dst = append(dst, `,"limit":`...)
			dst = strconv.AppendInt(dst, int64(r.Limit), 10)
		}
	} else {
		dst = append(dst, `,"query":`...)
		dst = encoding.AppendQuoted(dst, r.Query)
		dst = append(dst, `,"limit":`...)
		dst = strconv.AppendInt(dst, int64(r.Limit), 10)
	}
	if r.Presences {
		dst = append(dst, `,"presences":true`...)
	}
	if r.Nonce != "" {
		dst = append(dst, `,"nonce":`...)
		dst = encoding.AppendQuoted(dst, r.Nonce)
	}
	return append(dst, '}'), nil
}

// RequestSoundboardSounds is op 31, Request Soundboard Sounds: one
// SOUNDBOARD_SOUNDS dispatch comes back for each guild.
type RequestSoundboardSounds struct {
	// GuildIDs are the guilds whose soundboard sounds are asked for; each
	// answer comes on the guild's shard.
	GuildIDs []Snowflake
}

// Op returns opcode.RequestSoundboardSounds.
func (RequestSoundboardSounds) Op() opcode.Opcode { return opcode.RequestSoundboardSounds }

// Guilds returns the guilds the command asks about.
func (r RequestSoundboardSounds) Guilds() []uint64 {
	out := make([]uint64, len(r.GuildIDs))
	for i, g := range r.GuildIDs {
		out[i] = uint64(g)
	}
	return out
}

// AppendPayload validates r and appends its d.
func (r RequestSoundboardSounds) AppendPayload(dst []byte) ([]byte, error) {
	if len(r.GuildIDs) == 0 {
		return dst, invalid(r.Op(), "no guild ids")
	}
	for _, g := range r.GuildIDs {
		if g == 0 {
			return dst, invalid(r.Op(), "a zero guild id")
		}
	}
	dst = append(dst, `{"guild_ids":`...)
	dst = appendSnowflakes(dst, r.GuildIDs)
	return append(dst, '}'), nil
}

// The fields RequestChannelInfo may ask for.
const (
	ChannelInfoStatus         = "status"
	ChannelInfoVoiceStartTime = "voice_start_time"
)

// RequestChannelInfo is op 43, Request Channel Info: the status and voice
// start time of a guild's voice channels, answered with CHANNEL_INFO.
type RequestChannelInfo struct {
	// GuildID is the guild whose channels are asked about; it decides the
	// shard.
	GuildID Snowflake
	// Fields are ChannelInfoStatus and/or ChannelInfoVoiceStartTime; nil
	// asks for both.
	Fields []string
}

// Op returns opcode.RequestChannelInfo.
func (RequestChannelInfo) Op() opcode.Opcode { return opcode.RequestChannelInfo }

// Guild returns the guild the command is for, which decides its shard.
func (r RequestChannelInfo) Guild() uint64 { return uint64(r.GuildID) }

// AppendPayload validates r and appends its d.
func (r RequestChannelInfo) AppendPayload(dst []byte) ([]byte, error) {
	if r.GuildID == 0 {
		return dst, invalid(r.Op(), "no guild id")
	}
	fields := r.Fields
	if fields == nil {
		fields = []string{ChannelInfoStatus, ChannelInfoVoiceStartTime}
	}
	if len(fields) == 0 {
		return dst, invalid(r.Op(), "no fields")
	}
	for _, f := range fields {
		if f != ChannelInfoStatus && f != ChannelInfoVoiceStartTime {
			return dst, invalid(r.Op(), "unknown field %q", f)
		}
	}
	dst = append(dst, `{"guild_id":`...)
	dst = r.GuildID.appendJSON(dst)
	dst = append(dst, `,"fields":`...)
	dst = appendStrs(dst, fields)
	return append(dst, '}'), nil
}
