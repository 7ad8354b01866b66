package cache

import "sync"

// oldSlots is how many events back, per shard, Old still finds the
// previous object: enough for a queued handler running a little behind
// its shard; inline handlers always find it.
const oldSlots = 256

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
