package gatewayutil

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
)

// heartbeater sends a connection's heartbeats, from HELLO on: the first
// after the Client's jittered delay, then one per interval on a fixed
// schedule (a late beat does not push the next ones back).
//
// No goroutine waits between beats: the schedule is a time.AfterFunc timer,
// whose callback runs on a fresh goroutine only when a beat is due, sends
// it, and re-arms the timer. An idle shard thus costs one goroutine (its
// reader) instead of two, and the stack a waiting goroutine would pin.
//
// Each beat first takes a priority slot of the command limiter (never
// queued behind ordinary commands). If nothing at all arrived since the
// previous beat, the Client refuses to send (gateway.ErrZombie) and the
// connection is closed with a resumable code so the shard resumes on a new
// one.
//
// "Nothing at all" means no byte: the Client only sees whole messages, so
// before each beat the heartbeater tells it the connection is alive if
// bytes arrived since the previous beat (a multi-megabyte message still on
// its way, whose frames hold back the ACK behind it), or if the reader is
// not inside a socket read but busy with a message (the ACK may be waiting
// in the socket). Without this, a message that takes longer than an
// interval to arrive or to handle would be taken for a dead connection, and
// would be replayed after the resume, again and again. The heartbeater also
// runs the stall watchdog: heartbeats acknowledged but no dispatch for
// Config.StallIntervals intervals sets Status.Stalled.
//
// Each beat records how late it went out against its schedule (timer,
// scheduler and limiter delays, and the write itself) in
// Status.HeartbeatLate and Config.HeartbeatLateness.
type heartbeater struct {
	sc       *shardConn
	interval time.Duration
	due      time.Time // when the next beat is scheduled
	timer    *time.Timer

	// Only the running callback touches these.
	lastDispatches int64
	lastWire       int64
	quiet          int // consecutive acknowledged beats without a dispatch

	mu      sync.Mutex // orders re-arming against stop
	stopped bool

	written   atomic.Int64 // heartbeats written on this connection
	requested atomic.Bool  // an op 1 waits for its heartbeat
}

// startHeartbeats arms the first beat. The pending beat holds a count of
// sc.wg until it has run or stop cancelled it.
func (sc *shardConn) startHeartbeats(first, interval time.Duration) {
	s := sc.s
	hb := &sc.hb
	hb.sc, hb.interval = sc, interval
	hb.lastDispatches = s.stats.dispatches.Load()
	hb.lastWire = s.stats.bytesWire.Load()
	hb.due = time.Now().Add(first)
	hb.mu.Lock()
	defer hb.mu.Unlock()
	if hb.stopped {
		return
	}
	sc.wg.Add(1)
	hb.timer = time.AfterFunc(first, hb.fire)
}

// stop cancels the pending beat; one that is running finishes (the
// connection's context is cancelled first, so it stops early) and does not
// re-arm. The caller then waits for sc.wg.
func (hb *heartbeater) stop() {
	hb.mu.Lock()
	defer hb.mu.Unlock()
	hb.stopped = true
	if hb.timer != nil && hb.timer.Stop() {
		hb.sc.wg.Done() // the beat that will not run
	}
}

// fire is the timer callback: one beat, then the next is scheduled.
func (hb *heartbeater) fire() {
	sc := hb.sc
	// Under mu, after the Reset that armed this call: the state the
	// previous call left is visible here.
	hb.mu.Lock()
	stopped := hb.stopped
	hb.mu.Unlock()
	if stopped || !hb.beat() {
		sc.wg.Done()
		return
	}
	now := time.Now()
	hb.due = hb.due.Add(hb.interval)
	if !hb.due.After(now) {
		// More than an interval late (a suspended machine, a stuck
		// write): start the schedule afresh rather than beat twice.
		hb.due = now.Add(hb.interval)
	}
	hb.mu.Lock()
	if !hb.stopped {
		sc.wg.Add(1)
		hb.timer.Reset(hb.due.Sub(now))
	}
	hb.mu.Unlock()
	sc.wg.Done()
}

// beat sends one heartbeat and runs the watchdog. It reports false when the
// heartbeats must stop: the connection is ending, or a zombie was found.
func (hb *heartbeater) beat() bool {
	sc := hb.sc
	s := sc.s
	if sc.ctx.Err() != nil {
		return false
	}
	if err := s.limiter.WaitPriority(sc.ctx); err != nil {
		return false
	}
	if w := s.stats.bytesWire.Load(); w != hb.lastWire || !sc.ws.rd.reading.Load() {
		sc.client.MarkAlive()
		hb.lastWire = w
	}
	acked := sc.client.HeartbeatAcked()
	// Stamp before writing: the ACK may be read before Heartbeat returns.
	sc.beatSent.Store(time.Now().UnixNano())
	err := sc.client.Heartbeat(&sc.ws.pw)
	switch {
	case errors.Is(err, gateway.ErrZombie):
		s.stats.zombies.Add(1)
		s.log.Warn("no frame arrived for a heartbeat interval; closing the zombie connection to resume", "interval", hb.interval)
		sc.abort(closecode.Resumable, ErrZombie)
		return false
	case err != nil:
		// Closed or broken: the reader finds out by itself.
		s.log.Debug("heartbeat not sent", "err", err)
		return false
	}
	hb.written.Add(1)
	late := max(time.Since(hb.due), 0)
	s.stats.beats.Add(1)
	s.stats.beatLate.Store(int64(late))
	if h := s.cfg.HeartbeatLateness; h != nil {
		h.Observe(late)
	}

	d := s.stats.dispatches.Load()
	if sc.connected.Load() && acked && d == hb.lastDispatches {
		hb.quiet++
	} else {
		hb.quiet = 0
	}
	hb.lastDispatches = d
	if n := s.cfg.StallIntervals; n > 0 {
		stalled := hb.quiet >= n
		if s.stats.stalled.Load() != stalled {
			// Log first: whoever sees Status.Stalled change finds the
			// reason already logged.
			if stalled {
				s.log.Warn("heartbeats are acknowledged but no dispatch arrived", "intervals", hb.quiet, "interval", hb.interval)
			} else {
				s.log.Info("dispatches flow again")
			}
			s.stats.stalled.Store(stalled)
		}
	}
	return true
}

// requestHeartbeat handles a server's op 1, on the reader goroutine. The
// heartbeat it asks for takes a priority slot of the command limiter
// before it is written, like every payload, so a gateway flooding op 1
// cannot push the connection over the send limit: requests are coalesced.
// At most one waits for its slot; those arriving meanwhile are merged into
// it, and it is dropped if a scheduled heartbeat went out since the request
// (that heartbeat answered it). The wait happens on a goroutine of its
// own, so the reader goes on reading; it holds a count of sc.wg.
func (sc *shardConn) requestHeartbeat() {
	hb := &sc.hb
	if !hb.requested.CompareAndSwap(false, true) {
		return
	}
	seen := hb.written.Load()
	sc.wg.Add(1)
	go sc.answerHeartbeatRequest(seen)
}

// answerHeartbeatRequest sends the heartbeat an op 1 asked for, once the
// limiter allows, unless seen is no longer the count of heartbeats written.
func (sc *shardConn) answerHeartbeatRequest(seen int64) {
	defer sc.wg.Done()
	s, hb := sc.s, &sc.hb
	err := s.limiter.WaitPriority(sc.ctx)
	// From here on a new op 1 needs a heartbeat of its own.
	hb.requested.Store(false)
	if err != nil || hb.written.Load() != seen {
		return
	}
	sc.beatSent.CompareAndSwap(0, time.Now().UnixNano())
	if err := sc.client.Heartbeat(&sc.ws.pw); err != nil {
		s.log.Debug("requested heartbeat not sent", "err", err)
		return
	}
	hb.written.Add(1)
	s.stats.beats.Add(1)
}
