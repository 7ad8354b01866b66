package gateway

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/vmihailenco/msgpack/v5"
)

// Session is what a new Client needs to resume where a closed one stopped:
// the session id and resume URL from READY, the last sequence number
// received, and the shard it belongs to.
//
// A Session round-trips through msgpack ([Session.MarshalBinary]) so that a
// restarted process, or another machine, can resume it.
type Session struct {
	ID         string `msgpack:"id" json:"session_id"`
	Seq        int64  `msgpack:"seq" json:"seq"`
	ResumeURL  string `msgpack:"resume_url" json:"resume_gateway_url"`
	ShardID    int    `msgpack:"shard_id" json:"shard_id"`
	ShardCount int    `msgpack:"shard_count" json:"shard_count"`
}

// Bounds on what a READY may set. Discord's session ids are 32 hexadecimal
// digits and its resume URLs some 40 bytes; the bounds leave room for
// other servers while keeping a Resume (token, session id, seq) far below
// [MaxPayloadSize]. A READY beyond them is a protocol violation: its session
// is not kept, so the next connection identifies instead of sending a
// Resume that could never be sent.
const (
	// MaxSessionIDLength is the longest session id kept, in bytes.
	MaxSessionIDLength = 256
	// MaxResumeURLLength is the longest resume_gateway_url kept, in bytes.
	MaxResumeURLLength = 512
)

// Resumable reports whether s holds what a Resume needs: a session id.
func (s Session) Resumable() bool { return s.ID != "" }

// CanResume reports whether s can be resumed by a client configured for
// shard [shardID, shardCount]: the session must exist, be within the
// bounds [Session.Validate] checks, and belong to the same shard of the same
// shard count, or the events it would replay would be routed to the wrong
// shard.
func (s Session) CanResume(shardID, shardCount int) bool {
	return s.Resumable() && s.ShardID == shardID && s.ShardCount == shardCount && s.Validate() == nil
}

// Validate checks what a server set: the session id is at most
// [MaxSessionIDLength] printable ASCII characters, and the resume URL, if
// any, is a ws:// or wss:// URL with a host and no user information, at
// most [MaxResumeURLLength] printable ASCII characters. The error matches
// [ErrBadSession] and quotes neither value (only their lengths), since they
// came from the peer.
func (s Session) Validate() error {
	if len(s.ID) > MaxSessionIDLength || !printableASCII(s.ID) {
		return fmt.Errorf("gateway: %w: session id of %d bytes is not 1 to %d printable ASCII characters", ErrBadSession, len(s.ID), MaxSessionIDLength)
	}
	if s.ResumeURL == "" {
		return nil
	}
	if len(s.ResumeURL) > MaxResumeURLLength || !printableASCII(s.ResumeURL) {
		return fmt.Errorf("gateway: %w: resume URL of %d bytes is not 1 to %d printable ASCII characters", ErrBadSession, len(s.ResumeURL), MaxResumeURLLength)
	}
	u, err := url.Parse(s.ResumeURL)
	if err != nil || (!strings.EqualFold(u.Scheme, "ws") && !strings.EqualFold(u.Scheme, "wss")) || u.Host == "" || u.User != nil {
		return fmt.Errorf("gateway: %w: resume URL is not a ws:// or wss:// URL with a host", ErrBadSession)
	}
	return nil
}

// printableASCII reports whether s holds only characters from '!' to '~'.
func printableASCII(s string) bool {
	for i := range len(s) {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// String describes the session without anything secret.
func (s Session) String() string {
	return fmt.Sprintf("session %s seq %d shard [%d, %d]", s.ID, s.Seq, s.ShardID, s.ShardCount)
}

// MarshalBinary encodes s with msgpack.
func (s Session) MarshalBinary() ([]byte, error) {
	type plain Session
	return msgpack.Marshal(plain(s))
}

// UnmarshalBinary decodes a Session written by MarshalBinary.
func (s *Session) UnmarshalBinary(b []byte) error {
	type plain Session
	var p plain
	if err := msgpack.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("gateway: decoding session: %w", errors.Join(ErrBadSession, err))
	}
	*s = Session(p)
	return nil
}

// ErrBadSession is matched by errors about a Session that cannot be used.
var ErrBadSession = errors.New("bad session")
