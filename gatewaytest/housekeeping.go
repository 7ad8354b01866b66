package gatewaytest

import (
	"slices"
	"time"
)

// The housekeeper is the server's one clock: a single ticker goroutine
// checks every connection's heartbeat deadline and fault timers, expires
// sessions past their resume window, drops replay events written longer
// ago than that, closes connections whose unwritten events stay over the
// bounds, and forgets state nobody uses. Nothing else keeps a timer per
// connection or session, so 1,000 sessions cost 1,000 deadline checks per
// tick, not 1,000 runtime timers.
//
// With no connection and no session there is nothing to check: the ticker
// stops and the housekeeper sleeps until one appears, so an idle server
// uses no CPU.

// tickPeriod is the housekeeper's resolution: a twentieth of the scaled
// heartbeat interval, between 2 ms and 100 ms, and fine enough for chaos.
func (s *Server) tickPeriod() time.Duration {
	p := s.cfg.scale(s.cfg.HeartbeatInterval) / 20
	if s.cfg.Chaos > 0 {
		p = min(p, time.Duration(float64(time.Second)/s.cfg.Chaos/10))
	}
	return min(max(p, 2*time.Millisecond), 100*time.Millisecond)
}

// sweepPeriod is how often the housekeeper looks for idle tokens to forget.
const sweepPeriod = time.Second

func (s *Server) housekeep() {
	t := time.NewTicker(s.tickPeriod())
	defer t.Stop()
	var conns []*Conn
	var sessions, detached []*Session
	window := s.cfg.scale(s.cfg.ResumeWindow)
	var lastSweep time.Time
	for {
		select {
		case <-s.done:
			return
		case now := <-t.C:
			s.stats.housekeeperTicks.Add(1)
			conns = s.liveConns(conns[:0])
			for _, c := range conns {
				c.tick(now)
			}
			clear(conns)
			s.mu.Lock()
			sessions = append(sessions[:0], s.sessionList...)
			s.mu.Unlock()
			detached = detached[:0]
			for _, sess := range sessions {
				if sess.expired(now, window) {
					s.log.Debug("session expired", "session", sess.id)
					sess.kill()
					continue
				}
				sess.expireWritten(now)
				if c := sess.stalledConn(now, s.cfg.PeerTimeout); c != nil {
					c.stalled("unwritten events over the replay bounds for longer than " + s.cfg.PeerTimeout.String())
				}
				if sess.detachedSince() != (time.Time{}) {
					detached = append(detached, sess)
				}
			}
			s.limitDetached(detached)
			clear(sessions)
			clear(detached)
			if now.Sub(lastSweep) >= sweepPeriod {
				lastSweep = now
				s.sweepBots(now)
			}
			if len(conns) == 0 && len(sessions) == 0 {
				// Nothing to watch: stop ticking until something appears.
				t.Stop()
				if !s.waitForActivity() {
					return
				}
				t.Reset(s.tickPeriod())
			}
		}
	}
}

// waitForActivity blocks until the server has a connection or a session,
// or is closed (false).
func (s *Server) waitForActivity() bool {
	for {
		s.mu.Lock()
		busy := len(s.live) > 0 || len(s.sessionList) > 0
		ch := s.changed
		s.mu.Unlock()
		if busy {
			return true
		}
		select {
		case <-ch:
		case <-s.done:
			return false
		}
	}
}

// limitDetached invalidates the sessions that waited longest for a resume
// while more than StateLimit are waiting.
func (s *Server) limitDetached(detached []*Session) {
	extra := len(detached) - s.cfg.StateLimit
	if extra <= 0 {
		return
	}
	slices.SortFunc(detached, func(a, b *Session) int { return a.detachedSince().Compare(b.detachedSince()) })
	for _, sess := range detached[:extra] {
		s.log.Debug("session forgotten: too many sessions waiting for a resume", "session", sess.id)
		sess.kill()
	}
}
