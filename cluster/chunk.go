package cluster

import (
	"context"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"
)

// HeaderChunk marks one part of an event too big for one NATS message:
// "<i>/<n>", i from 1 to n. The parts of an event are published one after
// the other on the event's subject, with the event's headers and the dedup id
// "<shard>.<session>.<seq>.<i>"; a consumer joins them before the handlers
// see the event.
const HeaderChunk = "Gateway-Chunk"

// chunkHeaderRoom is what a chunk leaves of the server's max_payload for the
// headers (about 300 bytes in practice).
const chunkHeaderRoom = 1024

// chunkSize is the most payload one message may carry on the publisher's
// connection, 0 when the server's limit is unknown (not connected yet) or
// too small to leave room for the headers.
func (p *Publisher) chunkSize() int {
	mp := int(p.nc.MaxPayload())
	if mp <= 2*chunkHeaderRoom {
		return 0
	}
	return mp - chunkHeaderRoom
}

// publishChunks publishes the prepared message (sp.msg, headers set) in
// parts of at most size bytes. The event counts as published only once
// every part is: a publisher that dies half-way leaves a partial event that
// consumers drop (see assembler), and the replay after the takeover
// publishes the parts again (the stream keeps each part once).
func (sp *ShardPublisher) publishChunks(ctx context.Context, data []byte, size int, sess string, seq int64) error {
	n := (len(data) + size - 1) / size
	id := sp.hdr[nats.MsgIdHdr][0]
	part := []string{""}
	sp.hdr[HeaderChunk] = part
	defer delete(sp.hdr, HeaderChunk)
	suffix := "/" + strconv.Itoa(n)
	for i := 1; i <= n; i++ {
		part[0] = strconv.Itoa(i) + suffix
		sp.hdr[nats.MsgIdHdr][0] = id + "." + strconv.Itoa(i)
		sp.msg.Data = data[(i-1)*size : min(i*size, len(data))]
		// A part's acknowledgement confirms the events before this one;
		// the last part's, this one.
		confirms := seq - 1
		if i == n {
			confirms = seq
		}
		if err := sp.publish(ctx, sess, confirms); err != nil {
			return err
		}
	}
	return nil
}

// publish sends the prepared message. In Durable mode it asks the stream
// for an acknowledgement confirming the session's events up to seq (see
// publisher_acks.go), after waiting for room in the window, and a NATS
// outage is waited out (see retry); a message NATS refuses for what it is
// would be refused for ever and fails at once. The first message of a shard
// publisher and the first after a reconnect wait for their acknowledgement,
// and are published again while the stream is unavailable (see awaitProbe).
func (sp *ShardPublisher) publish(ctx context.Context, sess string, seq int64) error {
	p := sp.p
	if p.acks == nil {
		err := p.nc.PublishMsg(sp.msg)
		if err != nil && p.cfg.Mode == Durable && !p.nc.IsClosed() && !p.nc.IsConnected() {
			err = sp.retry(ctx)
		}
		return err
	}
	waits := 0
	for {
		if err := sp.checkReconnect(ctx); err != nil {
			return err
		}
		sp.waitWindow(ctx.Done())
		sp.msg.Reply = sp.replySubject(sess, seq)
		probe := sp.probe && sp.msg.Reply != ""
		sp.probing.Store(probe)
		err := p.nc.PublishMsg(sp.msg)
		if err != nil && !p.nc.IsClosed() && !p.nc.IsConnected() {
			// retry may find a reconnect and ask for a probe.
			err = sp.retry(ctx)
			probe = sp.probe && sp.msg.Reply != ""
			sp.probing.Store(probe)
		}
		reply := sp.msg.Reply
		sp.msg.Reply = ""
		if err != nil || reply == "" {
			sp.probing.Store(false)
			return err
		}
		sp.ackSent.Add(1)
		if !probe {
			return nil
		}
		again, err := sp.awaitProbe(ctx)
		sp.probing.Store(false)
		if !again {
			return err
		}
		if waits++; waits == 1 || waits%100 == 0 {
			p.log.Warn("the events stream is unavailable; holding the shard until it stores the event", "shard", sp.shard, "seq", seq, "attempts", waits)
		}
	}
}

// parseChunk reads a HeaderChunk value "<i>/<n>".
func parseChunk(v string) (i, n int, ok bool) {
	a, b, found := strings.Cut(v, "/")
	if !found {
		return 0, 0, false
	}
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || i < 1 || n < 2 || i > n {
		return 0, 0, false
	}
	return i, n, true
}

// assembler joins the parts of one chunked event of a partition. It holds
// at most one event, of at most max bytes.
type assembler struct {
	max     int
	session string
	seq     int64
	next    int // the part expected next, 0 when nothing is held
	total   int
	buf     []byte
	// dropped is the last (session, seq) dropped, so that its remaining
	// parts are not counted again.
	droppedSession string
	droppedSeq     int64
}

// holding reports whether part of an event is held, waiting for the rest.
func (a *assembler) holding() bool { return a.next != 0 }

// add takes one part. It returns the whole event's payload once its last part
// came, and how many events it gave up on (parts missing: a publisher that
// died half-way, the stream's limits, a live subscription that started
// mid-event; or the event is bigger than max).
func (a *assembler) add(session string, seq int64, i, n int, data []byte) (whole []byte, dropped int) {
	if a.holding() && (session != a.session || seq != a.seq || i != a.next || n != a.total) {
		dropped += a.drop()
	}
	if !a.holding() {
		if i != 1 {
			if session != a.droppedSession || seq != a.droppedSeq {
				a.droppedSession, a.droppedSeq = session, seq
				dropped++
			}
			return nil, dropped
		}
		a.session, a.seq, a.total, a.next = session, seq, n, 1
		a.buf = make([]byte, 0, min(n*len(data), a.max))
	}
	if len(a.buf)+len(data) > a.max {
		return nil, dropped + a.drop()
	}
	a.buf = append(a.buf, data...)
	a.next++
	if i < n {
		return nil, dropped
	}
	whole = a.buf
	a.buf, a.next = nil, 0
	return whole, dropped
}

// drop forgets the event held; it returns 1 if there was one.
func (a *assembler) drop() int {
	if !a.holding() {
		return 0
	}
	a.droppedSession, a.droppedSeq = a.session, a.seq
	a.buf, a.next = nil, 0
	return 1
}
