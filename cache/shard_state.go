package cache

import (
	"sync"

	"github.com/gatewaykit/gateway/gatewayutil"
)

// oldSlots is how many events back, per shard, Old still finds the
// previous object: enough for a queued handler running a little behind
// its shard; inline handlers always find it.
const oldSlots = 256

// shardKey is a shard as it identified: its id and its shard count, and
// the generation of the Manager's shard set that runs it
// (gatewayutil.Event.ShardSet). Two shard sets deliver side by side during
// a zero-downtime reshard, their ids repeating, and with a reshard to the
// same count their counts too; each keeps its own sequence numbers.
type shardKey struct {
	id, count, set int
}

// keyOf returns the shard that received e. A count of 0 (an event made by
// hand) means one shard, as in gatewayutil.Config.
func keyOf(e *gatewayutil.Event) shardKey { return shardKey{e.Shard, max(e.ShardCount, 1), e.ShardSet} }

// routes reports whether Discord routes guild id to shard k:
// (id >> 22) % count == shard id. A count below 1 routes nothing.
func (k shardKey) routes(id Snowflake) bool {
	return k.count >= 1 && int(uint64(id)>>22%uint64(k.count)) == k.id
}

// shardState is what the cache tracks per shard: the session and the last
// sequence number applied (so that a resume's replay is applied once) and
// the previous objects of the latest update and delete events.
type shardState struct {
	mu        sync.Mutex
	sessionID string
	lastSeq   int64
	old       [oldSlots]oldSlot
}

type oldSlot struct {
	seq int64
	typ string
	v   any
}

// fresh reports whether an event with sequence number seq has not been
// applied yet, and records it as applied. READY starts a new session and
// is always fresh.
func (s *shardState) fresh(seq int64, ready bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ready {
		s.lastSeq = seq
		return true
	}
	if seq > 0 && seq <= s.lastSeq {
		return false
	}
	if seq > 0 {
		s.lastSeq = seq
	}
	return true
}

func (s *shardState) setOld(seq int64, typ string, v any) {
	if seq <= 0 {
		return
	}
	s.mu.Lock()
	s.old[seq%oldSlots] = oldSlot{seq: seq, typ: typ, v: v}
	s.mu.Unlock()
}

func (s *shardState) getOld(seq int64, typ string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl := s.old[seq%oldSlots]
	if seq <= 0 || sl.seq != seq || sl.typ != typ {
		return nil, false
	}
	return sl.v, true
}
