package gatewaytest

import (
	"fmt"
	"strconv"
	"time"

	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/opcode"
)

// Hostile makes the server misbehave on every connection, as a broken or
// hostile gateway does (and as Discord itself does during some incidents):
// it ends every session as soon as it started, or floods the client with
// heartbeat requests. A client that reconnects at once after each of these
// identifies thousands of times a minute; these behaviours are there to
// prove that a client backs off, guards its daily identify budget and keeps
// to the command limit whatever the server does.
//
// The zero value is a well-behaved server.
type Hostile struct {
	// AfterAuth is what the server does once READY (and the GUILD_CREATEs
	// queued with it) or RESUMED has been written to a connection; the
	// housekeeper acts on its next tick after that.
	AfterAuth HostileAction
	// CloseCode is the code of HostileClose; default 4009 (session timed
	// out). A code that allows resuming keeps the session resumable.
	CloseCode closecode.Code
	// HeartbeatFlood, if positive, is how many op 1 heartbeat requests the
	// server sends on every housekeeper tick (2–100 ms) to every connection
	// that has identified or resumed, for as long as it stays open. At most
	// 64.
	HeartbeatFlood int
}

// HostileAction is what a [Hostile] server does after READY or RESUMED.
type HostileAction int

// The hostile actions.
const (
	// HostileNone does nothing.
	HostileNone HostileAction = iota
	// HostileClose closes the connection with [Hostile.CloseCode].
	HostileClose
	// HostileReconnect sends op 7 Reconnect (and closes with 4000 after
	// [Config.ReconnectGrace] if the client stays).
	HostileReconnect
	// HostileInvalidSessionResumable sends op 9 true: the session may be
	// resumed, on a new connection or this one.
	HostileInvalidSessionResumable
	// HostileInvalidSession sends op 9 false and invalidates the session:
	// the client must identify again.
	HostileInvalidSession

	hostileActionEnd
)

// maxHeartbeatFlood bounds Hostile.HeartbeatFlood per tick.
const maxHeartbeatFlood = 64

var hostileActionNames = [...]string{"none", "close", "reconnect", "invalid-session-resumable", "invalid-session"}

// String returns the action's name, such as "invalid-session".
func (a HostileAction) String() string {
	if a >= 0 && a < hostileActionEnd {
		return hostileActionNames[a]
	}
	return fmt.Sprintf("HostileAction(%d)", int(a))
}

// withDefaults validates h and fills in its defaults.
func (h Hostile) withDefaults() (Hostile, error) {
	if h.AfterAuth < HostileNone || h.AfterAuth >= hostileActionEnd {
		return h, configErr("unknown hostile action %d", int(h.AfterAuth))
	}
	if h.HeartbeatFlood < 0 || h.HeartbeatFlood > maxHeartbeatFlood {
		return h, configErr("Hostile.HeartbeatFlood %d is outside [0, %d]", h.HeartbeatFlood, maxHeartbeatFlood)
	}
	if h.CloseCode == 0 {
		h.CloseCode = closecode.SessionTimedOut
	}
	if h.CloseCode < 1000 || h.CloseCode > 4999 {
		return h, configErr("Hostile.CloseCode %d is not a close code", int(h.CloseCode))
	}
	return h, nil
}

// hostileActTimeout bounds how long a hostile action waits for READY or
// RESUMED to be written.
const hostileActTimeout = 10 * time.Second

// armHostile is called when a connection identified or resumed. The
// hostile action waits until what was queued so far (READY and its
// GUILD_CREATEs, or RESUMED) has been written, so the client sees its
// session start, and then ends it at once: a goroutine polls the writer's
// progress every millisecond, for at most hostileActTimeout.
func (c *Conn) armHostile() {
	h := &c.srv.cfg.Hostile
	if h.AfterAuth == HostileNone {
		return
	}
	sess := c.Session()
	if sess == nil {
		return
	}
	after := sess.Seq()
	go func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		deadline := time.Now().Add(hostileActTimeout)
		for c.lastWritten.Load() < after {
			select {
			case <-c.done:
				return
			case now := <-t.C:
				if now.After(deadline) {
					return
				}
			}
		}
		c.hostileAct()
	}()
}

// hostileAct does Hostile.AfterAuth.
func (c *Conn) hostileAct() {
	h := &c.srv.cfg.Hostile
	switch h.AfterAuth {
	case HostileClose:
		_ = c.InjectClose(h.CloseCode)
	case HostileReconnect:
		_ = c.InjectReconnect()
	case HostileInvalidSessionResumable:
		_ = c.InjectInvalidSession(true)
	case HostileInvalidSession:
		_ = c.InjectInvalidSession(false)
	}
	c.srv.log.Debug("hostile action", "conn", c.id, "action", h.AfterAuth.String())
}

// hostileTick runs on every housekeeper tick of a live connection: the
// heartbeat request flood.
func (c *Conn) hostileTick() {
	n := c.srv.cfg.Hostile.HeartbeatFlood
	if n <= 0 || !c.authed.Load() {
		return
	}
	for range n {
		if !c.sendCtrl(ctrlMsg{op: opcode.Heartbeat}) {
			return
		}
	}
	c.noteFault(FaultHeartbeatRequest, "hostile flood of "+strconv.Itoa(n))
}
