package gatewayutil

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
)

// wsConn is one client-side WebSocket connection to the gateway, on gobwas/ws
// frames: one goroutine reads messages (readMessage), any goroutine writes
// (writeFrame holds a lock so frames never interleave).
type wsConn struct {
	nc     net.Conn
	rd     connReader
	hdr    [ws.MaxHeaderSize]byte              // frame header scratch for the reader
	ctl    [ws.MaxControlFramePayloadSize]byte // control frame payloads
	onPong func()                              // called for each pong frame
	dataOp ws.OpCode                           // op of the messages we send: text (JSON) or binary (ETF)
	wire   *atomic.Int64                       // counts the bytes read
	pw     payloadWriter                       // what the protocol Client writes to

	wmu          sync.Mutex
	whdr         [ws.MaxHeaderSize]byte
	hw           headerWriter // appends frame headers; guarded by wmu
	closeSent    bool
	writeTimeout time.Duration
}

// errCloseSent is returned by writes after the close frame was sent: no
// frame may follow it (RFC 6455 §5.5.1).
var errCloseSent = errors.New("gatewayutil: connection is closing")

func newWSConn(nc net.Conn, binaryData bool, writeTimeout time.Duration, wire *atomic.Int64) *wsConn {
	c := &wsConn{nc: nc, dataOp: ws.OpText, wire: wire, writeTimeout: writeTimeout}
	if binaryData {
		c.dataOp = ws.OpBinary
	}
	c.rd.init(nc, wire)
	c.pw.c = c
	return c
}

// payloadWriter turns each Write into one WebSocket data message, as the
// protocol Client writes each payload with exactly one Write call.
type payloadWriter struct{ c *wsConn }

func (w *payloadWriter) Write(p []byte) (int, error) {
	if err := w.c.writeFrame(w.c.dataOp, p); err != nil {
		return 0, fmt.Errorf("%w: %w", errTransportWrite, err)
	}
	return len(p), nil
}

// writeFrame sends p as one masked frame with FIN set, in one write call.
func (c *wsConn) writeFrame(op ws.OpCode, p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closeSent {
		return errCloseSent
	}
	return c.writeFrameLocked(op, p)
}

func (c *wsConn) writeFrameLocked(op ws.OpCode, p []byte) error {
	h := ws.Header{Fin: true, OpCode: op, Masked: true, Length: int64(len(p))}
	binary.LittleEndian.PutUint32(h.Mask[:], rand.Uint32())
	b := getBuffer()
	defer putBuffer(b)
	c.hw.b = b // a field, so that passing it as an io.Writer does not allocate
	err := ws.WriteHeaderBuffer(&c.hw, h, c.whdr[:])
	c.hw.b = nil
	if err != nil {
		return fmt.Errorf("gatewayutil: writing frame header: %w", err)
	}
	n := len(b.B)
	b.B = append(b.B, p...)
	ws.Cipher(b.B[n:], h.Mask, 0)
	if c.writeTimeout > 0 {
		_ = c.nc.SetWriteDeadline(time.Now().Add(c.writeTimeout))
	}
	if _, err := c.nc.Write(b.B); err != nil {
		return fmt.Errorf("gatewayutil: writing %v frame: %w", op, err)
	}
	return nil
}

// headerWriter appends what ws.WriteHeaderBuffer writes to a buffer.
type headerWriter struct{ b *buffer }

func (w *headerWriter) Write(p []byte) (int, error) {
	w.b.B = append(w.b.B, p...)
	return len(p), nil
}

// sendClose sends a close frame with code and reason (no body for code 0),
// once; later calls do nothing. Nothing can be written after it.
func (c *wsConn) sendClose(code int, reason string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closeSent {
		return nil
	}
	c.closeSent = true
	var body []byte
	if code != 0 {
		if len(reason) > ws.MaxControlFramePayloadSize-2 {
			reason = reason[:ws.MaxControlFramePayloadSize-2]
		}
		body = ws.NewCloseFrameBody(ws.StatusCode(code), reason)
	}
	return c.writeFrameLocked(ws.OpClose, body)
}

// closeSentAlready reports whether a close frame went out.
func (c *wsConn) closeSentAlready() bool {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.closeSent
}

// interrupt makes the reader's blocked or next read fail within d (at once
// for d <= 0), so it can finish the close handshake or give up.
func (c *wsConn) interrupt(d time.Duration) {
	if d <= 0 {
		_ = c.nc.SetReadDeadline(time.Unix(1, 0))
		return
	}
	_ = c.nc.SetReadDeadline(time.Now().Add(d))
}

// close closes the socket and returns the read chunk to its pool. Only the
// reading goroutine calls it, once it stopped reading.
func (c *wsConn) close() {
	_ = c.nc.Close()
	c.rd.release()
}
