package main

import (
	"fmt"
	"sync"
)

// auditWindow is how many sequence numbers behind the highest one the audit
// remembers, to tell a repeat from a late arrival.
const auditWindow = 4096

// maxPlausibleJump is the largest jump of the sequence number, forwards or
// backwards, that the audit reads as events lost or reordered. A session
// that missed more than a million events would have been invalidated, not
// resumed; a larger jump means the server numbers its events in its own way
// (or is broken), so it counts as one protocol deviation and the audit goes
// on from the new number.
const maxPlausibleJump = 1 << 20

// maxDeviationExamples bounds how many protocol deviations the audit
// describes in words; the count goes on.
const maxDeviationExamples = 4

// Audit counts, per session, the gaps, repeats and reversals of the
// sequence numbers a bot saw: the exactly-once check of a soak run. A
// session starts at READY and lasts across resumes; a new READY on the same
// shard starts a new one.
//
// Gaps are counted as they open and taken back when a late event fills
// them, so lost is the number of sequence numbers never seen at all.
//
// What no loss or reordering explains is counted apart, as a protocol
// deviation: a READY whose s is not 1 (Discord numbers a session's
// dispatches from 1, READY first), an s of 0 or less, and jumps of more than
// maxPlausibleJump. A server that numbers from 0 therefore shows one
// deviation per session and no loss; a server that sends s = 2^63-1 shows a
// deviation, not 9.2e18 lost events.
type Audit struct {
	mu       sync.Mutex
	shards   map[int]*seqTrack
	totals   AuditTotals
	examples []string
}

// AuditTotals are the audit's counters over every session.
type AuditTotals struct {
	Events     int64 // dispatches seen
	Sessions   int64 // sessions started (READY)
	Lost       int64 // sequence numbers skipped and never seen
	Duplicated int64 // sequence numbers seen more than once
	OutOfOrder int64 // sequence numbers seen after a higher one
	Deviations int64 // sequence numbers no Discord session would send
}

type seqTrack struct {
	hi   int64
	base int64                    // where counting started: numbers at or below it were never gaps
	seen [auditWindow / 64]uint64 // bit (s % auditWindow) for s in (hi-auditWindow, hi]
}

func (t *seqTrack) bit(s int64) (word int, mask uint64) {
	i := int(uint64(s) % auditWindow)
	return i / 64, 1 << (i % 64)
}

// rebase makes seq the only number seen, the highest, and the base.
func (t *seqTrack) rebase(seq int64) {
	t.seen = [auditWindow / 64]uint64{}
	t.hi, t.base = seq, seq
	w, m := t.bit(seq)
	t.seen[w] |= m
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
	if ready {
		a.totals.Sessions++
		if t == nil {
			t = &seqTrack{}
			a.shards[shard] = t
		}
		t.rebase(seq)
		if seq != 1 {
			a.deviation(shard, "READY with s=%d (Discord numbers a session from 1)", seq)
		}
		return
	}
	if t == nil {
		// A dispatch before any READY on this shard: count from 0.
		t = &seqTrack{}
		a.shards[shard] = t
	}
	if seq <= 0 {
		a.deviation(shard, "dispatch with s=%d (Discord's sequence numbers are positive)", seq)
		return
	}
	// hi and seq are both int64, so their difference fits in a uint64
	// whatever they are: no overflow.
	switch {
	case seq > t.hi:
		jump := uint64(seq) - uint64(t.hi)
		if jump > maxPlausibleJump {
			a.deviation(shard, "s jumped from %d to %d", t.hi, seq)
			t.rebase(seq)
			return
		}
		a.totals.Lost += int64(jump - 1)
		// Clear the bits of the numbers the window slides past.
		if jump >= auditWindow {
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
	default:
		back := uint64(t.hi) - uint64(seq)
		switch {
		case back > maxPlausibleJump:
			a.deviation(shard, "s went back from %d to %d", t.hi, seq)
			t.rebase(seq)
			return
		case back >= auditWindow:
			// Too old to tell apart: a reversal at least.
			a.totals.OutOfOrder++
			return
		}
		w, m := t.bit(seq)
		if t.seen[w]&m != 0 {
			a.totals.Duplicated++
			return
		}
		t.seen[w] |= m
		a.totals.OutOfOrder++
		if seq > t.base {
			a.totals.Lost-- // it fills a gap counted earlier
		}
	}
}

// deviation counts one protocol deviation and keeps the first few in words.
// Called with a.mu held.
func (a *Audit) deviation(shard int, format string, args ...any) {
	a.totals.Deviations++
	if len(a.examples) < maxDeviationExamples {
		a.examples = append(a.examples, fmt.Sprintf("shard %d: ", shard)+fmt.Sprintf(format, args...))
	}
}

// Totals returns the counters so far.
func (a *Audit) Totals() AuditTotals {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.totals
}

// DeviationExamples describes the first protocol deviations seen, at most
// maxDeviationExamples of them.
func (a *Audit) DeviationExamples() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.examples...)
}
