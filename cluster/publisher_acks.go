package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gatewaykit/gateway"
	"github.com/nats-io/nats.go"
)

// A durable publisher asks the stream to acknowledge every message (a reply
// subject on the publish, answered by JetStream once the message is stored
// or found to be a duplicate) without waiting for it: the acknowledgements
// come back in order on one subscription. A shard's stored session never
// claims an event the stream has not acknowledged, so a takeover resumes
// from a point that replays everything not yet stored (the stream's dedup
// drops what was). At most DefaultAckWindow messages of a shard are
// unacknowledged at a time: past that the shard's reader waits (back-pressure
// on the gateway socket, no buffering).

// Defaults of the durable acknowledgement window.
const (
	// DefaultAckWindow is how many messages of one shard may be published
	// and not yet acknowledged by the stream.
	DefaultAckWindow = 256
	// ackGiveUp is how long a full window waits for an acknowledgement
	// before the messages in flight are counted as unconfirmed (lost in a
	// connection that dropped: no acknowledgement will ever come).
	ackGiveUp = 5 * time.Second
)

// ackRouter receives the stream's acknowledgements of a durable publisher
// and hands them to the shard they belong to.
type ackRouter struct {
	prefix string // "_INBOX.<nuid>."
	sub    *nats.Subscription
	gen    atomic.Uint64

	mu     sync.RWMutex
	shards map[int]*ShardPublisher // the latest ShardPublisher of each shard
}

func (p *Publisher) startAcks() error {
	r := &ackRouter{prefix: p.nc.NewRespInbox() + ".", shards: map[int]*ShardPublisher{}}
	sub, err := p.nc.Subscribe(r.prefix+">", p.onAck)
	if err != nil {
		return err
	}
	// Acknowledgements are small and must never be dropped as a slow
	// consumer's: no limit on their count, a generous one on bytes.
	_ = sub.SetPendingLimits(-1, 64<<20)
	r.sub = sub
	p.acks = r
	return nil
}

// register makes sp the receiver of its shard's acknowledgements.
func (r *ackRouter) register(sp *ShardPublisher) {
	sp.ackGen = r.gen.Add(1)
	sp.ackSignal = make(chan struct{}, 1)
	sp.ackNext.Store(1)
	sp.broken = make(chan struct{})
	sp.reconnects = sp.p.nc.Stats().Reconnects
	sp.probe = true
	r.mu.Lock()
	r.shards[sp.shard] = sp
	r.mu.Unlock()
}

// onAck handles one acknowledgement; its subject is
// <prefix><shard>.<gen>.<counter>.<seq>.<session>.
func (p *Publisher) onAck(m *nats.Msg) {
	r := p.acks
	rest := strings.TrimPrefix(m.Subject, r.prefix)
	var tok [4]string
	for i := range tok {
		var ok bool
		tok[i], rest, ok = strings.Cut(rest, ".")
		if !ok {
			return
		}
	}
	shard, err1 := strconv.Atoi(tok[0])
	gen, err2 := strconv.ParseUint(tok[1], 10, 64)
	counter, err3 := strconv.ParseUint(tok[2], 10, 64)
	seq, err4 := strconv.ParseInt(tok[3], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
		return
	}
	r.mu.RLock()
	sp := r.shards[shard]
	r.mu.RUnlock()
	if sp == nil || sp.ackGen != gen {
		return // a ShardPublisher the shard no longer uses
	}
	sp.onAck(counter, seq, rest, classifyAck(m))
}

// ackOutcome is what the stream answered to one message.
type ackOutcome int

const (
	// ackStored: stored, or found to be a duplicate of a stored message.
	ackStored ackOutcome = iota
	// ackRefused: the stream answered with an error that publishing the
	// message again would meet again; it is not stored.
	ackRefused
	// ackUnavailable: nothing stored the message because the stream was
	// not there to take it: a status without a body (503 "no
	// responders": no stream listens on the subject, as while a
	// restarting server has not recovered it yet, or while a stopping one
	// has already shut JetStream down), or an error with code 503
	// (JetStream unavailable). Published again later, it is stored.
	ackUnavailable
)

// classifyAck reads one acknowledgement.
func classifyAck(m *nats.Msg) ackOutcome {
	if len(m.Data) == 0 {
		return ackUnavailable
	}
	if !bytes.Contains(m.Data, []byte(`"error"`)) {
		return ackStored
	}
	var e struct {
		Error struct {
			Code int `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(m.Data, &e) == nil && e.Error.Code == 503 {
		return ackUnavailable
	}
	return ackRefused
}

// onAck records the acknowledgement of message counter, which confirms the
// session's events up to seq when the stream stored it. Called on the
// subscription's goroutine only, in the order the stream answered.
//
// The confirmed sequence number never passes a message that was not
// stored and will be stored by a later publish: once one such hole exists
// (a message the stream was unavailable for, or one never acknowledged),
// it stays where it was, and the shard is broken so that it resumes from
// it and the gateway replays the rest in order.
func (sp *ShardPublisher) onAck(counter uint64, seq int64, session string, outcome ackOutcome) {
	p := sp.p
	var next uint64
	for {
		next = sp.ackNext.Load()
		if counter < next {
			return // given up on already
		}
		if sp.ackNext.CompareAndSwap(next, counter+1) {
			break
		}
	}
	if counter > next {
		// Messages that never reached the stream (a connection that
		// dropped with them, an ingest queue that overflowed).
		p.unconfirmed.Add(int64(counter - next))
		p.log.Error("events published but never acknowledged by the stream", "shard", sp.shard, "messages", counter-next, "before_seq", seq)
		sp.breakShard("events published but never acknowledged")
	}
	switch outcome {
	case ackRefused:
		p.rejected.Add(1)
		p.log.Error("the events stream refused an event", "shard", sp.shard, "seq", seq)
	case ackUnavailable:
		p.unavailable.Add(1)
		if sp.probing.Load() {
			// The reader waits for this answer and publishes the
			// message again (awaitProbe): nothing newer is in flight.
			sp.probeRefused.Store(true)
			break
		}
		p.log.Warn("the events stream was unavailable for an event; resuming the shard from its stored session", "shard", sp.shard, "seq", seq)
		sp.breakShard("the events stream was unavailable for an event in flight")
	default:
		sp.probeRefused.Store(false)
	}
	if outcome != ackUnavailable && !sp.hole.Load() {
		if m := sp.confirmed.Load(); m != nil && m.session == session {
			m.seq.Store(seq)
		} else {
			c := &sentMark{session: strings.Clone(session)}
			c.seq.Store(seq)
			sp.confirmed.Store(c)
		}
	}
	select {
	case sp.ackSignal <- struct{}{}:
	default:
	}
}

// breakShard stops confirming anything newer than the confirmed sequence
// number and closes Broken: the node resumes the shard from its stored
// session, so the gateway replays what the stream may lack, in order.
func (sp *ShardPublisher) breakShard(why string) {
	sp.hole.Store(true)
	sp.brokenOnce.Do(func() {
		sp.p.resumes.Add(1)
		sp.p.log.Warn("resuming the shard from its stored session", "shard", sp.shard, "why", why)
		close(sp.broken)
	})
}

// replySubject builds the reply subject of the next message, confirming seq
// of the current session once acknowledged; "" if the session cannot be a
// subject token (such events are then never confirmed: safe, the stored
// sequence number stays behind them).
func (sp *ShardPublisher) replySubject(sess string, seq int64) string {
	if sess == "" || !validToken(sess) {
		return ""
	}
	r := sp.p.acks
	b := sp.replyBuf[:0]
	b = append(b, r.prefix...)
	b = append(b, sp.shardStr...)
	b = append(b, '.')
	b = strconv.AppendUint(b, sp.ackGen, 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, sp.ackSent.Load()+1, 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, seq, 10)
	b = append(b, '.')
	b = append(b, sess...)
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// waitWindow holds the shard's reader while the window of unacknowledged
// messages is full. Messages in flight for ackGiveUp without a single
// acknowledgement are given up on (counted as unconfirmed).
func (sp *ShardPublisher) waitWindow(done <-chan struct{}) {
	var giveUp *time.Timer
	for sp.ackSent.Load()+1-sp.ackNext.Load() >= uint64(DefaultAckWindow) {
		if giveUp == nil {
			giveUp = time.NewTimer(ackGiveUp)
			defer giveUp.Stop()
			sp.p.windowWaits.Add(1)
		}
		select {
		case <-sp.ackSignal:
		case <-done:
			return
		case <-giveUp.C:
			sp.giveUpInFlight()
			return
		}
	}
}

// giveUpInFlight stops waiting for the acknowledgements of what is in
// flight: they are counted as unconfirmed, the confirmed sequence number
// stays where it was for good, and the shard is broken (see breakShard).
func (sp *ShardPublisher) giveUpInFlight() {
	next, sent := sp.ackNext.Load(), sp.ackSent.Load()
	if sent+1 > next && sp.ackNext.CompareAndSwap(next, sent+1) {
		sp.p.unconfirmed.Add(int64(sent + 1 - next))
		sp.p.log.Error("no acknowledgement from the events stream; giving up on the events in flight", "shard", sp.shard, "messages", sent+1-next)
		sp.breakShard("no acknowledgement from the events stream")
	}
}

// confirmStored lowers s.Seq to the last event of s's session the stream
// acknowledged, after waiting up to timeout for what is in flight now.
func (sp *ShardPublisher) confirmStored(timeout time.Duration, s *gateway.Session) {
	target := sp.ackSent.Load() + 1
	if sp.ackNext.Load() < target {
		// Polled: the acknowledgements of what is in flight come within
		// a round trip; the signal channel belongs to the reader.
		deadline := time.Now().Add(timeout)
		for sp.ackNext.Load() < target && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
	}
	var seq int64
	if m := sp.confirmed.Load(); m != nil && m.session == s.ID {
		seq = m.seq.Load()
	}
	if seq < s.Seq {
		s.Seq = seq
	}
}

// errResumeFromStored refuses to publish past messages a dropped connection
// may have lost: the shard must resume from its stored session, so that the
// gateway replays them in order.
var errResumeFromStored = errors.New("cluster: events in flight when NATS reconnected were not confirmed; the shard resumes from its stored session")

// reconnectConfirmWait bounds the wait, after a reconnect, for the
// acknowledgements of what was in flight before it.
const reconnectConfirmWait = 2 * time.Second

// checkReconnect runs before each durable publish. After the connection
// dropped and came back, the messages in flight at the drop may be lost
// (in the dead socket, or stored but never acknowledged): publishing
// anything newer first would store it ahead of them, for good. So it waits
// for their acknowledgements, and if they do not all come, it breaks the
// shard publisher (Broken): the node stops the shard and resumes it from the
// stored session (capped at what the stream acknowledged), the gateway
// replays the rest in order, and the stream's dedup drops what it had.
func (sp *ShardPublisher) checkReconnect(ctx context.Context) error {
	select {
	case <-sp.broken:
		return errResumeFromStored
	default:
	}
	rc := sp.p.nc.Stats().Reconnects
	if rc == sp.reconnects {
		return nil
	}
	sp.reconnects = rc
	deadline := time.Now().Add(reconnectConfirmWait)
	for sp.ackNext.Load() <= sp.ackSent.Load() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			inFlight := sp.ackSent.Load() + 1 - sp.ackNext.Load()
			sp.p.log.Warn("events in flight when NATS reconnected were not confirmed", "shard", sp.shard, "messages", inFlight)
			sp.breakShard("events in flight when NATS reconnected were not confirmed")
			return errResumeFromStored
		}
		time.Sleep(2 * time.Millisecond)
	}
	select {
	case <-sp.broken:
		// Answered, but not all stored (the stream was shutting down).
		return errResumeFromStored
	default:
	}
	// The server may not have recovered the stream yet: the next message
	// waits for its acknowledgement before anything follows it.
	sp.probe = true
	sp.probing.Store(true)
	return nil
}

// probeRetryWait is the pause before a probe the stream was unavailable for
// is published again.
const probeRetryWait = 100 * time.Millisecond

// awaitProbe waits for the acknowledgement of the message just published in
// probe mode (the first of a ShardPublisher, the first after a reconnect):
// nothing newer goes out before it is stored, so a stream that a restarted
// server has not recovered yet cannot store a later message ahead of it.
// again reports that the stream was unavailable: the reader publishes the
// same message again after a pause (the outage is waited out as a NATS
// outage is, holding the shard's reader).
func (sp *ShardPublisher) awaitProbe(ctx context.Context) (again bool, err error) {
	want := sp.ackSent.Load()
	deadline := time.NewTimer(reconnectConfirmWait)
	defer deadline.Stop()
	for sp.ackNext.Load() <= want {
		select {
		case <-sp.ackSignal:
		case <-sp.broken:
			return false, errResumeFromStored
		case <-ctx.Done():
			sp.breakShard("stopped while waiting for an acknowledgement")
			return false, errResumeFromStored
		case <-deadline.C:
			sp.p.log.Warn("no acknowledgement of the first event after a (re)connect", "shard", sp.shard)
			sp.breakShard("no acknowledgement of the first event after a (re)connect")
			return false, errResumeFromStored
		}
	}
	select {
	case <-sp.broken:
		return false, errResumeFromStored
	default:
	}
	if sp.probeRefused.Load() {
		sp.probeRefused.Store(false)
		t := time.NewTimer(probeRetryWait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return false, ctx.Err()
		}
		return true, nil
	}
	sp.probe = false
	return false, nil
}

// Broken is closed when the shard must be stopped and resumed from its
// stored session (see checkReconnect); nil outside Durable mode.
func (sp *ShardPublisher) Broken() <-chan struct{} { return sp.broken }
