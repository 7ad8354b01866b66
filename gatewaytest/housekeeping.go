package gatewaytest

import (
	"time"
)

// The housekeeper is the server's one clock: a single ticker goroutine
// checks every connection's heartbeat deadline and fault timers, expires
// sessions past their resume window and drops replay events written longer
// ago than that. Nothing else keeps a timer per
// connection or session, so 1,000 sessions cost 1,000 deadline checks per
// tick, not 1,000 runtime timers.

// tickPeriod is the housekeeper's resolution: a twentieth of the scaled
// heartbeat interval, between 2 ms and 100 ms, and fine enough for chaos.
func (s *Server) tickPeriod() time.Duration {
	p := s.cfg.scale(s.cfg.HeartbeatInterval) / 20
	if s.cfg.Chaos > 0 {
		p = min(p, time.Duration(float64(time.Second)/s.cfg.Chaos/10))
	}
	return min(max(p, 2*time.Millisecond), 100*time.Millisecond)
}

func (s *Server) housekeep() {
	t := time.NewTicker(s.tickPeriod())
	defer t.Stop()
	var conns []*Conn
	var sessions []*Session
	window := s.cfg.scale(s.cfg.ResumeWindow)
	for {
		select {
		case <-s.done:
			return
		case now := <-t.C:
			conns = s.liveConns(conns[:0])
			for _, c := range conns {
				c.tick(now)
			}
			clear(conns)
			s.mu.Lock()
			sessions = append(sessions[:0], s.sessionList...)
			s.mu.Unlock()
			for _, sess := range sessions {
				if sess.expired(now, window) {
					s.log.Debug("session expired", "session", sess.id)
					sess.kill()
					continue
				}
				sess.expireWritten(now)
			}
			clear(sessions)
		}
	}
}
