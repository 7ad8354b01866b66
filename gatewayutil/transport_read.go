package gatewayutil

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"unicode/utf8"

	"github.com/gobwas/ws"

	"github.com/gatewaykit/gateway"
)

// ErrProtocol is matched by the errors for a server that breaks the
// WebSocket protocol (RFC 6455): a masked frame, reserved bits without an
// extension, a fragmented or oversized control frame, a continuation frame
// with no message to continue, an unknown op code.
var ErrProtocol = errors.New("gatewayutil: WebSocket protocol error")

// smallReadSize is the inline buffer a connection reads into when it has no
// chunk borrowed: big enough for a frame header and a heartbeat ACK.
const smallReadSize = 256

// connReader is a buffered reader over a connection that holds a big buffer
// only while data is flowing. Reads start in a small inline buffer; when a
// read fills it completely, a chunk is borrowed from readChunkPool for the
// following reads, and once a read leaves the chunk less than half full (the
// socket ran dry) the chunk goes back to the pool as soon as it is consumed,
// before the next read, which is likely to block. A shard
// blocked waiting for its next message therefore holds smallReadSize bytes,
// not a 16 KiB buffer.
//
// Payloads bigger than half a chunk are read straight into their message
// buffer, past the buffer, so a big message is copied once.
type connReader struct {
	nc    net.Conn
	buf   []byte // small[:] or chunk[:]
	r, w  int    // buf[r:w] is buffered
	chunk *readChunk
	hot   bool          // the last read filled at least half of buf
	wire  *atomic.Int64 // bytes read from the socket
	small [smallReadSize]byte
}

func (cr *connReader) init(nc net.Conn, wire *atomic.Int64) {
	cr.nc, cr.wire = nc, wire
	cr.buf = cr.small[:]
}

// preload puts bytes the handshake read past the HTTP response (the server
// may send HELLO at once) in front of what the socket delivers next. Called
// once, on a fresh reader.
func (cr *connReader) preload(p []byte) {
	switch {
	case len(p) <= len(cr.small):
	case len(p) <= readChunkSize:
		cr.borrow()
	default:
		// Rare: more than a chunk arrived with the handshake response.
		cr.buf = make([]byte, len(p))
	}
	cr.r, cr.w = 0, copy(cr.buf, p)
}

func (cr *connReader) borrow() {
	if cr.chunk != nil {
		return
	}
	cr.chunk = readChunkPool.Get().(*readChunk)
	n := copy(cr.chunk[:], cr.buf[cr.r:cr.w])
	cr.buf, cr.r, cr.w = cr.chunk[:], 0, n
}

// release gives the chunk back; the reader falls back to its small buffer.
// Only called with nothing buffered, or when the connection is done.
func (cr *connReader) release() {
	if cr.chunk != nil {
		readChunkPool.Put(cr.chunk)
		cr.chunk = nil
	}
	cr.buf, cr.r, cr.w = cr.small[:], 0, 0
}

// fill reads from the socket until at least n bytes are buffered
// (n <= smallReadSize).
func (cr *connReader) fill(n int) error {
	if cr.r == cr.w {
		cr.r, cr.w = 0, 0
		switch {
		case cr.chunk != nil && !cr.hot:
			cr.release()
		case cr.chunk == nil && cr.hot:
			cr.borrow()
		case cr.chunk == nil && len(cr.buf) != smallReadSize:
			cr.buf = cr.small[:] // the preload buffer is spent
		}
	}
	for cr.w-cr.r < n {
		if len(cr.buf)-cr.r < n {
			cr.w = copy(cr.buf, cr.buf[cr.r:cr.w])
			cr.r = 0
		}
		space := len(cr.buf) - cr.w
		m, err := cr.nc.Read(cr.buf[cr.w:])
		cr.w += m
		cr.wire.Add(int64(m))
		if cr.chunk == nil {
			// Filling the small buffer means more is probably waiting.
			cr.hot = m == space
		} else {
			cr.hot = m >= space/2
		}
		if err != nil {
			if cr.w-cr.r >= n {
				return nil
			}
			return err
		}
	}
	return nil
}

// Read implements io.Reader for ws.ReadHeaderBuffer.
func (cr *connReader) Read(p []byte) (int, error) {
	if cr.r == cr.w {
		if err := cr.fill(1); err != nil {
			return 0, err
		}
	}
	n := copy(p, cr.buf[cr.r:cr.w])
	cr.r += n
	return n, nil
}

// readFull fills p from the buffer, then from the socket: large remainders
// go straight into p, small ones through the buffer.
func (cr *connReader) readFull(p []byte) error {
	n := copy(p, cr.buf[cr.r:cr.w])
	cr.r += n
	p = p[n:]
	for len(p) > 0 {
		if len(p) > readChunkSize/2 {
			m, err := io.ReadFull(cr.nc, p)
			cr.wire.Add(int64(m))
			// Whether more is waiting is unknown: the next read starts
			// small, so a shard going idle after a big message does
			// not block holding a chunk.
			cr.hot = false
			return err
		}
		if err := cr.fill(1); err != nil {
			return err
		}
		n = copy(p, cr.buf[cr.r:cr.w])
		cr.r += n
		p = p[n:]
	}
	return nil
}

// payloadStep is how much of a big payload is read before the buffer grows
// again: the buffer grows as bytes arrive, not to the length the peer
// declared, so a peer announcing a huge frame and sending it slowly (or
// never) cannot make the shard allocate it up front.
const payloadStep = 64 << 10

// readPayload appends the next n payload bytes to msg.
func (cr *connReader) readPayload(msg *buffer, n, limit int) error {
	for n > 0 {
		free, err := msg.room(min(n, payloadStep), limit)
		if err != nil {
			return err
		}
		step := min(n, len(free))
		if err := cr.readFull(free[:step]); err != nil {
			return err
		}
		msg.B = msg.B[:len(msg.B)+step]
		n -= step
	}
	return nil
}

// closeFrameError is what readMessage returns when the server sent a close
// frame: its code (0 when the frame had none) and reason.
type closeFrameError struct {
	code   int
	reason string
	echo   bool // it answered a close frame we had sent
}

func (e *closeFrameError) Error() string {
	return fmt.Sprintf("gatewayutil: server closed the WebSocket with %d %q", e.code, e.reason)
}

// readMessage reads frames until a whole data message arrived and appends
// its payload to *msg, answering pings and reporting pongs on the way. If
// *msg is nil, a buffer is borrowed from the pool when the first payload
// byte is there to read, not before: a shard blocked here holds none. It
// returns whether the message was binary. Data messages may not make *msg
// grow past limit bytes. A close frame from the server ends with a
// *closeFrameError.
func (c *wsConn) readMessage(msgp **buffer, limit int) (binary bool, err error) {
	cr := &c.rd
	started := false
	for {
		h, err := ws.ReadHeaderBuffer(cr, c.hdr[:])
		if err != nil {
			if errors.Is(err, ws.ErrHeaderLengthMSB) || errors.Is(err, ws.ErrHeaderLengthUnexpected) {
				return false, fmt.Errorf("%w: %w", ErrProtocol, err)
			}
			return false, err
		}
		if h.Masked {
			return false, fmt.Errorf("%w: the server masked a frame", ErrProtocol)
		}
		if h.Rsv != 0 {
			return false, fmt.Errorf("%w: reserved bits %03b set without an extension", ErrProtocol, h.Rsv)
		}
		if h.OpCode.IsControl() {
			if !h.Fin || h.Length > ws.MaxControlFramePayloadSize {
				return false, fmt.Errorf("%w: fragmented or oversized (%d bytes) control frame", ErrProtocol, h.Length)
			}
			p := c.ctl[:h.Length]
			if err := cr.readFull(p); err != nil {
				return false, err
			}
			if err := c.control(h.OpCode, p); err != nil {
				return false, err
			}
			continue
		}
		switch h.OpCode {
		case ws.OpText, ws.OpBinary:
			if started {
				return false, fmt.Errorf("%w: a new message started before the previous one ended", ErrProtocol)
			}
			started, binary = true, h.OpCode == ws.OpBinary
		case ws.OpContinuation:
			if !started {
				return false, fmt.Errorf("%w: continuation frame without a message", ErrProtocol)
			}
		default:
			return false, fmt.Errorf("%w: reserved op code %#x", ErrProtocol, byte(h.OpCode))
		}
		have := 0
		if *msgp != nil {
			have = len((*msgp).B)
		}
		if h.Length > int64(limit-have) {
			return binary, fmt.Errorf("%w: a WebSocket message over %d bytes", gateway.ErrMessageTooLarge, limit)
		}
		if h.Length > 0 {
			if *msgp == nil {
				*msgp = getBuffer()
			}
			if err := cr.readPayload(*msgp, int(h.Length), limit); err != nil {
				return binary, err
			}
		}
		if h.Fin {
			return binary, nil
		}
	}
}

// control handles a control frame from the server.
func (c *wsConn) control(op ws.OpCode, p []byte) error {
	switch op {
	case ws.OpPing:
		return c.writeFrame(ws.OpPong, p)
	case ws.OpPong:
		if c.onPong != nil {
			c.onPong()
		}
		return nil
	case ws.OpClose:
		e := &closeFrameError{}
		if len(p) >= 2 {
			code, reason := ws.ParseCloseFrameData(p)
			e.code = int(code)
			if utf8.ValidString(reason) {
				e.reason = reason
			}
		}
		// Echo the close (RFC 6455 §5.5.1) unless we started it.
		e.echo = c.closeSentAlready()
		_ = c.sendClose(e.code, "")
		return e
	}
	return fmt.Errorf("%w: reserved control op code %#x", ErrProtocol, byte(op))
}
