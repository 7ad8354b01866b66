package gatewaytest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"slices"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
)

// Server-side WebSocket framing: frames from the server are never masked.

// writeFrame writes one frame.
func writeFrame(w *bufio.Writer, hdr []byte, op ws.OpCode, fin bool, p []byte) error {
	h := ws.Header{Fin: fin, OpCode: op, Length: int64(len(p))}
	if err := ws.WriteHeaderBuffer(w, h, hdr); err != nil {
		return err
	}
	_, err := w.Write(p)
	return err
}

// writeMessage writes p as one WebSocket message split into parts frames
// (one frame when parts <= 1; the rest are continuation frames).
func writeMessage(w *bufio.Writer, hdr []byte, op ws.OpCode, p []byte, parts int) error {
	if parts <= 1 || len(p) < parts {
		return writeFrame(w, hdr, op, true, p)
	}
	size := len(p) / parts
	for i := 0; i < parts; i++ {
		chunk := p[i*size : (i+1)*size]
		if i == parts-1 {
			chunk = p[i*size:]
		}
		fop := ws.OpContinuation
		if i == 0 {
			fop = op
		}
		if err := writeFrame(w, hdr, fop, i == parts-1, chunk); err != nil {
			return err
		}
	}
	return nil
}

// Errors of the frame reader; each maps to a close code.
var (
	errUnmasked     = errors.New("client frame not masked")
	errBadFrame     = errors.New("malformed WebSocket frame")
	errTooBig       = errors.New("payload over 4096 bytes")
	errControlLarge = errors.New("control frame over 125 bytes or fragmented")
)

// clientClose is returned by the frame reader when the client sent a close
// frame.
type clientClose struct {
	code   ws.StatusCode
	reason string
}

// Error implements error.
func (c *clientClose) Error() string { return "client closed the connection" }

// stampedReader notes when bytes last came off the socket: the arrival
// time of a message is the time of the read that completed it, however
// long the message then waits to be processed (a loaded machine must not
// turn two identifies 5 s apart into two identifies 4 s apart).
type stampedReader struct {
	r    io.Reader
	last time.Time
	// written, when set, is sampled with each stamp into lastWritten: what
	// the server had written when the bytes arrived.
	written     *atomic.Int64
	lastWritten int64
}

// Read implements io.Reader.
func (s *stampedReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 {
		s.last = time.Now()
		if s.written != nil {
			s.lastWritten = s.written.Load()
		}
	}
	return n, err
}

// newStampedReader returns a buffered reader of nc whose frameReader knows
// when bytes arrived. pre holds what the HTTP server had already read past
// the upgrade request (a client may pipeline its first frames); those
// bytes arrived no later than now.
func newStampedReader(nc io.Reader, pre *bufio.Reader) *stampedReader {
	var src io.Reader = nc
	if n := pre.Buffered(); n > 0 {
		early, _ := pre.Peek(n)
		src = io.MultiReader(bytes.NewReader(bytes.Clone(early)), nc)
	}
	return &stampedReader{r: src, last: time.Now()}
}

// frameReader reads client messages, joining continuation frames and
// unmasking, and answers pings through onPing. It never reads more than
// limit bytes of one message into memory.
type frameReader struct {
	br     *bufio.Reader
	src    *stampedReader
	hdr    [ws.MaxHeaderSize]byte
	buf    []byte
	ctrl   [125]byte
	limit  int
	onPing func(payload []byte)
	// at is when the last message returned by next arrived: when the
	// read that completed it returned; writtenAt is the stampedReader's
	// lastWritten at that read.
	at        time.Time
	writtenAt int64
}

// newFrameReader reads frames from nc through the upgrade's buffered
// reader br, which it reuses (after taking what br already holds).
func newFrameReader(nc io.Reader, br *bufio.Reader, written *atomic.Int64, limit int, onPing func([]byte)) frameReader {
	src := newStampedReader(nc, br)
	src.written = written
	br.Reset(src)
	return frameReader{br: br, src: src, limit: limit, onPing: onPing}
}

// next returns the next data message and the opcode of its first frame.
// The message is valid until the next call.
func (r *frameReader) next() ([]byte, ws.OpCode, error) {
	r.buf = r.buf[:0]
	var op ws.OpCode
	started := false
	for {
		h, err := ws.ReadHeaderBuffer(r.br, r.hdr[:2:ws.MaxHeaderSize])
		if err != nil {
			return nil, 0, err
		}
		if h.Rsv != 0 || h.OpCode.IsReserved() {
			return nil, 0, errBadFrame
		}
		if !h.Masked {
			return nil, 0, errUnmasked
		}
		if h.OpCode.IsControl() {
			if h.Length > 125 || !h.Fin {
				return nil, 0, errControlLarge
			}
			p := r.ctrl[:h.Length]
			if _, err := io.ReadFull(r.br, p); err != nil {
				return nil, 0, err
			}
			ws.Cipher(p, h.Mask, 0)
			switch h.OpCode {
			case ws.OpPing:
				if r.onPing != nil {
					r.onPing(p)
				}
			case ws.OpClose:
				code, reason := ws.ParseCloseFrameData(p)
				return nil, ws.OpClose, &clientClose{code: code, reason: reason}
			}
			continue
		}
		switch {
		case h.OpCode == ws.OpContinuation && !started:
			return nil, 0, errBadFrame
		case h.OpCode != ws.OpContinuation && started:
			return nil, 0, errBadFrame
		}
		if !started {
			op, started = h.OpCode, true
		}
		if h.Length > int64(r.limit-len(r.buf)) {
			return nil, op, errTooBig
		}
		start := len(r.buf)
		r.buf = slices.Grow(r.buf, int(h.Length))[:start+int(h.Length)]
		if _, err := io.ReadFull(r.br, r.buf[start:]); err != nil {
			return nil, 0, err
		}
		ws.Cipher(r.buf[start:], h.Mask, 0)
		if h.Fin {
			r.at, r.writtenAt = r.src.last, r.src.lastWritten
			return r.buf, op, nil
		}
	}
}
