package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// ledger is the live soak's audit at the workers. Its ground truth is what
// the nodes read: every event of a type the workers asked for, by session
// and seq, with when it was first read. Against it, what the workers'
// handlers saw: an event handled twice is duplicated, one handled after a
// later one of its shard is out of order, one never handled is lost. A
// loss is "around a kill" when the event was read between just before a
// kill (node or worker) and the moment every shard was connected and every
// partition held again; any other loss is a bug.
//
// Live mode publishes only the types asked for, so the other types are not
// in the ledger: they are neither expected nor lost.
type ledger struct {
	wanted map[string]bool

	mu      sync.Mutex
	frozen  bool
	read    map[eventKey]readEvent
	handled map[eventKey]int
	// order: per session the last seq handled, per shard the session
	// handled last, and the sessions superseded on their shard.
	lastSeq      map[string]int64
	shardSession map[int]string
	superseded   map[string]bool
	duplicated   int64
	outOfOrder   int64
	overflow     int64
	windows      []killWindow
}

type eventKey struct {
	session string
	seq     int64
}

// readEvent is when and where the nodes first read an event.
type readEvent struct {
	at    time.Time
	shard int
	typ   string
}

// killWindow is [from, to]: a kill and the recovery after it.
type killWindow struct{ from, to time.Time }

// maxLedgerEvents bounds the ledger (a 120 s soak of 32 shards at the
// default rate reads about 80 000 events).
const maxLedgerEvents = 4 << 20

// killMargin: an event read this long before a kill may still be in the
// killed node's or worker's buffers.
const killMargin = time.Second

func newLedger(types []string) *ledger {
	l := &ledger{wanted: map[string]bool{}, read: map[eventKey]readEvent{}, handled: map[eventKey]int{},
		lastSeq: map[string]int64{}, shardSession: map[int]string{}, superseded: map[string]bool{}}
	for _, t := range types {
		l.wanted[t] = true
	}
	return l
}

// freeze stops recording: what happens after (the final drain) is not
// audited.
func (l *ledger) freeze() {
	l.mu.Lock()
	l.frozen = true
	l.mu.Unlock()
}

func (l *ledger) noteRead(shard int, session string, seq int64, typ string) {
	if !l.wanted[typ] || session == "" {
		return
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	k := eventKey{session, seq}
	if _, ok := l.read[k]; ok || l.frozen {
		return
	}
	if len(l.read) >= maxLedgerEvents {
		l.overflow++
		return
	}
	l.read[k] = readEvent{at: now, shard: shard, typ: typ}
}

func (l *ledger) noteHandled(shard int, session string, seq int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.frozen {
		return
	}
	k := eventKey{session, seq}
	l.handled[k]++
	if l.handled[k] > 1 {
		l.duplicated++
		return
	}
	if cur, ok := l.shardSession[shard]; ok && cur != session {
		if l.superseded[session] {
			l.outOfOrder++ // an older session after a newer one
			return
		}
		l.superseded[cur] = true
	}
	l.shardSession[shard] = session
	if last, ok := l.lastSeq[session]; ok && seq <= last {
		l.outOfOrder++
		return
	}
	l.lastSeq[session] = seq
}

// addWindow records a kill and its recovery.
func (l *ledger) addWindow(killedAt, recovered time.Time) {
	l.mu.Lock()
	l.windows = append(l.windows, killWindow{killedAt.Add(-killMargin), recovered.Add(killMargin)})
	l.mu.Unlock()
}

// missing counts the events read and not handled.
func (l *ledger) missing() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for k := range l.read {
		if l.handled[k] == 0 {
			n++
		}
	}
	return n
}

// ledgerCounts are the ledger's figures.
type ledgerCounts struct {
	read, handled, duplicated, outOfOrder int64
	lostAroundKills, lostOtherwise        int64
	overflow                              int64
	unexplained                           []string // the first few, for the log
}

func (l *ledger) counts() ledgerCounts {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := ledgerCounts{read: int64(len(l.read)), duplicated: l.duplicated, outOfOrder: l.outOfOrder, overflow: l.overflow}
	for k, r := range l.read {
		at := r.at
		if l.handled[k] > 0 {
			c.handled++
			continue
		}
		around := false
		for _, w := range l.windows {
			if !at.Before(w.from) && !at.After(w.to) {
				around = true
				break
			}
		}
		if around {
			c.lostAroundKills++
		} else {
			c.lostOtherwise++
			if len(c.unexplained) < 10 {
				c.unexplained = append(c.unexplained, fmt.Sprintf("shard %d %s seq %d session %s read at %s",
					r.shard, r.typ, k.seq, k.session, at.Format(time.RFC3339Nano)))
			}
		}
	}
	return c
}

// ledgerSink records, for one node incarnation, the events its shards read,
// then passes them on.
type ledgerSink struct {
	l    *ledger
	next gatewayutil.EventSink

	mu      sync.Mutex
	session map[int]string // shard → session id, from READY or a takeover
}

func (l *ledger) sink(next gatewayutil.EventSink) *ledgerSink {
	return &ledgerSink{l: l, next: next, session: map[int]string{}}
}

// Dispatch implements gatewayutil.EventSink.
func (s *ledgerSink) Dispatch(ctx context.Context, e *gatewayutil.Event) error {
	s.mu.Lock()
	if e.Type == "READY" {
		var r struct {
			SessionID string `json:"session_id"`
		}
		if json.Unmarshal(e.Data, &r) == nil {
			s.session[e.Shard] = r.SessionID
		}
	}
	sess := s.session[e.Shard]
	s.mu.Unlock()
	s.l.noteRead(e.Shard, sess, e.Seq, e.Type)
	return s.next.Dispatch(ctx, e)
}

// takeover records the session a shard resumes on this node.
func (s *ledgerSink) takeover(shard int, sess gateway.Session) {
	s.mu.Lock()
	s.session[shard] = sess.ID
	s.mu.Unlock()
}

// watchRecovery adds the kill window that starts at killedAt once every
// shard is connected on one node and every partition is held by one
// worker again (for half a second), or after two minutes.
func (w *workerSet) watchRecovery(killedAt time.Time) {
	if w == nil || w.led == nil {
		return
	}
	w.watchers.Go(func() {
		deadline := killedAt.Add(2 * time.Minute)
		var okSince time.Time
		for time.Now().Before(deadline) {
			switch {
			case !w.recoveredNow():
				okSince = time.Time{}
			case okSince.IsZero():
				okSince = time.Now()
			case time.Since(okSince) >= 500*time.Millisecond:
				w.led.addWindow(killedAt, okSince)
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		w.led.addWindow(killedAt, time.Now())
	})
}

// recoveredNow reports whether every shard is connected on exactly one
// node and consumed by exactly one worker.
func (w *workerSet) recoveredNow() bool {
	s := w.s
	s.mu.Lock()
	slots := append([]*soakNode(nil), s.slots...)
	s.mu.Unlock()
	connected := map[int]int{}
	for _, sn := range slots {
		for _, st := range sn.node.Status().Shards {
			if st.State == gatewayutil.ShardConnected {
				connected[st.Shard]++
			}
		}
	}
	if len(connected) != s.shards {
		return false
	}
	for sh := range s.shards {
		if connected[sh] != 1 {
			return false
		}
	}
	return w.heldNow()
}

// heldNow reports whether every shard is consumed by exactly one worker,
// and every worker consumes some (the group has settled).
func (w *workerSet) heldNow() bool {
	w.mu.Lock()
	workers := append([]*soakWorker(nil), w.slots...)
	w.mu.Unlock()
	held := map[int]int{}
	for _, sw := range workers {
		if sw == nil {
			return false
		}
		shards := sw.c.Shards()
		if len(shards) == 0 && len(workers) <= w.s.shards {
			return false
		}
		for _, sh := range shards {
			held[sh]++
		}
	}
	if len(held) != w.s.shards {
		return false
	}
	for _, n := range held {
		if n != 1 {
			return false
		}
	}
	return true
}

// waitHeld waits, before the nodes start, until the workers share every
// shard: a live event published while a shard has no worker is lost.
func (w *workerSet) waitHeld(ctx context.Context, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if w.heldNow() {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// settleLedger waits until the workers handled every event the nodes read,
// or nothing more was handled for 3 s (the rest is lost), or d passed.
func (w *workerSet) settleLedger(d time.Duration) {
	deadline := time.Now().Add(d)
	last, since := -1, time.Now()
	for time.Now().Before(deadline) {
		m := w.led.missing()
		if m == 0 {
			break
		}
		if m != last {
			last, since = m, time.Now()
		} else if time.Since(since) >= 3*time.Second {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	w.watchers.Wait()
	w.led.freeze()
}
