package main

import "sync"

// auditWindow is how many sequence numbers behind the highest one the audit
// remembers, to tell a repeat from a late arrival.
const auditWindow = 4096

// Audit counts, per session, the gaps, repeats and reversals of the
// sequence numbers a bot saw: the exactly-once check of a soak run. A
// session starts at READY and lasts across resumes; a new READY on the same
// shard starts a new one.
//
// Gaps are counted as they open and taken back when a late event fills
// them, so lost is the number of sequence numbers never seen at all.
type Audit struct {
	mu     sync.Mutex
	shards map[int]*seqTrack
	totals AuditTotals
}

// AuditTotals are the audit's counters over every session.
type AuditTotals struct {
	Events     int64 // dispatches seen
	Sessions   int64 // sessions started (READY)
	Lost       int64 // sequence numbers skipped and never seen
	Duplicated int64 // sequence numbers seen more than once
	OutOfOrder int64 // sequence numbers seen after a higher one
}

type seqTrack struct {
	hi   int64
	seen [auditWindow / 64]uint64 // bit (s % auditWindow) for s in (hi-auditWindow, hi]
}

func (t *seqTrack) bit(s int64) (word int, mask uint64) {
	i := int(uint64(s) % auditWindow)
	return i / 64, 1 << (i % 64)
}

// NewAudit returns an empty audit.
func NewAudit() *Audit { return &Audit{shards: map[int]*seqTrack{}} }

// Observe records one dispatch with sequence number seq on a shard. ready
// marks the READY that starts a new session.
func (a *Audit) Observe(shard int, seq int64, ready bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.totals.Events++
	t := a.shards[shard]
	if t == nil || ready {
		t = &seqTrack{}
		a.shards[shard] = t
		if ready {
			a.totals.Sessions++
		}
	}
	switch {
	case seq > t.hi:
		if gap := seq - t.hi - 1; gap > 0 {
			a.totals.Lost += gap
		}
		// Clear the bits of the numbers the window slides past.
		if seq-t.hi >= auditWindow {
			t.seen = [auditWindow / 64]uint64{}
		} else {
			for s := t.hi + 1; s < seq; s++ {
				w, m := t.bit(s)
				t.seen[w] &^= m
			}
		}
		w, m := t.bit(seq)
		t.seen[w] |= m
		t.hi = seq
	case seq <= t.hi-auditWindow || seq <= 0:
		// Too old to tell apart: a reversal at least.
		a.totals.OutOfOrder++
	default:
		w, m := t.bit(seq)
		if t.seen[w]&m != 0 {
			a.totals.Duplicated++
			return
		}
		t.seen[w] |= m
		a.totals.OutOfOrder++
		a.totals.Lost-- // it fills a gap counted earlier
	}
}

// Totals returns the counters so far.
func (a *Audit) Totals() AuditTotals {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.totals
}
