// Package opcode names the Discord gateway op codes and tells which side
// sends each one.
//
// Start with [Opcode]; [Opcode.Sendable] and [Opcode.Receivable] give the
// direction from the client's point of view.
package opcode

import "strconv"

// Opcode is a gateway payload type: the "op" field of every message.
type Opcode int

// Every op code the gateway documents (docs/protocol.md §3).
const (
	Dispatch                Opcode = 0  // receive: an event, with "t" and "s" set
	Heartbeat               Opcode = 1  // send and receive: keep-alive, or a server request for one
	Identify                Opcode = 2  // send: start a new session
	PresenceUpdate          Opcode = 3  // send: update the client's presence
	VoiceStateUpdate        Opcode = 4  // send: join, move or leave a voice channel
	Resume                  Opcode = 6  // send: resume a disconnected session
	Reconnect               Opcode = 7  // receive: reconnect and resume now
	RequestGuildMembers     Opcode = 8  // send: request members of a guild
	InvalidSession          Opcode = 9  // receive: the session is invalid; d says if resumable
	Hello                   Opcode = 10 // receive: first message, carries heartbeat_interval
	HeartbeatACK            Opcode = 11 // receive: acknowledges a heartbeat
	RequestSoundboardSounds Opcode = 31 // send: request soundboard sounds for guilds
	RequestChannelInfo      Opcode = 43 // send: request ephemeral channel data for a guild
)

// All lists every documented op code in ascending order.
var All = []Opcode{
	Dispatch, Heartbeat, Identify, PresenceUpdate, VoiceStateUpdate, Resume,
	Reconnect, RequestGuildMembers, InvalidSession, Hello, HeartbeatACK,
	RequestSoundboardSounds, RequestChannelInfo,
}

type info struct {
	name          string
	send, receive bool
}

var table = map[Opcode]info{
	Dispatch:                {"DISPATCH", false, true},
	Heartbeat:               {"HEARTBEAT", true, true},
	Identify:                {"IDENTIFY", true, false},
	PresenceUpdate:          {"PRESENCE_UPDATE", true, false},
	VoiceStateUpdate:        {"VOICE_STATE_UPDATE", true, false},
	Resume:                  {"RESUME", true, false},
	Reconnect:               {"RECONNECT", false, true},
	RequestGuildMembers:     {"REQUEST_GUILD_MEMBERS", true, false},
	InvalidSession:          {"INVALID_SESSION", false, true},
	Hello:                   {"HELLO", false, true},
	HeartbeatACK:            {"HEARTBEAT_ACK", false, true},
	RequestSoundboardSounds: {"REQUEST_SOUNDBOARD_SOUNDS", true, false},
	RequestChannelInfo:      {"REQUEST_CHANNEL_INFO", true, false},
}

// String returns the op code's documented name, such as "HEARTBEAT_ACK", or
// "OPCODE(n)" for an undocumented one.
func (o Opcode) String() string {
	if i, ok := table[o]; ok {
		return i.name
	}
	return "OPCODE(" + strconv.Itoa(int(o)) + ")"
}

// Known reports whether the gateway documents this op code.
func (o Opcode) Known() bool {
	_, ok := table[o]
	return ok
}

// Sendable reports whether a client may send this op code. Sending anything
// else makes the gateway close the connection with 4001.
func (o Opcode) Sendable() bool { return table[o].send }

// Receivable reports whether the gateway sends this op code to clients.
func (o Opcode) Receivable() bool { return table[o].receive }

// Command reports whether the op code is an ordinary command a running
// session may send through a shard's Send: presence, voice state, guild
// members, soundboard sounds and channel info. Heartbeat, Identify and
// Resume are managed by the session itself.
func (o Opcode) Command() bool {
	switch o {
	case PresenceUpdate, VoiceStateUpdate, RequestGuildMembers, RequestSoundboardSounds, RequestChannelInfo:
		return true
	}
	return false
}
