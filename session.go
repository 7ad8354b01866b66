package gateway

import (
	"errors"
	"fmt"

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

// Resumable reports whether s holds what a Resume needs: a session id.
func (s Session) Resumable() bool { return s.ID != "" }

// CanResume reports whether s can be resumed by a client configured for
// shard [shardID, shardCount]: the session must exist and belong to the same
// shard of the same shard count, or the events it would replay would be
// routed to the wrong shard.
func (s Session) CanResume(shardID, shardCount int) bool {
	return s.Resumable() && s.ShardID == shardID && s.ShardCount == shardCount
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
