package gatewayutil

import (
	"hash/maphash"
	"slices"
	"sync"

	"github.com/gatewaykit/gateway/event"
)

// maxFilterCredits bounds a dedupe filter's memory: it remembers at most
// this many delivered events that the other set has not repeated yet (a
// map entry and some 24 bytes of ring and queue each, under 100 MB at the
// very most). Past it the oldest is forgotten (and counted), so a repeat
// that comes later than this many events is delivered a second time; in a
// reshard's overlap repeats come within seconds, and a bot's whole traffic
// during those seconds fits.
const maxFilterCredits = 1 << 20

// admission is what a dedupe filter decides for an event.
type admission int

const (
	// admitDeliver: this set is the first to receive the event.
	admitDeliver admission = iota
	// admitRepeat: the other set delivered it already.
	admitRepeat
	// admitSealed: the old set was switched off; it delivers nothing more
	// (the new set delivers what the old one had not).
	admitSealed
)

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
// The filter knows when the new set has passed everything the old set
// delivered, so that it can be removed without a repeat: the events of
// one guild reach every session in the same order, so for each guild it
// queues, in order, the copies the old set delivered that the new set has
// not received. When the new set receives one of them, those queued before
// it will never reach the new set (they came before its session did) and
// are dropped from the queue; when the new set receives an event of the
// guild that the old set has not delivered, it has passed all of them.
// Once the old set is sealed (switched off: it delivers nothing more), a
// new shard whose guilds have empty queues can receive no repeat.
//
// It also records which shards of the old set (tag oldTag, oldCount shards)
// owe an event: the new set delivered it first, and it is routed to them
// too, so they have not caught up until it reaches them, however quiet they
// look (a shard busy with a backlog, or not scheduled on a loaded machine,
// publishes no progress), and, per pair of an old and a new shard, whether
// the old one has read an event that reached the new one's session too
// (whichever delivered it): it has then read everything sent to it before
// that session started, which the new shard never receives.
type dedupeFilter struct {
	seed     maphash.Seed
	oldTag   int
	oldCount int
	newCount int
	limit    int // maxFilterCredits; smaller in tests

	mu sync.Mutex
	// ahead counts, by event key, how many more copies the old set
	// delivered than the new one (negative: the new set is ahead). Keys
	// at 0 are deleted.
	ahead map[uint64]int32
	// credits lists the delivered copies in delivery order, a ring of at
	// most limit entries starting at head: when it is full, the oldest copy
	// still unmatched is forgotten.
	credits []filterCredit
	head    int
	// queued holds, by guild, the keys of the copies the old set delivered
	// and the new set has neither received nor passed, in delivery order;
	// pending counts them by the new shard the guild routes to.
	queued  map[uint64][]uint64
	pending map[int]int
	// sealed: the old set is switched off and delivers nothing more.
	sealed bool
	// newGone: the new set is closed (a failed reshard) and delivers
	// nothing more; newAhead counts its copies the old set has not matched.
	newGone  bool
	newAhead int
	// forgotten counts unmatched copies dropped from a full ring.
	forgotten int64
	owed      map[int]bool    // old shards the new set delivered an event for first
	caught    map[[2]int]bool // [old, new] shard pairs: the old one received an event the new one delivered first
}

// filterCredit is one delivered copy in a dedupe filter's ring.
type filterCredit struct {
	key   uint64
	guild uint64
}

func newDedupeFilter(oldTag, oldCount, newCount int) *dedupeFilter {
	return &dedupeFilter{
		seed: maphash.MakeSeed(), oldTag: oldTag, oldCount: oldCount, newCount: newCount, limit: maxFilterCredits,
		ahead: make(map[uint64]int32), queued: make(map[uint64][]uint64), pending: make(map[int]int),
		owed: make(map[int]bool), caught: make(map[[2]int]bool),
	}
}

// owes reports whether the new set delivered first an event that old
// shard id will receive too.
func (f *dedupeFilter) owes(id int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.owed[id]
}

// caughtUp reports whether old shard id read, for every new shard in
// newIDs that shares guilds with it, an event that new shard received too
// (delivered first by either): it has then read everything sent to it
// before those new sessions started.
func (f *dedupeFilter) caughtUp(id int, newIDs []int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range newIDs {
		if sharesGuilds(id, f.oldCount, n, f.newCount) && !f.caught[[2]int{id, n}] {
			return false
		}
	}
	return true
}

// sharesGuilds reports whether a guild can route to shard a of countA and
// shard b of countB: a and b agree modulo the counts' greatest common
// divisor.
func sharesGuilds(a, countA, b, countB int) bool {
	x, y := countA, countB
	for y != 0 {
		x, y = y, x%y
	}
	return a%x == b%x
}

// seal records that the old set is switched off: from now on it delivers
// nothing (an event it is still handling is left to the new set, which has
// it too), so what it delivered is final.
func (f *dedupeFilter) seal() {
	f.mu.Lock()
	f.sealed = true
	f.mu.Unlock()
}

// abandonNew records that the new set is closed (the reshard failed): the
// old set goes on dropping its copies of what the new set delivered first,
// and records nothing more.
func (f *dedupeFilter) abandonNew() {
	f.mu.Lock()
	f.newGone = true
	f.mu.Unlock()
}

// newFirst counts the events the new set delivered first that the old set
// has not received yet.
func (f *dedupeFilter) newFirst() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.newAhead
}

// unpassed counts the copies the old set delivered that new shard id may
// still receive: once the filter is sealed and every new shard's count is
// 0, no repeat can come.
func (f *dedupeFilter) unpassed(id int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pending[id]
}

// forgottenCopies counts the unmatched copies a full ring forgot.
func (f *dedupeFilter) forgottenCopies() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.forgotten
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

// admit decides whether e, received by the set tagged tag, is delivered:
// not if it is a copy of an event the other set delivered already (or the
// old set is sealed); otherwise it records that this set delivered it.
func (f *dedupeFilter) admit(e *Event, tag int) admission {
	if !filtered(e.Type) {
		return admitDeliver
	}
	var h maphash.Hash
	h.SetSeed(f.seed)
	h.WriteString(e.Type)
	h.WriteByte(0)
	h.Write(e.Data)
	key := h.Sum64()
	guild := guildOf(e.Type, e.Data)
	f.mu.Lock()
	defer f.mu.Unlock()
	if tag == f.oldTag {
		return f.admitOld(key, guild)
	}
	return f.admitNew(key, guild)
}

// admitOld is admit for the old set; f.mu is held.
func (f *dedupeFilter) admitOld(key, guild uint64) admission {
	if f.sealed {
		return admitSealed
	}
	n := f.ahead[key]
	if n < 0 {
		// The new set delivered it first: this copy is its repeat.
		f.settle(key, n+1)
		f.newAhead--
		f.caught[[2]int{ShardForGuild(guild, f.oldCount), ShardForGuild(guild, f.newCount)}] = true
		return admitRepeat
	}
	if f.newGone {
		return admitDeliver
	}
	f.settle(key, n+1)
	f.queued[guild] = append(f.queued[guild], key)
	f.pending[ShardForGuild(guild, f.newCount)]++
	f.remember(key, guild)
	return admitDeliver
}

// admitNew is admit for the new set; f.mu is held.
func (f *dedupeFilter) admitNew(key, guild uint64) admission {
	if f.newGone {
		return admitSealed
	}
	q := f.queued[guild]
	// The old set's copies of this guild's events queued before this one
	// (all of them if the old set has not delivered it) came before it:
	// this session has received them already, or never will.
	i := slices.Index(q, key)
	passed := q
	if i >= 0 {
		passed = q[:i+1]
	}
	for _, k := range passed {
		f.settle(k, f.ahead[k]-1)
	}
	f.pending[ShardForGuild(guild, f.newCount)] -= len(passed)
	if len(passed) == len(q) {
		delete(f.queued, guild)
	} else {
		f.queued[guild] = q[len(passed):]
	}
	if i >= 0 {
		// The old shard read this event, which reached the new shard's
		// session too: it has read everything sent to it before that
		// session started.
		f.caught[[2]int{ShardForGuild(guild, f.oldCount), ShardForGuild(guild, f.newCount)}] = true
		return admitRepeat
	}
	f.settle(key, f.ahead[key]-1)
	f.newAhead++
	f.remember(key, guild)
	f.owed[ShardForGuild(guild, f.oldCount)] = true
	return admitDeliver
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
func (f *dedupeFilter) remember(key, guild uint64) {
	if len(f.credits) < f.limit {
		f.credits = append(f.credits, filterCredit{key: key, guild: guild})
		return
	}
	oldest := f.credits[f.head]
	if n := f.ahead[oldest.key]; n > 0 {
		q := f.queued[oldest.guild]
		if i := slices.Index(q, oldest.key); i >= 0 {
			f.settle(oldest.key, n-1)
			f.pending[ShardForGuild(oldest.guild, f.newCount)]--
			if q = slices.Delete(q, i, i+1); len(q) == 0 {
				delete(f.queued, oldest.guild)
			} else {
				f.queued[oldest.guild] = q
			}
			f.forgotten++
		}
	} else if n < 0 {
		f.settle(oldest.key, n+1)
		f.newAhead--
		f.forgotten++
	}
	f.credits[f.head] = filterCredit{key: key, guild: guild}
	f.head = (f.head + 1) % f.limit
}
