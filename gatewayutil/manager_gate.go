package gatewayutil

import (
	"context"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatewaykit/gateway/event"
)

// gateMode says what a shard set's gate does with its events.
type gateMode int32

const (
	// gateOpen passes every event on: the normal state of a live set.
	gateOpen gateMode = iota
	// gateClosed drops every event: a new set warming up during a
	// reshard, or an old one that has been switched off.
	gateClosed
	// gateDedupe passes events on unless the other set already delivered
	// the same one: both sets are live during a reshard's overlap.
	gateDedupe
)

// gateSink stands between a shard set and the user's sink, so a reshard
// can switch sets over without losing or (within the overlap) repeating
// events.
type gateSink struct {
	mode   atomic.Int32
	tag    uint8 // which set this is, for the dedupe filter
	next   EventSink
	filter atomic.Pointer[dedupeFilter]

	mu       sync.Mutex
	caughtUp map[int]bool // shards that delivered an event the other set had already delivered

	// lastRepeat is when (unix ns) this set last received an event the
	// other set had delivered first: while such repeats keep arriving, the
	// set is still behind the other one.
	lastRepeat atomic.Int64
}

func newGateSink(next EventSink, mode gateMode, tag uint8) *gateSink {
	g := &gateSink{next: next, tag: tag}
	g.mode.Store(int32(mode))
	return g
}

// set switches the gate. Entering dedupe stores the filter before the
// mode, leaving it the mode before clearing the filter, and Dispatch loads
// the filter before the mode: a Dispatch that sees gateDedupe then always
// has its filter (or retries), so no event slips past the filter while
// the gate switches, which delivered events twice.
func (g *gateSink) set(mode gateMode, f *dedupeFilter) {
	if mode == gateDedupe {
		g.filter.Store(f)
		g.mode.Store(int32(mode))
		return
	}
	g.mode.Store(int32(mode))
	g.filter.Store(f)
}

// Dispatch implements EventSink.
func (g *gateSink) Dispatch(ctx context.Context, e *Event) error {
	for retried := false; ; retried = true {
		f := g.filter.Load()
		mode := gateMode(g.mode.Load())
		if mode == gateClosed {
			return nil
		}
		if mode == gateDedupe {
			if f == nil {
				if !retried {
					continue // the gate is switching: look again
				}
				break
			}
			first, by := f.first(e, g.tag)
			if !first {
				if by != g.tag {
					g.lastRepeat.Store(time.Now().UnixNano())
					g.markCaughtUp(e.Shard)
				}
				return nil
			}
		}
		break
	}
	if g.next == nil {
		return nil
	}
	return g.next.Dispatch(ctx, e)
}

// markCaughtUp records that a shard of this set received an event the other
// set delivered first. Each shard's events arrive in order, so the shard
// has delivered everything sent to it before that event.
func (g *gateSink) markCaughtUp(shard int) {
	g.mu.Lock()
	if g.caughtUp == nil {
		g.caughtUp = map[int]bool{}
	}
	g.caughtUp[shard] = true
	g.mu.Unlock()
}

func (g *gateSink) isCaughtUp(shard int) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.caughtUp[shard]
}

// dedupeFilter remembers every event delivered during a reshard, by a hash
// of type and data, and which shard set delivered it, so that the same
// event received by both sets is delivered once. It lives only for the
// reshard (a few seconds of events, a map entry each). Two different events
// with identical type and data within it are indistinguishable and
// delivered once too; Discord itself may repeat events (docs/protocol.md §12.4),
// so handlers must be idempotent anyway.
//
// It also records which shards of the old set (tag oldTag, oldCount shards)
// owe an event: the new set delivered it first, and it is routed to them
// too, so they have not caught up until it reaches them, however quiet they
// look (a shard busy with a backlog, or not scheduled on a loaded machine,
// publishes no progress).
type dedupeFilter struct {
	seed     maphash.Seed
	oldTag   uint8
	oldCount int
	mu       sync.Mutex
	seen     map[uint64]uint8
	owed     map[int]bool // old shards the new set delivered an event for first
}

func newDedupeFilter(oldTag uint8, oldCount int) *dedupeFilter {
	return &dedupeFilter{seed: maphash.MakeSeed(), oldTag: oldTag, oldCount: oldCount, seen: make(map[uint64]uint8), owed: make(map[int]bool)}
}

// owes reports whether the new set delivered first an event that old
// shard id will receive too.
func (f *dedupeFilter) owes(id int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.owed[id]
}

// routedToBoth reports whether an event reaches the shards of both sets
// that own its guild: every event except those a session gets for its own
// connection (READY, RESUMED, and the GUILD_CREATEs that follow READY).
func routedToBoth(typ string) bool {
	switch typ {
	case event.Ready, event.Resumed, event.GuildCreate:
		return false
	}
	return true
}

// first reports whether e is seen for the first time, and otherwise which
// set's tag saw it first.
func (f *dedupeFilter) first(e *Event, tag uint8) (bool, uint8) {
	var h maphash.Hash
	h.SetSeed(f.seed)
	h.WriteString(e.Type)
	h.WriteByte(0)
	h.Write(e.Data)
	key := h.Sum64()
	f.mu.Lock()
	defer f.mu.Unlock()
	if by, ok := f.seen[key]; ok {
		return false, by
	}
	f.seen[key] = tag
	if tag != f.oldTag && routedToBoth(e.Type) {
		f.owed[ShardForGuild(guildOf(e.Type, e.Data), f.oldCount)] = true
	}
	return true, tag
}
