package gatewaytest

import (
	"fmt"
	"time"

	"github.com/gobwas/ws"

	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/opcode"
)

// handle processes one client message that arrived at at, when the
// server had written up to sequence number writtenAt: rate limit, decode,
// validate, act. Runs on the reader goroutine.
//
// Two clocks: the records, the identify window and the command window use
// the arrival time, when the socket read the message, so a loaded machine
// that handles messages late sees neither two identifies sent 5 s apart
// as closer than that nor a backlog of commands handled together as a
// burst. The heartbeat deadline counts from when the heartbeat is handled:
// later than its arrival, so on a loaded machine it errs on the client's
// side.
func (c *Conn) handle(msg []byte, _ ws.OpCode, at time.Time, writtenAt int64) {
	s := c.srv
	now := time.Now()
	count := c.cmds.add(at.UnixNano(), int64(s.cfg.scale(commandWindow)))
	s.stats.noteCommandBurst(count)

	err := c.dec.Decode(msg, &c.env)
	op := c.env.Op
	if err != nil {
		op = -1
	}
	c.mu.Lock()
	c.rec.Commands = appendBounded(c.rec.Commands, CommandRecord{Time: at, Op: op, Size: len(msg)})
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
		c.violation(malformedPayload, fmt.Sprintf("op %d without d", int(op)))
		return
	}
	switch op {
	case opcode.Heartbeat:
		c.onHeartbeat(now, at, writtenAt, d)
	case opcode.Identify:
		c.onIdentify(at, d)
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

// onHeartbeat handles op 1, which arrived at at (when the server had
// written up to writtenAt) and is handled at now: d is the last sequence
// number or null.
func (c *Conn) onHeartbeat(now, at time.Time, writtenAt int64, d []byte) {
	hb := HeartbeatRecord{Time: at, Written: writtenAt}
	if !isNull(d) {
		n, ok := rawInt(d)
		if !ok || n < 0 {
			c.violation(malformedPayload, fmt.Sprintf("heartbeat d %.40q is neither a sequence number nor null", d))
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
