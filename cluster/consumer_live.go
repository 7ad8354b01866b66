package cluster

import (
	"strconv"

	"github.com/nats-io/nats.go"
)

// liveVerdict is what a live partition does with a message.
type liveVerdict int

const (
	liveHandle     liveVerdict = iota
	liveStale                  // from an older owner, or a superseded session
	liveRepeat                 // at or below the last seq handled of its session
	liveUnverified             // a takeover replay this partition cannot check
	liveMalformed              // no seq
)

// liveGate decides, for one partition (one shard, consumed on one
// goroutine), which live messages reach the handlers. It makes a repeat or a
// reversal impossible, whatever NATS delivers:
//
//   - Fencing: a message whose HeaderEpoch (the owner's lease revision) is
//     below the highest seen is from an owner that lost the shard: dropped.
//   - Per session, a seq at or below the last handled is dropped, and so is
//     an event of a session the shard has left (a new one began after it).
//   - A message marked HeaderReplay (a takeover's replay, which the previous
//     owner may have published) is handled only if this partition has
//     followed its session; otherwise a previous worker may have handled it,
//     and it is dropped and counted (Unverified) instead.
//
// An unmarked event is new from the gateway: its owner published every
// earlier event of the session before it, so no worker can have handled it
// or anything after it. The first one of a session sets the baseline.
type liveGate struct {
	epoch   uint64
	session string
	last    int64 // last seq handled of session; 0 = none
	// old are the sessions this partition saw superseded, newest last
	// (a gateway session never comes back once a new one began).
	old [4]string
}

// superseded reports whether session was left for a newer one.
func (g *liveGate) superseded(session string) bool {
	for _, s := range g.old {
		if s != "" && s == session {
			return true
		}
	}
	return false
}

// admit returns the verdict for a message with headers h, its seq, and
// whether the partition is known to have missed events of the session just
// before it (HeaderPrev ahead of the last seq handled).
func (g *liveGate) admit(h nats.Header) (v liveVerdict, seq int64, gap bool) {
	seq, err := strconv.ParseInt(h.Get(HeaderSeq), 10, 64)
	if err != nil || seq <= 0 {
		return liveMalformed, 0, false
	}
	if es := h.Get(HeaderEpoch); es != "" {
		epoch, err := strconv.ParseUint(es, 10, 64)
		if err != nil {
			return liveMalformed, 0, false
		}
		if epoch < g.epoch {
			return liveStale, seq, false
		}
		g.epoch = epoch
	}
	session := h.Get(HeaderSession)
	replay := h.Get(HeaderReplay) != ""
	if session != g.session || g.last == 0 {
		if g.superseded(session) {
			return liveStale, seq, false
		}
		if replay {
			return liveUnverified, seq, false
		}
		if g.session != "" && g.session != session {
			copy(g.old[:], g.old[1:])
			g.old[len(g.old)-1] = g.session
		}
		g.session, g.last = session, seq
		return liveHandle, seq, false
	}
	if seq <= g.last {
		return liveRepeat, seq, false
	}
	if ps := h.Get(HeaderPrev); ps != "" {
		if prev, err := strconv.ParseInt(ps, 10, 64); err == nil && prev > g.last {
			gap = true
		}
	}
	g.last = seq
	return liveHandle, seq, gap
}
