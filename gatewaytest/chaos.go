package gatewaytest

import (
	"time"

	"github.com/gatewaykit/gateway/closecode"
)

// Chaos: each identified or resumed connection draws its next fault time
// from an exponential distribution with mean 1/Config.Chaos seconds, and
// the fault uniformly from Config.ChaosFaults. Both come from the session's
// random stream, seeded from Config.Seed and the session's shard and
// ordinal, so the same seed and the same client give the same faults.

// chaosCloseCodes are the codes FaultClose picks from under chaos: codes
// Discord sends without the client being at fault.
var chaosCloseCodes = []closecode.Code{closecode.UnknownError, closecode.GoingAway, closecode.SessionTimedOut}

// armChaos schedules the connection's next random fault.
func (c *Conn) armChaos(now time.Time) {
	c.armHostile()
	rate := c.srv.cfg.Chaos
	if rate <= 0 {
		return
	}
	sess := c.Session()
	if sess == nil {
		return
	}
	sess.mu.Lock()
	wait := time.Duration(sess.rng.ExpFloat64() / rate * float64(time.Second))
	sess.mu.Unlock()
	c.mu.Lock()
	c.nextFault = now.Add(wait)
	c.mu.Unlock()
}

// chaos injects one random fault and schedules the next.
func (c *Conn) chaos(now time.Time, sess *Session) {
	faults := c.srv.cfg.ChaosFaults
	sess.mu.Lock()
	k := faults[sess.rng.IntN(len(faults))]
	code := chaosCloseCodes[sess.rng.IntN(len(chaosCloseCodes))]
	sess.mu.Unlock()
	c.armChaos(now)
	switch k {
	case FaultClose:
		_ = c.InjectClose(code)
	case FaultWithholdACKs:
		if c.WithholdACKs(true) == nil {
			cfg := &c.srv.cfg
			c.mu.Lock()
			c.withholdUntil = now.Add(3 * cfg.scale(cfg.HeartbeatInterval))
			c.mu.Unlock()
		}
	default:
		_ = c.Inject(k)
	}
}

// tick runs the connection's timers: heartbeat deadline, op 7 grace,
// withheld ACKs, chaos. Called by the housekeeper.
func (c *Conn) tick(now time.Time) {
	c.mu.Lock()
	if c.closing != nil || c.closed {
		c.mu.Unlock()
		return
	}
	reconnect := !c.reconnectAt.IsZero() && now.After(c.reconnectAt)
	if c.withhold && !c.withholdUntil.IsZero() && now.After(c.withholdUntil) {
		c.withhold, c.withholdUntil = false, time.Time{}
	}
	fault := !c.nextFault.IsZero() && now.After(c.nextFault)
	if fault {
		c.nextFault = time.Time{}
	}
	sess := c.sess
	c.mu.Unlock()

	if dl := c.deadline.Load(); dl != 0 && now.UnixNano() > dl {
		c.violation(closecode.SessionTimedOut, "no heartbeat within heartbeat_interval + grace")
		return
	}
	if reconnect {
		c.closeWith(closecode.UnknownError, "client did not reconnect after op 7")
		return
	}
	c.hostileTick()
	if fault && sess != nil && c.authed.Load() {
		c.chaos(now, sess)
	}
}
