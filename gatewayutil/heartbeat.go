package gatewayutil

import (
	"errors"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
)

// heartbeat is a connection's heartbeat goroutine, started at HELLO: the
// first beat after the Client's jittered delay, then one per interval, on a
// single timer. Each beat first takes a priority slot of the command limiter
// (never queued behind ordinary commands). If nothing at all arrived since
// the previous beat, the Client refuses to send (gateway.ErrZombie) and the
// connection is closed with a resumable code so the shard resumes on a new
// one.
//
// "Nothing at all" means no byte: the Client only sees whole messages, so
// before each beat the goroutine tells it the connection is alive if bytes
// arrived since the previous beat (a multi-megabyte message still on its
// way, whose frames hold back the ACK behind it), or if the reader is busy
// with a message and so not looking at the socket (the ACK may be waiting
// there). Without this, a message that takes longer than an interval to
// arrive or to handle would be taken for a dead connection, and would be
// replayed after the resume, again and again. The goroutine also runs the stall watchdog: heartbeats acknowledged
// but no dispatch for Config.StallIntervals intervals sets Status.Stalled.
//
// It returns when the connection's context ends or a write fails.
func (sc *shardConn) heartbeat(first, interval time.Duration) {
	defer sc.wg.Done()
	s := sc.s
	t := time.NewTimer(first)
	defer t.Stop()
	lastDispatches := s.stats.dispatches.Load()
	lastWire := s.stats.bytesWire.Load()
	quiet := 0
	for {
		select {
		case <-sc.ctx.Done():
			return
		case <-t.C:
		}
		if err := s.limiter.WaitPriority(sc.ctx); err != nil {
			return
		}
		if w := s.stats.bytesWire.Load(); w != lastWire || sc.busy.Load() {
			sc.client.MarkAlive()
			lastWire = w
		}
		acked := sc.client.HeartbeatAcked()
		// Stamp before writing: the ACK may be read before Heartbeat
		// returns.
		sc.beatSent.Store(time.Now().UnixNano())
		err := sc.client.Heartbeat(&sc.ws.pw)
		switch {
		case errors.Is(err, gateway.ErrZombie):
			s.stats.zombies.Add(1)
			s.log.Warn("no frame arrived for a heartbeat interval; closing the zombie connection to resume", "interval", interval)
			sc.abort(closecode.Resumable, ErrZombie)
			return
		case err != nil:
			// Closed or broken: the reader finds out by itself.
			s.log.Debug("heartbeat not sent", "err", err)
			return
		}
		s.stats.beats.Add(1)

		d := s.stats.dispatches.Load()
		if sc.connected.Load() && acked && d == lastDispatches {
			quiet++
		} else {
			quiet = 0
		}
		lastDispatches = d
		if n := s.cfg.StallIntervals; n > 0 {
			stalled := quiet >= n
			if s.stats.stalled.Swap(stalled) != stalled {
				if stalled {
					s.log.Warn("heartbeats are acknowledged but no dispatch arrived", "intervals", quiet, "interval", interval)
				} else {
					s.log.Info("dispatches flow again")
				}
			}
		}
		t.Reset(interval)
	}
}
