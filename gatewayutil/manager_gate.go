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
// events. It stamps every event with its set's generation
// ([Event.ShardSet]).
type gateSink struct {
	mode   atomic.Int32
	tag    int // which set this is: its generation
	next   EventSink
	filter atomic.Pointer[dedupeFilter]

	mu       sync.Mutex
	caughtUp map[int]bool // shards that delivered an event the other set had already delivered

	// lastRepeat is when (unix ns) this set last received an event the
	// other set had delivered first: while such repeats keep arriving, the
	// set is still behind the other one.
	lastRepeat atomic.Int64
}

func newGateSink(next EventSink, mode gateMode, tag int) *gateSink {
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
			if f.repeat(e, g.tag) {
				g.lastRepeat.Store(time.Now().UnixNano())
				g.markCaughtUp(e.Shard)
				return nil
			}
		}
		break
	}
	if g.next == nil {
		return nil
	}
	e.ShardSet = g.tag
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

// maxFilterCredits bounds a dedupe filter's memory: it remembers at most
// this many delivered events that the other set has not repeated yet (a
// map entry and 8 bytes of ring each, some 50 MB at the very most). Past
// it the oldest is forgotten, so a repeat that comes later than this many
// events is delivered a second time; in a reshard's overlap repeats come
// within seconds, and a bot's whole traffic during those seconds fits.
const maxFilterCredits = 1 << 20

// dedupeFilter matches the events the two shard sets deliver during a
// reshard: the same Discord event reaches the shards of both sets that own
// its guild, and is delivered by whichever set gets it first. It knows
// events by a hash of type and data, and counts, for each, how many more
// copies one set delivered than the other: a set's event is a repeat only
// if the OTHER set delivered more copies of it so far, and a repeat
// consumes one such copy. An event is never taken for a repeat of its own
// set's (two identical events, or a re-identified session's, are separate
// events for that set), and a matched pair is forgotten at once.
//
// Events a session gets for its own connection are never filtered: READY
// and RESUMED, and GUILD_CREATE, a snapshot of a guild that a session
// receives after every READY (a re-identify during the overlap sends the
// same ones again, and a cache that misses them keeps the guilds
// unavailable). A GUILD_CREATE that both sets receive (a guild joined or
// back from an outage during the overlap) is then delivered by each: a
// snapshot applied twice leaves the same state.
//
// It also records which shards of the old set (tag oldTag, oldCount shards)
// owe an event: the new set delivered it first, and it is routed to them
// too, so they have not caught up until it reaches them, however quiet they
// look (a shard busy with a backlog, or not scheduled on a loaded machine,
// publishes no progress).
type dedupeFilter struct {
	seed     maphash.Seed
	oldTag   int
	oldCount int
	limit    int // maxFilterCredits; smaller in tests

	mu sync.Mutex
	// ahead counts, by event key, how many more copies the old set
	// delivered than the new one (negative: the new set is ahead). Keys
	// at 0 are deleted.
	ahead map[uint64]int32
	// credits lists the keys of delivered copies in delivery order, a ring
	// of at most limit entries starting at head: when it is full, the
	// oldest copy still unmatched is forgotten.
	credits []uint64
	head    int
	owed    map[int]bool // old shards the new set delivered an event for first
}

func newDedupeFilter(oldTag, oldCount int) *dedupeFilter {
	return &dedupeFilter{seed: maphash.MakeSeed(), oldTag: oldTag, oldCount: oldCount, limit: maxFilterCredits, ahead: make(map[uint64]int32), owed: make(map[int]bool)}
}

// owes reports whether the new set delivered first an event that old
// shard id will receive too.
func (f *dedupeFilter) owes(id int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.owed[id]
}

// filtered reports whether events of a type go through the filter: every
// type except those a session gets for its own connection (READY, RESUMED,
// and the GUILD_CREATEs that follow READY).
func filtered(typ string) bool {
	switch typ {
	case event.Ready, event.Resumed, event.GuildCreate:
		return false
	}
	return true
}

// repeat reports whether e, received by the set tagged tag, is a copy of an
// event the other set delivered already, and otherwise records that this
// set delivered it.
func (f *dedupeFilter) repeat(e *Event, tag int) bool {
	if !filtered(e.Type) {
		return false
	}
	var h maphash.Hash
	h.SetSeed(f.seed)
	h.WriteString(e.Type)
	h.WriteByte(0)
	h.Write(e.Data)
	key := h.Sum64()
	// step is what one copy delivered by this set adds to ahead[key].
	step := int32(1)
	if tag != f.oldTag {
		step = -1
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.ahead[key]
	if n != 0 && (n > 0) != (step > 0) {
		// The other set is ahead: this copy is its repeat.
		f.settle(key, n+step)
		return true
	}
	f.settle(key, n+step)
	f.remember(key)
	if step < 0 {
		f.owed[ShardForGuild(guildOf(e.Type, e.Data), f.oldCount)] = true
	}
	return false
}

// settle stores ahead[key] = n, deleting the key at 0; f.mu is held.
func (f *dedupeFilter) settle(key uint64, n int32) {
	if n == 0 {
		delete(f.ahead, key)
		return
	}
	f.ahead[key] = n
}

// remember adds a delivered copy of key to the ring, forgetting the oldest
// unmatched copy when the ring is full; f.mu is held.
func (f *dedupeFilter) remember(key uint64) {
	if len(f.credits) < f.limit {
		f.credits = append(f.credits, key)
		return
	}
	oldest := f.credits[f.head]
	if n := f.ahead[oldest]; n > 0 {
		f.settle(oldest, n-1)
	} else if n < 0 {
		f.settle(oldest, n+1)
	}
	f.credits[f.head] = key
	f.head = (f.head + 1) % f.limit
}
