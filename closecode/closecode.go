// Package closecode names the Discord gateway close codes and the policy a
// client follows after each: resume the session, start a new one, or stop.
//
// Start with [Code.Action]. The policy is docs/protocol.md §5's "safe policy":
// resume when a session exists and the code allows reconnecting, except after
// 4003, 4007 and 4009, which invalidate the session; never reconnect after a
// fatal code (4004, 4010–4014).
package closecode

import "strconv"

// Code is a WebSocket close code as the gateway uses it.
type Code int

// WebSocket close codes with gateway meaning.
const (
	// Normal (1000) and GoingAway (1001), when the client sends them,
	// invalidate the session: the bot appears offline and cannot resume.
	// When the server sends them the client resumes.
	Normal    Code = 1000
	GoingAway Code = 1001
	// Abnormal (1006) is never sent on the wire; it stands for a connection
	// that dropped without a close frame. The session stays resumable.
	Abnormal Code = 1006
)

// Gateway close codes (docs/protocol.md §5). 4006 is a voice code only.
const (
	UnknownError         Code = 4000
	UnknownOpcode        Code = 4001
	DecodeError          Code = 4002
	NotAuthenticated     Code = 4003
	AuthenticationFailed Code = 4004
	AlreadyAuthenticated Code = 4005
	InvalidSeq           Code = 4007
	RateLimited          Code = 4008
	SessionTimedOut      Code = 4009
	InvalidShard         Code = 4010
	ShardingRequired     Code = 4011
	InvalidAPIVersion    Code = 4012
	InvalidIntents       Code = 4013
	DisallowedIntents    Code = 4014
)

// Resumable is the close code a client sends when it closes on purpose but
// wants to resume later: any code other than 1000 and 1001 keeps the session
// alive on Discord's side. 4000 is the conventional choice.
const Resumable = UnknownError

// All lists the documented gateway close codes (4000–4014, without 4006).
var All = []Code{
	UnknownError, UnknownOpcode, DecodeError, NotAuthenticated, AuthenticationFailed,
	AlreadyAuthenticated, InvalidSeq, RateLimited, SessionTimedOut, InvalidShard,
	ShardingRequired, InvalidAPIVersion, InvalidIntents, DisallowedIntents,
}

// Action is what a client does after the connection closed with a code.
type Action int

const (
	// Resume opens a new connection to the resume URL and sends Resume, if a
	// session exists; otherwise it identifies.
	Resume Action = iota
	// Reidentify drops the session and identifies on a new connection.
	Reidentify
	// Fatal stops: reconnecting cannot succeed without a change of
	// configuration (token, shard count, version or intents).
	Fatal
)

// String returns "resume", "reidentify" or "fatal".
func (a Action) String() string {
	switch a {
	case Resume:
		return "resume"
	case Reidentify:
		return "reidentify"
	case Fatal:
		return "fatal"
	}
	return "Action(" + strconv.Itoa(int(a)) + ")"
}

var names = map[Code]string{
	Normal:               "normal closure",
	GoingAway:            "going away",
	Abnormal:             "abnormal closure",
	UnknownError:         "unknown error",
	UnknownOpcode:        "unknown opcode",
	DecodeError:          "decode error",
	NotAuthenticated:     "not authenticated",
	AuthenticationFailed: "authentication failed",
	AlreadyAuthenticated: "already authenticated",
	InvalidSeq:           "invalid seq",
	RateLimited:          "rate limited",
	SessionTimedOut:      "session timed out",
	InvalidShard:         "invalid shard",
	ShardingRequired:     "sharding required",
	InvalidAPIVersion:    "invalid API version",
	InvalidIntents:       "invalid intent(s)",
	DisallowedIntents:    "disallowed intent(s)",
}

// String returns the code and its documented name, such as
// "4004 authentication failed".
func (c Code) String() string {
	if n, ok := names[c]; ok {
		return strconv.Itoa(int(c)) + " " + n
	}
	return strconv.Itoa(int(c))
}

// Known reports whether c is a documented gateway close code or one of the
// WebSocket codes named in this package.
func (c Code) Known() bool {
	_, ok := names[c]
	return ok
}

// Action returns the policy for a close the server initiated (or a dropped
// connection, [Abnormal]). Undocumented codes resume: the docs say any code
// other than the fatal ones may reconnect.
func (c Code) Action() Action {
	switch c {
	case AuthenticationFailed, InvalidShard, ShardingRequired, InvalidAPIVersion, InvalidIntents, DisallowedIntents:
		return Fatal
	case NotAuthenticated, InvalidSeq, SessionTimedOut:
		return Reidentify
	}
	return Resume
}

// Fatal reports whether reconnecting after c is pointless (4004, 4010–4014).
func (c Code) Fatal() bool { return c.Action() == Fatal }

// InvalidatesWhenSent reports whether a client that closes with c ends its
// session on Discord's side (1000 and 1001). Any other code leaves the
// session resumable for a few minutes.
func (c Code) InvalidatesWhenSent() bool { return c == Normal || c == GoingAway }
