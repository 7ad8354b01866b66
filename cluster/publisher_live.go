package cluster

import (
	"strconv"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/nats-io/nats.go"
)

// liveOrder is what a live ShardPublisher keeps so that no event is ever
// published twice and a consumer can tell a gap, an old owner and a
// possible repeat apart. It is used from the shard's read goroutine only,
// after the node set it up (setEpoch, takeOver) before the shard ran.
//
// The gateway replays, on a resume, everything after the sequence number
// the client presents. Those replays come before RESUMED. On the node that
// published the session so far, every replay up to the last seq it handed
// to NATS is dropped here. After a takeover, the new owner knows only the
// stored seq, which may lag what the old owner published: replays up to it
// are dropped, the ones after it (up to RESUMED) are marked with
// HeaderReplay, for only a consumer that followed the session can tell
// which of them it has already handled.
type liveOrder struct {
	// ambiguous: a takeover's replays are arriving (until RESUMED or a new
	// session's READY).
	ambiguous bool

	prevSession string
	prev        int64
	prevKnown   bool

	epochVal  []string
	prevVal   []string
	replayVal []string
}

// setEpoch records the revision of the node's lease on the shard: every
// event carries it (HeaderEpoch).
func (sp *ShardPublisher) setEpoch(rev uint64) {
	sp.live.epochVal = []string{strconv.FormatUint(rev, 10)}
	sp.hdr[HeaderEpoch] = sp.live.epochVal
}

// takeOver tells a live publisher that the shard resumes a session another
// node published: what the stored session says was published is dropped
// when replayed, and the rest of the replay is marked.
func (sp *ShardPublisher) takeOver(s gateway.Session) {
	if !s.Resumable() {
		return
	}
	sp.mark(s.ID, s.Seq)
	sp.live.ambiguous = true
	sp.live.prevSession, sp.live.prevKnown = s.ID, false
}

// replayed reports whether e is a replay this publisher must not send
// again: its seq is at or below the last one of the same session handed
// to NATS (or skipped as unwanted) here.
func (o *liveOrder) replayed(sp *ShardPublisher, e *gatewayutil.Event) bool {
	switch e.Type {
	case "READY":
		// A new session (OnSession already ran): nothing of it is a
		// replay, and nothing came before READY.
		o.ambiguous = false
		o.prevSession, o.prev, o.prevKnown = sp.currentSession(), 0, true
		return false
	case "RESUMED":
		// The replay is over: what follows is new from the gateway.
		o.ambiguous = false
	}
	m := sp.sent.Load()
	return m != nil && m.session == sp.currentSession() && e.Seq <= m.seq.Load()
}

// prevFor returns the previous seq of session this publisher meant to
// publish, if it knows it.
func (o *liveOrder) prevFor(session string) (int64, bool) {
	if o.prevSession != session || !o.prevKnown {
		return 0, false
	}
	return o.prev, true
}

// attempted records that the event seq of session is being published.
func (o *liveOrder) attempted(session string, seq int64) {
	o.prevSession, o.prev, o.prevKnown = session, seq, true
}

// setHeaders sets HeaderPrev (prev is a view valid until the publish
// returns) and HeaderReplay.
func (o *liveOrder) setHeaders(h nats.Header, prev string, known bool) {
	if known {
		if o.prevVal == nil {
			o.prevVal = []string{""}
		}
		o.prevVal[0] = prev
		h[HeaderPrev] = o.prevVal
	} else {
		delete(h, HeaderPrev)
	}
	if o.ambiguous {
		if o.replayVal == nil {
			o.replayVal = []string{"1"}
		}
		h[HeaderReplay] = o.replayVal
	} else {
		delete(h, HeaderReplay)
	}
}

func (sp *ShardPublisher) currentSession() string {
	if s := sp.session.Load(); s != nil {
		return *s
	}
	return ""
}
