package gatewaytest

import (
	"fmt"
	"time"

	"github.com/gobwas/ws"

	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/opcode"
)

// handle processes one client message that arrived at now: rate limit,
// decode, validate, act. Every timing rule (command window, identify
// window, heartbeat deadline) and every record uses the arrival time, not
// the time the message is processed. Runs on the reader goroutine.
func (c *Conn) handle(msg []byte, _ ws.OpCode, now time.Time) {
	s := c.srv
	count := c.cmds.add(now.UnixNano(), int64(s.cfg.scale(commandWindow)))
	s.stats.noteCommandBurst(count)

	err := c.dec.Decode(msg, &c.env)
	op := c.env.Op
	if err != nil {
		op = -1
	}
	c.mu.Lock()
	c.rec.Commands = appendBounded(c.rec.Commands, CommandRecord{Time: now, Op: op, Size: len(msg)})
	c.rec.CommandCount++
	c.rec.MaxCommandsPerWindow = max(c.rec.MaxCommandsPerWindow, count)
	c.mu.Unlock()

	if count > commandLimit {
		c.violation(closecode.RateLimited, fmt.Sprintf("more than %d payloads in %v", commandLimit, s.cfg.scale(commandWindow)))
		return
	}
	if err != nil {
		c.violation(closecode.DecodeError, "decode error: "+err.Error())
		return
	}
	if c.encName == "etf" {
		if err := etfCheckKeys(msg); err != nil {
			c.violation(closecode.DecodeError, err.Error())
			return
		}
	}
	if !op.Sendable() {
		c.violation(closecode.UnknownOpcode, fmt.Sprintf("op %d is not an op clients send", int(op)))
		return
	}
	d := c.env.D
	if d == nil && op != opcode.Heartbeat {
		c.violation(closecode.UnknownOpcode, fmt.Sprintf("op %d without d", int(op)))
		return
	}
	switch op {
	case opcode.Heartbeat:
		c.onHeartbeat(now, d)
	case opcode.Identify:
		c.onIdentify(now, d)
	case opcode.Resume:
		c.onResume(now, d)
	default:
		if !c.authed.Load() {
			c.violation(closecode.NotAuthenticated, fmt.Sprintf("op %d (%v) before identify or resume", int(op), op))
			return
		}
		c.onCommand(now, op, d)
	}
}

// onHeartbeat handles op 1: d is the last sequence number or null.
func (c *Conn) onHeartbeat(now time.Time, d []byte) {
	hb := HeartbeatRecord{Time: now, Written: c.lastWritten.Load()}
	if !isNull(d) {
		n, ok := rawInt(d)
		if !ok || n < 0 {
			c.violation(closecode.UnknownOpcode, fmt.Sprintf("heartbeat d %.40q is neither a sequence number nor null", d))
			return
		}
		hb.Seq, hb.HasSeq = n, true
	}
	c.armHeartbeat(now)
	c.mu.Lock()
	c.rec.Heartbeats = appendBounded(c.rec.Heartbeats, hb)
	c.rec.HeartbeatCount++
	withhold := c.withhold
	c.mu.Unlock()
	c.srv.stats.heartbeats.Add(1)
	if !withhold {
		c.sendCtrl(ctrlMsg{op: opcode.HeartbeatACK})
	}
}

// armHeartbeat sets the deadline for the next heartbeat.
func (c *Conn) armHeartbeat(now time.Time) {
	cfg := &c.srv.cfg
	c.deadline.Store(now.Add(cfg.scale(cfg.HeartbeatInterval) + cfg.scale(cfg.HeartbeatGrace)).UnixNano())
}
