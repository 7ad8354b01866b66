package gatewayutil

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"unicode/utf8"

	"github.com/gobwas/ws"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
)

// ErrProtocol is matched by the errors for a server that breaks the
// WebSocket protocol (RFC 6455): a masked frame, reserved bits without an
// extension, a fragmented or oversized control frame, a continuation frame
// with no message to continue, an unknown op code.
var ErrProtocol = errors.New("gatewayutil: WebSocket protocol error")

// ErrInvalidText is matched by the error for a text message that is not
// valid UTF-8, which RFC 6455 §8.1 requires the client to fail: the
// connection is closed with 1007 (invalid frame payload data), which keeps
// the session resumable. It also matches ErrProtocol.
var ErrInvalidText = fmt.Errorf("%w: a text message that is not valid UTF-8", ErrProtocol)

// closeInvalidPayload is the close code for ErrInvalidText (RFC 6455 §7.4.1).
const closeInvalidPayload = 1007

// failCloseCode is the close code sent when reading failed with err, a
// protocol error: 1007 for invalid UTF-8, 4000 (resumable) otherwise.
func failCloseCode(err error) int {
	if errors.Is(err, ErrInvalidText) {
		return closeInvalidPayload
	}
	return int(closecode.Resumable)
}

// smallReadSize is the inline buffer a connection reads into when it has no
// chunk borrowed: big enough for a frame header and a heartbeat ACK.
const smallReadSize = 256

// hotRead is how many bytes one read must bring for the reader to call the
// stream hot: more is probably waiting.
const hotRead = 8 << 10

// connReader is a buffered reader over a connection that holds a big buffer
// only while data is flowing, so that a shard blocked waiting for its next
// message holds smallReadSize bytes rather than a 64 KiB chunk.
//
// On a plain TCP socket it reads through syscall.RawConn: every read goes
// into a chunk borrowed from readChunkPool, and when the socket has nothing
// to read (the non-blocking read returns EAGAIN, just before the goroutine
// parks) the chunk goes back to the pool, what is still buffered moving to
// the small inline buffer. A stream that keeps the socket busy is read in
// 64 KiB reads with no extra system call, and a parked reader holds no
// chunk, exactly.
//
// Other connections (TLS, or whatever Config.NetDial returns) cannot be
// asked whether a read would block, so the reader guesses: reads start in
// the small buffer; when one fills it, a chunk is borrowed for the
// following reads, and once a read brings less than hotRead bytes (the
// socket ran dry) the chunk goes back as soon as it is consumed, before the
// next read, which is likely to block.
//
// Payloads bigger than half a chunk are read straight into their message
// buffer, past the buffer, so a big message is copied once.
type connReader struct {
	nc     net.Conn
	raw    syscall.RawConn       // nc's socket, for plain TCP; nil otherwise
	readFn func(fd uintptr) bool // cr.rawRead, bound once so reads do not allocate
	rawN   int                   // what the last rawRead read...
	rawErr error                 // ...and its error
	buf    []byte                // small[:] or chunk[:] (or the preload buffer)
	r, w   int                   // buf[r:w] is buffered
	chunk  *readChunk
	hot    bool          // the last read brought at least hotRead bytes
	wire   *atomic.Int64 // bytes read from the socket
	// reading is set while the reader is inside a socket read (blocked,
	// maybe), clear while it handles what it read: the heartbeat's way to
	// tell a reader stuck on the network from one busy with a message.
	reading atomic.Bool
	small   [smallReadSize]byte
}

func (cr *connReader) init(nc net.Conn, wire *atomic.Int64) {
	cr.nc, cr.wire = nc, wire
	cr.buf = cr.small[:]
	if tc, ok := nc.(*net.TCPConn); ok {
		if raw, err := tc.SyscallConn(); err == nil {
			cr.raw = raw
			cr.readFn = cr.rawRead
		}
	}
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

// park gives the chunk back before the reader waits for the socket, if
// what is buffered fits in the small buffer.
func (cr *connReader) park() {
	if cr.chunk == nil || cr.w-cr.r > smallReadSize {
		return
	}
	n := copy(cr.small[:], cr.buf[cr.r:cr.w])
	readChunkPool.Put(cr.chunk)
	cr.chunk = nil
	cr.buf, cr.r, cr.w = cr.small[:], 0, n
}

// fill reads from the socket until at least n bytes are buffered
// (n <= smallReadSize).
func (cr *connReader) fill(n int) error {
	if cr.r == cr.w {
		cr.r, cr.w = 0, 0
		switch {
		case cr.raw != nil:
			if cr.chunk == nil && len(cr.buf) != smallReadSize {
				cr.buf = cr.small[:] // the preload buffer is spent
			}
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
		var m int
		var err error
		cr.reading.Store(true)
		if cr.raw != nil {
			m, err = cr.readRaw()
		} else {
			space := len(cr.buf) - cr.w
			m, err = cr.nc.Read(cr.buf[cr.w:])
			if cr.chunk == nil {
				// Filling the small buffer means more is probably waiting.
				cr.hot = m == space
			} else {
				cr.hot = m >= min(space/2, hotRead)
			}
		}
		cr.reading.Store(false)
		cr.w += m
		cr.wire.Add(int64(m))
		if err != nil {
			if cr.w-cr.r >= n {
				return nil
			}
			return err
		}
	}
	return nil
}

// readRaw reads once from the raw socket into buf[w:], borrowing a chunk
// to read into and giving it back while it waits (see connReader).
func (cr *connReader) readRaw() (int, error) {
	cr.rawN, cr.rawErr = 0, nil
	if err := cr.raw.Read(cr.readFn); err != nil {
		return 0, err
	}
	return cr.rawN, cr.rawErr
}

// rawRead is the syscall.RawConn read callback: one non-blocking read. It
// returns false, after parking the chunk, when the socket has nothing to
// read yet; the runtime then waits for it (or for the deadline) and calls
// again.
func (cr *connReader) rawRead(fd uintptr) bool {
	if cr.chunk == nil && len(cr.buf) == smallReadSize {
		cr.borrow()
	}
	for {
		m, err := syscall.Read(int(fd), cr.buf[cr.w:])
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			cr.hot = false
			cr.park()
			return false
		case err != nil:
			cr.rawErr = os.NewSyscallError("read", err)
		case m == 0:
			cr.rawErr = io.EOF
		default:
			cr.rawN = m
			cr.hot = m >= hotRead
		}
		return true
	}
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
			cr.reading.Store(true)
			m, err := io.ReadFull(cr.nc, p)
			cr.reading.Store(false)
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

// bufferedHeader parses the next frame header straight from the buffer, the
// usual case while a stream flows, without ws.ReadHeaderBuffer's reads
// through io.Reader. It reports false, consuming nothing, when the header
// is not all buffered or is one readMessage must refuse (a masked frame, a
// length with its top bit set): ws.ReadHeaderBuffer then reads it and says
// what is wrong.
func (cr *connReader) bufferedHeader() (ws.Header, bool) {
	b := cr.buf[cr.r:cr.w]
	if len(b) < 2 || b[1]&0x80 != 0 {
		return ws.Header{}, false
	}
	h := ws.Header{Fin: b[0]&0x80 != 0, Rsv: (b[0] & 0x70) >> 4, OpCode: ws.OpCode(b[0] & 0x0f)}
	switch n := b[1] & 0x7f; n {
	case 126:
		if len(b) < 4 {
			return ws.Header{}, false
		}
		h.Length = int64(binary.BigEndian.Uint16(b[2:4]))
		cr.r += 4
	case 127:
		if len(b) < 10 || b[2]&0x80 != 0 {
			return ws.Header{}, false
		}
		h.Length = int64(binary.BigEndian.Uint64(b[2:10]))
		cr.r += 10
	default:
		h.Length = int64(n)
		cr.r += 2
	}
	return h, true
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
//
// A message of one frame whose payload is already in the read buffer, the
// usual case while events stream in, is not copied: with *msg nil,
// readMessage returns it as view, a slice of the read buffer valid until
// the next read, and leaves *msg nil.
func (c *wsConn) readMessage(msgp **buffer, limit int) (view []byte, binary bool, err error) {
	cr := &c.rd
	started := false
	base := 0 // where this message starts in *msgp
	if *msgp != nil {
		base = len((*msgp).B)
	}
	for {
		h, ok := cr.bufferedHeader()
		if !ok {
			h, err = ws.ReadHeaderBuffer(cr, c.hdr[:])
		}
		if err != nil {
			if errors.Is(err, ws.ErrHeaderLengthMSB) || errors.Is(err, ws.ErrHeaderLengthUnexpected) {
				return nil, false, fmt.Errorf("%w: %w", ErrProtocol, err)
			}
			return nil, false, err
		}
		if h.Masked {
			return nil, false, fmt.Errorf("%w: the server masked a frame", ErrProtocol)
		}
		if h.Rsv != 0 {
			return nil, false, fmt.Errorf("%w: reserved bits %03b set without an extension", ErrProtocol, h.Rsv)
		}
		if h.OpCode.IsControl() {
			if !h.Fin || h.Length > ws.MaxControlFramePayloadSize {
				return nil, false, fmt.Errorf("%w: fragmented or oversized (%d bytes) control frame", ErrProtocol, h.Length)
			}
			p := c.ctl[:h.Length]
			if err := cr.readFull(p); err != nil {
				return nil, false, err
			}
			if err := c.control(h.OpCode, p); err != nil {
				return nil, false, err
			}
			continue
		}
		switch h.OpCode {
		case ws.OpText, ws.OpBinary:
			if started {
				return nil, false, fmt.Errorf("%w: a new message started before the previous one ended", ErrProtocol)
			}
			started, binary = true, h.OpCode == ws.OpBinary
		case ws.OpContinuation:
			if !started {
				return nil, false, fmt.Errorf("%w: continuation frame without a message", ErrProtocol)
			}
		default:
			return nil, false, fmt.Errorf("%w: reserved op code %#x", ErrProtocol, byte(h.OpCode))
		}
		have := 0
		if *msgp != nil {
			have = len((*msgp).B)
		}
		if h.Length > int64(limit-have) {
			return nil, binary, fmt.Errorf("%w: a WebSocket message over %d bytes", gateway.ErrMessageTooLarge, limit)
		}
		if h.Fin && *msgp == nil && h.Length <= int64(cr.w-cr.r) {
			n := int(h.Length)
			view = cr.buf[cr.r : cr.r+n : cr.r+n]
			cr.r += n
			if !binary && !utf8.Valid(view) {
				return nil, false, ErrInvalidText
			}
			return view, binary, nil
		}
		if h.Length > 0 {
			if *msgp == nil {
				*msgp = getBuffer()
			}
			if err := cr.readPayload(*msgp, int(h.Length), limit); err != nil {
				return nil, binary, err
			}
		}
		if h.Fin {
			if !binary && *msgp != nil && !utf8.Valid((*msgp).B[base:]) {
				return nil, false, ErrInvalidText
			}
			return nil, binary, nil
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
