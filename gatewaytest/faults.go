package gatewaytest

import (
	"fmt"
	"strconv"
	"time"

	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/opcode"
)

// FaultKind is a way the server can misbehave on purpose.
type FaultKind int

// The faults. Each has a method on [Conn]; [Conn.Inject] takes the kind.
const (
	// FaultReconnect sends op 7 Reconnect; if the client has not closed the
	// connection after [Config.ReconnectGrace], the server closes it with
	// 4000.
	FaultReconnect FaultKind = iota + 1
	// FaultInvalidSessionResumable sends op 9 true.
	FaultInvalidSessionResumable
	// FaultInvalidSession sends op 9 false and invalidates the session.
	FaultInvalidSession
	// FaultClose closes the connection with a close code (chaos picks
	// 4000, 1001 or 4009).
	FaultClose
	// FaultDropTCP closes the TCP connection without a close frame.
	FaultDropTCP
	// FaultWithholdACKs stops answering heartbeats (a zombie connection);
	// chaos gives them back after three heartbeat intervals.
	FaultWithholdACKs
	// FaultSplitFrames sends the next message as three frames: a first
	// frame and continuation frames.
	FaultSplitFrames
	// FaultSplitMessages sends the next zlib-stream message as two
	// WebSocket messages, only the second ending with 00 00 ff ff; on other
	// connections it is FaultSplitFrames.
	FaultSplitMessages
	// FaultReorderKeys sends the next JSON dispatch with its envelope keys
	// in another order than Discord's t, s, op, d.
	FaultReorderKeys
	// FaultHugePayload sends a GUILD_MEMBERS_CHUNK of about
	// [HugePayloadSize] bytes.
	FaultHugePayload
	// FaultHeartbeatRequest sends op 1, asking for an immediate heartbeat.
	FaultHeartbeatRequest

	faultEnd
)

// SurvivableFaults are the faults a correct client recovers from without
// losing events; the default of [Config.ChaosFaults].
var SurvivableFaults = []FaultKind{
	FaultReconnect, FaultInvalidSessionResumable, FaultInvalidSession, FaultClose,
	FaultDropTCP, FaultWithholdACKs, FaultSplitFrames, FaultSplitMessages,
	FaultReorderKeys, FaultHugePayload, FaultHeartbeatRequest,
}

// HugePayloadSize is the size of the payload FaultHugePayload sends.
const HugePayloadSize = 2 << 20

var faultNames = map[FaultKind]string{
	FaultReconnect:               "reconnect",
	FaultInvalidSessionResumable: "invalid-session-resumable",
	FaultInvalidSession:          "invalid-session",
	FaultClose:                   "close",
	FaultDropTCP:                 "drop-tcp",
	FaultWithholdACKs:            "withhold-acks",
	FaultSplitFrames:             "split-frames",
	FaultSplitMessages:           "split-messages",
	FaultReorderKeys:             "reorder-keys",
	FaultHugePayload:             "huge-payload",
	FaultHeartbeatRequest:        "heartbeat-request",
}

// String returns the fault's name, such as "drop-tcp".
func (k FaultKind) String() string {
	if n, ok := faultNames[k]; ok {
		return n
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

func (k FaultKind) valid() bool { return k > 0 && k < faultEnd }

// noteFault records and counts a fault.
func (c *Conn) noteFault(k FaultKind, detail string) {
	c.mu.Lock()
	c.rec.Faults = appendBounded(c.rec.Faults, FaultRecord{Time: time.Now(), Kind: k, Detail: detail})
	c.mu.Unlock()
	c.srv.stats.faults.Add(1)
	c.srv.log.Debug("fault injected", "conn", c.id, "fault", k.String(), "detail", detail)
}

// Inject injects a fault of kind k with its default parameters (for
// FaultClose, code 4000).
func (c *Conn) Inject(k FaultKind) error {
	switch k {
	case FaultReconnect:
		return c.InjectReconnect()
	case FaultInvalidSessionResumable:
		return c.InjectInvalidSession(true)
	case FaultInvalidSession:
		return c.InjectInvalidSession(false)
	case FaultClose:
		return c.InjectClose(closecode.UnknownError)
	case FaultDropTCP:
		return c.DropTCP()
	case FaultWithholdACKs:
		return c.WithholdACKs(true)
	case FaultSplitFrames:
		return c.SplitNextFrames(1)
	case FaultSplitMessages:
		return c.SplitNextMessages(1)
	case FaultReorderKeys:
		return c.ReorderNextKeys(1)
	case FaultHugePayload:
		return c.InjectHugePayload(HugePayloadSize)
	case FaultHeartbeatRequest:
		return c.RequestHeartbeat()
	}
	return fmt.Errorf("gatewaytest: unknown fault kind %d", int(k))
}

// InjectReconnect sends op 7 Reconnect. If the client keeps the connection
// open for longer than [Config.ReconnectGrace], the server closes it with
// 4000.
func (c *Conn) InjectReconnect() error {
	if !c.sendCtrl(ctrlMsg{op: opcode.Reconnect}) {
		return ErrClosed
	}
	c.mu.Lock()
	if c.reconnectAt.IsZero() {
		c.reconnectAt = time.Now().Add(c.srv.cfg.scale(c.srv.cfg.ReconnectGrace))
	}
	c.mu.Unlock()
	c.noteFault(FaultReconnect, "")
	return nil
}

// InjectInvalidSession sends op 9 with d = resumable. The connection is no
// longer authenticated: with true the session waits, detached, for a
// resume (on this connection or a new one); with false it is invalidated
// (a resume of it gets op 9 too) and the client must identify again.
func (c *Conn) InjectInvalidSession(resumable bool) error {
	if c.isClosing() {
		return ErrClosed
	}
	c.invalidSession(resumable)
	k := FaultInvalidSession
	if resumable {
		k = FaultInvalidSessionResumable
	}
	c.noteFault(k, "")
	return nil
}

// InjectClose closes the connection with code, as the server. The session
// stays resumable when the code allows resuming (closecode.Code.Action),
// and is invalidated otherwise.
func (c *Conn) InjectClose(code closecode.Code) error {
	if !c.closeWith(code, "closed by the emulator (fault)") {
		return ErrClosed
	}
	c.noteFault(FaultClose, strconv.Itoa(int(code)))
	return nil
}

// DropTCP closes the TCP connection without a close frame. The session
// stays resumable.
func (c *Conn) DropTCP() error {
	if !c.dropTCP() {
		return ErrClosed
	}
	c.noteFault(FaultDropTCP, "")
	return nil
}

// WithholdACKs stops (true) or resumes (false) answering heartbeats with
// op 11, making the connection look like a zombie to the client.
func (c *Conn) WithholdACKs(on bool) error {
	c.mu.Lock()
	closed := c.closing != nil || c.closed
	c.withhold = on
	c.withholdUntil = time.Time{}
	c.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if on {
		c.noteFault(FaultWithholdACKs, "")
	}
	return nil
}

// RequestHeartbeat sends op 1: the client must heartbeat at once.
func (c *Conn) RequestHeartbeat() error {
	if !c.sendCtrl(ctrlMsg{op: opcode.Heartbeat}) {
		return ErrClosed
	}
	c.noteFault(FaultHeartbeatRequest, "")
	return nil
}

// SplitNextFrames sends each of the next n messages as three frames (a
// data frame without FIN, then continuation frames).
func (c *Conn) SplitNextFrames(n int) error {
	return c.shape(FaultSplitFrames, n, &c.splitFrames)
}

// SplitNextMessages sends each of the next n zlib-stream messages as two
// WebSocket messages; on connections without zlib-stream it splits frames
// instead.
func (c *Conn) SplitNextMessages(n int) error {
	return c.shape(FaultSplitMessages, n, &c.splitMessages)
}

// ReorderNextKeys sends the next n JSON dispatches with their envelope
// keys in another order than Discord's. ETF connections ignore it (map
// order is not observable there).
func (c *Conn) ReorderNextKeys(n int) error {
	return c.shape(FaultReorderKeys, n, &c.reorder)
}

func (c *Conn) shape(k FaultKind, n int, counter *int) error {
	if n <= 0 {
		return fmt.Errorf("gatewaytest: %v: n must be positive", k)
	}
	c.mu.Lock()
	closed := c.closing != nil || c.closed
	if !closed {
		*counter += n
		c.shapeFaults.Store(int32(c.splitFrames + c.splitMessages + c.reorder))
	}
	c.mu.Unlock()
	if closed {
		return ErrClosed
	}
	c.noteFault(k, strconv.Itoa(n))
	c.kick()
	return nil
}

// takeReorder consumes a reorder fault and returns the key order to use.
func (c *Conn) takeReorder() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reorder == 0 {
		return 0
	}
	c.reorder--
	c.shapeFaults.Store(int32(c.splitFrames + c.splitMessages + c.reorder))
	c.reorderRand ^= c.reorderRand << 13
	c.reorderRand ^= c.reorderRand >> 7
	c.reorderRand ^= c.reorderRand << 17
	return 1 + int(c.reorderRand%uint64(len(envelopeOrders)-1))
}

// takeSplit consumes a split fault: the number of frames, and whether to
// split a zlib-stream message across WebSocket messages.
func (c *Conn) takeSplit() (parts int, messages bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.splitMessages > 0:
		c.splitMessages--
		messages = true
		parts = 1
		if c.compress != CompressZlib {
			parts = 3
		}
	case c.splitFrames > 0:
		c.splitFrames--
		parts = 3
	default:
		return 1, false
	}
	c.shapeFaults.Store(int32(c.splitFrames + c.splitMessages + c.reorder))
	return parts, messages
}

// InjectHugePayload sends the session a GUILD_MEMBERS_CHUNK of about size
// bytes (at most 1000 members with long role lists), for one of its
// guilds. It needs a session.
func (c *Conn) InjectHugePayload(size int) error {
	sess := c.Session()
	if sess == nil || c.isClosing() {
		return ErrNotConnected
	}
	guild := uint64(0)
	if owned := c.srv.ownedGuilds(sess.shardID, sess.shardCount); len(owned) > 0 {
		guild = owned[0]
	}
	sess.deliver(event.GuildMembersChunk, hugeMembersChunk(guild, size), false)
	c.noteFault(FaultHugePayload, strconv.Itoa(size))
	return nil
}

// hugeMembersChunk builds a GUILD_MEMBERS_CHUNK of about size bytes.
func hugeMembersChunk(guild uint64, size int) []byte {
	const members = 1000
	per := max(size/members, 200)
	roles := max((per-230)/22, 0)
	b := make([]byte, 0, size+4096)
	b = append(b, `{"guild_id":"`...)
	b = strconv.AppendUint(b, guild, 10)
	b = append(b, `","members":[`...)
	base := uint64(1_100_000_000_000_000_000)
	for i := 0; i < members && len(b) < size; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		id := base + uint64(i)
		b = append(b, `{"user":{"id":"`...)
		b = strconv.AppendUint(b, id, 10)
		b = append(b, `","username":"huge_member_`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `","global_name":null,"avatar":null,"discriminator":"0","public_flags":0},"roles":[`...)
		for r := 0; r < roles; r++ {
			if r > 0 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = strconv.AppendUint(b, base+1_000_000+uint64(r), 10)
			b = append(b, '"')
		}
		b = append(b, `],"joined_at":"2024-01-01T00:00:00.000000+00:00","deaf":false,"mute":false,"flags":0}`...)
	}
	b = append(b, `],"chunk_index":0,"chunk_count":1,"nonce":"emulator-huge-payload"}`...)
	return b
}
