// Package audit checks, as a consumer would see them, the events a cluster
// delivered: per shard and session, every sequence number once and in order.
// It is the event sink of the cluster tests and of gatewayd's soak.
//
// After a takeover the new owner resumes from the stored sequence number,
// which may lag what the old owner delivered; the gateway replays from there.
// Those replays are expected: the audit drops them (as a consumer
// deduplicating by shard, session and sequence number does) and counts them as
// Replayed. A repeat that no takeover explains counts as Duplicated.
package audit

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// Audit is an event sink that checks sequence numbers. Safe for concurrent
// use.
type Audit struct {
	mu       sync.Mutex
	shards   map[int]*track
	sessions map[string]int64 // last seq delivered per session id
	counts   Counts
	gaps     []Gap // the first maxGaps gaps, for the soak's report
	// redeliveries are single events per shard allowed to come once more
	// (see Redelivery).
	redeliveries map[int]Gap
}

// Gap is a run of sequence numbers of a session the audit never saw
// (Repeat false), or an event that came again after a later one (Repeat).
type Gap struct {
	Repeat  bool   `json:"repeat,omitempty"`
	Shard   int    `json:"shard"`
	Session string `json:"session"`
	// From and To bound the missing sequence numbers (inclusive).
	From, To int64
	// At is when the event after the gap arrived.
	At time.Time
}

// maxGaps bounds the gaps an audit keeps.
const maxGaps = 64

type track struct {
	session string
	last    int64
	floor   int64 // repeats above this, up to last, are takeover replays
}

// Counts are the audit's figures.
type Counts struct {
	// Events counts dispatches delivered once (replays dropped).
	Events int64 `json:"events"`
	// Sessions counts READYs (sessions started).
	Sessions int64 `json:"sessions"`
	// Replayed counts repeats explained by a takeover's stale sequence
	// number, dropped.
	Replayed int64 `json:"replayed"`
	// Duplicated counts repeats nothing explains.
	Duplicated int64 `json:"duplicated"`
	// Lost counts sequence numbers skipped within a session.
	Lost int64 `json:"lost"`
	// OutOfOrder counts events that arrived after a later one of their
	// session (also counted in Duplicated or Replayed).
	OutOfOrder int64 `json:"out_of_order"`
	// Redelivered counts repeats announced by Redelivery (not in
	// OutOfOrder).
	Redelivered int64 `json:"redelivered"`
}

// New returns an empty audit.
func New() *Audit {
	return &Audit{shards: make(map[int]*track), sessions: make(map[string]int64)}
}

// Dispatch implements gatewayutil.EventSink.
func (a *Audit) Dispatch(_ context.Context, e *gatewayutil.Event) error {
	var sessionID string
	if e.Type == "READY" {
		var r struct {
			SessionID string `json:"session_id"`
		}
		_ = json.Unmarshal(e.Data, &r)
		sessionID = r.SessionID
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	t := a.shards[e.Shard]
	if t == nil {
		t = &track{}
		a.shards[e.Shard] = t
	}
	if sessionID != "" {
		t.session, t.last, t.floor = sessionID, e.Seq, e.Seq
		a.counts.Sessions++
		a.counts.Events++
		a.sessions[sessionID] = e.Seq
		return nil
	}
	switch {
	case e.Seq == t.last+1:
		t.last = e.Seq
		a.counts.Events++
	case e.Seq <= t.last:
		if r, ok := a.redeliveries[e.Shard]; ok && r.Session == t.session && r.From == e.Seq {
			delete(a.redeliveries, e.Shard)
			a.counts.Redelivered++
			return nil
		}
		a.counts.OutOfOrder++
		if len(a.gaps) < maxGaps {
			a.gaps = append(a.gaps, Gap{Repeat: true, Shard: e.Shard, Session: t.session, From: e.Seq, To: t.last, At: time.Now()})
		}
		if e.Seq > t.floor {
			a.counts.Replayed++
		} else {
			a.counts.Duplicated++
		}
		return nil
	default:
		a.counts.Lost += e.Seq - t.last - 1
		if len(a.gaps) < maxGaps {
			a.gaps = append(a.gaps, Gap{Shard: e.Shard, Session: t.session, From: t.last + 1, To: e.Seq - 1, At: time.Now()})
		}
		t.last = e.Seq
		a.counts.Events++
	}
	if t.session != "" {
		a.sessions[t.session] = t.last
	}
	return nil
}

// Takeover tells the audit that a node is about to resume s on its shard:
// repeats up to what was delivered so far are replays.
func (a *Audit) Takeover(shard int, s gateway.Session) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t := a.shards[shard]
	if t == nil || t.session != s.ID {
		return
	}
	t.floor = s.Seq
}

// Redelivery tells the audit that the event seq of session on shard may come
// once more: a consumer died after its handler ran and before it was
// acknowledged. That one repeat counts as Redelivered (not OutOfOrder); any
// other repeat still counts.
func (a *Audit) Redelivery(shard int, session string, seq int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.redeliveries == nil {
		a.redeliveries = map[int]Gap{}
	}
	a.redeliveries[shard] = Gap{Repeat: true, Shard: shard, Session: session, From: seq, To: seq}
}

// Counts returns the figures so far.
func (a *Audit) Counts() Counts {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.counts
}

// Gaps returns the first gaps and repeats the audit counted (at most 64).
func (a *Audit) Gaps() []Gap {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Gap(nil), a.gaps...)
}

// Last returns the last sequence number delivered for a session, and whether
// the audit saw it at all.
func (a *Audit) Last(sessionID string) (int64, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.sessions[sessionID]
	return s, ok
}
