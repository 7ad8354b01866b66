package gatewaytest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"

	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/encoding"
	"github.com/gatewaykit/gateway/opcode"
)

// Conn is one WebSocket connection to the gateway. Its reader runs on the
// goroutine that accepted it; a writer goroutine runs only while there is
// something to write. [Conn.Record] tells what the client did; the Inject
// methods and friends (faults.go) make the server misbehave on purpose.
type Conn struct {
	srv      *Server
	id       uint64
	nc       net.Conn
	fr       frameReader
	encName  string
	compress string

	// Owned by the reader goroutine.
	dec  encoding.Codec
	env  encoding.Envelope
	cmds commandCounter

	// Owned by the writer goroutine.
	enc     encoding.Codec
	bw      *bufio.Writer // from writerPool while the writer runs
	out     []byte
	hdr     [ws.MaxHeaderSize]byte
	pongOut [125]byte // the pong being written
	// writeDeadline is the socket's write deadline (armWriteDeadline).
	writeDeadline time.Time
	transport     compressor
	payload       payloadZlib
	batch         []replayEntry

	pending, running atomic.Int32
	authed           atomic.Bool  // identified or resumed, session valid
	payloadCompress  atomic.Bool  // identify compress:true in effect
	deadline         atomic.Int64 // heartbeat deadline, unix nanoseconds
	shapeFaults      atomic.Int32 // pending split/reorder faults (fast path check)
	bytesSent        atomic.Int64
	lastWritten      atomic.Int64 // last sequence number written
	writerDone       chan struct{}

	mu            sync.Mutex
	ctrl          []ctrlMsg // bounded by maxCtrlQueue
	ctrlSpare     []ctrlMsg
	pong          [125]byte // the latest ping's payload, owed a pong
	pongLen       int
	pongDue       bool
	sess          *Session
	closing       *closeReq
	closed        bool
	withhold      bool
	withholdUntil time.Time // chaos: give ACKs back at this time
	splitFrames   int       // next messages to send in several frames
	splitMessages int       // next zlib-stream messages to send in several WebSocket messages
	reorder       int       // next JSON messages to send with keys reordered
	reorderRand   uint64
	reconnectAt   time.Time // close with 4000 at this time (op 7 grace)
	nextFault     time.Time // chaos
	rec           Record
	done          chan struct{}
}

// ctrlMsg is a non-dispatch message waiting for the writer.
type ctrlMsg struct {
	op opcode.Opcode
	d  []byte // JSON; nil is null
}

// closeReq is how the connection ends: a close frame with code, or a TCP
// drop without one.
type closeReq struct {
	code   closecode.Code
	reason string
	drop   bool
	echo   bool // answering the client's close frame: close the socket at once
}

// ID returns the connection number, from 1 in order of acceptance.
func (c *Conn) ID() uint64 { return c.id }

// Session returns the session this connection identified or resumed, or
// nil.
func (c *Conn) Session() *Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sess
}

// Record returns a copy of what the connection did so far. It is safe to
// call at any time, from any goroutine.
func (c *Conn) Record() Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.rec.clone()
	r.BytesSent = c.bytesSent.Load()
	return r
}

// Done is closed when the connection has ended.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Closed reports whether the connection has ended.
func (c *Conn) Closed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// maxCtrlQueue bounds the non-dispatch messages waiting for the writer.
// Clients cause them at most at the command rate (an ACK per heartbeat, an
// op 9 per refused identify), and the writer takes them all every round,
// so a full queue means the writer has been stuck on a client that does
// not read.
const maxCtrlQueue = 256

// sendCtrl queues a non-dispatch message. A client whose queue is full is
// closed (it stopped reading) and the message dropped.
func (c *Conn) sendCtrl(m ctrlMsg) bool {
	c.mu.Lock()
	if c.closing != nil || c.closed {
		c.mu.Unlock()
		return false
	}
	if len(c.ctrl) >= maxCtrlQueue {
		c.mu.Unlock()
		c.stalled(fmt.Sprintf("%d messages waiting to be written", maxCtrlQueue))
		return false
	}
	c.ctrl = append(c.ctrl, m)
	c.mu.Unlock()
	c.kick()
	return true
}

// queuePong records that the client's latest ping needs a pong. Pongs are
// coalesced: RFC 6455 (5.5.3) lets an endpoint answer only the most recent
// ping, so a client that floods pings and never reads costs one pending
// pong, not a queue.
func (c *Conn) queuePong(p []byte) {
	c.mu.Lock()
	if c.closing != nil || c.closed {
		c.mu.Unlock()
		return
	}
	c.pongLen = copy(c.pong[:], p)
	c.pongDue = true
	c.mu.Unlock()
	c.kick()
}

// takePongLocked copies the pending pong's payload into dst and clears
// it; ok is false when none is due.
func (c *Conn) takePongLocked(dst *[125]byte) (p []byte, ok bool) {
	if !c.pongDue {
		return nil, false
	}
	c.pongDue = false
	n := copy(dst[:], c.pong[:c.pongLen])
	return dst[:n], true
}

// stalled closes a client that stopped reading with 4009 (session timed
// out), recording why.
func (c *Conn) stalled(reason string) {
	reason = "client not reading: " + reason
	if c.closeWith(closecode.SessionTimedOut, reason) {
		c.noteViolation(closecode.SessionTimedOut, reason)
	}
}

// isClosing reports whether the server decided to end the connection.
func (c *Conn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing != nil || c.closed
}

// closeWith ends the connection with a close frame. The session survives
// (for a resume) when the code lets clients resume, and is invalidated
// otherwise. It reports whether this call started the close.
func (c *Conn) closeWith(code closecode.Code, reason string) bool {
	c.mu.Lock()
	if c.closing != nil || c.closed {
		c.mu.Unlock()
		return false
	}
	c.closing = &closeReq{code: code, reason: reason}
	c.rec.CloseSent, c.rec.CloseSentReason = code, reason
	sess := c.sess
	c.mu.Unlock()
	if sess != nil && code.Action() != closecode.Resume {
		c.authed.Store(false)
		sess.kill()
	}
	c.srv.log.Debug("closing connection", "conn", c.id, "code", int(code), "reason", reason)
	c.kick()
	return true
}

// violation records a protocol violation and closes with its code.
func (c *Conn) violation(code closecode.Code, reason string) {
	c.noteViolation(code, reason)
	c.closeWith(code, reason)
}

// noteViolation records a violation without acting on it.
func (c *Conn) noteViolation(code closecode.Code, reason string) {
	c.mu.Lock()
	c.rec.Violations = appendBounded(c.rec.Violations, Violation{Time: time.Now(), Code: code, Reason: reason})
	c.mu.Unlock()
	c.srv.stats.violations.Add(1)
	c.srv.log.Info("client violation", "conn", c.id, "code", int(code), "reason", reason)
}

// dropTCP closes the socket without a close frame.
func (c *Conn) dropTCP() bool {
	c.mu.Lock()
	if c.closing != nil || c.closed {
		c.mu.Unlock()
		return false
	}
	c.closing = &closeReq{drop: true}
	c.mu.Unlock()
	_ = c.nc.Close()
	return true
}

// serve runs the connection: HELLO, then the read loop, until the
// connection ends.
func (c *Conn) serve() {
	defer close(c.done)
	var cc *clientClose
	for {
		msg, op, err := c.fr.next()
		if err != nil {
			switch {
			case errors.As(err, &cc):
			case errors.Is(err, errTooBig):
				c.violation(closecode.DecodeError, "payload over 4096 bytes")
				c.drain()
			case errors.Is(err, errUnmasked), errors.Is(err, errBadFrame), errors.Is(err, errControlLarge):
				c.noteViolation(closecode.Code(ws.StatusProtocolError), "WebSocket protocol error: "+err.Error())
				c.closeWith(closecode.Code(ws.StatusProtocolError), err.Error())
				c.drain()
			}
			c.teardown(cc)
			return
		}
		if c.isClosing() {
			continue // after our close frame: wait for the client's, or EOF
		}
		if h := c.srv.beforeHandle; h != nil {
			h(c, msg)
		}
		c.handle(msg, op, c.fr.at, c.fr.writtenAt)
	}
}

// drain discards input until the client closes or a short deadline passes;
// used when the input can no longer be parsed.
func (c *Conn) drain() {
	_ = c.nc.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, _ = io.Copy(io.Discard, c.fr.br)
}

// teardown ends the connection once the reader stops: records how it
// ended, answers a client close frame, and detaches or invalidates the
// session.
func (c *Conn) teardown(cc *clientClose) {
	now := time.Now()
	c.mu.Lock()
	serverClosed := c.closing != nil
	if cc != nil {
		code := closecode.Code(cc.code)
		if code == 0 {
			code = closecode.Code(ws.StatusNoStatusRcvd)
		}
		c.rec.CloseReceived, c.rec.CloseReceivedReason = code, cc.reason
	} else if !serverClosed {
		c.rec.Dropped = true
	}
	echo := cc != nil && !serverClosed
	if echo {
		code := cc.code
		if code == 0 {
			code = ws.StatusNormalClosure
		}
		c.closing = &closeReq{code: closecode.Code(code), echo: true}
	}
	c.mu.Unlock()
	if echo {
		c.kick()
		select {
		case <-c.writerDone:
		case <-time.After(time.Second):
		}
	}
	c.mu.Lock()
	c.closed = true
	c.rec.Closed = now
	sess := c.sess // read with closed set: see detachIfGone
	if c.closing == nil {
		c.closing = &closeReq{drop: true}
	}
	c.ctrl, c.ctrlSpare, c.pongDue = nil, nil, false
	c.mu.Unlock()
	_ = c.nc.Close()
	// Let the writer run its last round, which frees its buffers and
	// compressor; free the reader's. A closed connection stays in the
	// history with little more than its Record.
	c.kick()
	c.dec, c.env, c.fr = nil, encoding.Envelope{}, frameReader{}
	if sess != nil {
		if cc != nil && !serverClosed && closecode.Code(cc.code).InvalidatesWhenSent() {
			sess.kill()
		} else {
			sess.detach(c, now)
		}
	}
	c.srv.connGone(c)
}
