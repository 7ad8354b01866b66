package gatewaytest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/gobwas/ws"

	"github.com/gatewaykit/gateway/encoding"
	"github.com/gatewaykit/gateway/opcode"
)

// The output path. Nothing writes to the socket but the writer goroutine,
// which runs only while there is work: kick starts it when it is not
// running, and it exits when both queues are empty. Dispatches are not
// queued per connection: the writer takes them straight from the session's
// replay ring, in sequence order, so a resumed connection continues where
// the ring says and nothing is copied twice.

// writeBatch is how many dispatches the writer takes from the session per
// round; the socket is flushed once per round.
const writeBatch = 64

// kick makes sure the writer runs soon.
func (c *Conn) kick() {
	c.pending.Store(1)
	if c.running.CompareAndSwap(0, 1) {
		go c.writeLoop()
	}
}

// writerPool lends the writer goroutine its socket buffer, so an idle
// connection holds none.
var writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 16<<10) }}

// maxKeptBuffer is the largest encoding buffer a connection keeps between
// bursts; one huge payload does not pin megabytes per connection.
const maxKeptBuffer = 64 << 10

// outPool lends the writer its encoding buffer.
var outPool = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

// acquire takes a socket buffer and an encoding buffer for a writer round.
func (c *Conn) acquire() {
	c.bw = writerPool.Get().(*bufio.Writer)
	c.bw.Reset(c.nc)
	c.out = *outPool.Get().(*[]byte)
}

// release gives the buffers back (dropping an encoding buffer that grew
// past maxKeptBuffer), so an idle connection holds none.
// It runs before the writer clears its running flag, so the next writer
// never races with it.
func (c *Conn) release() {
	c.bw.Reset(nil)
	writerPool.Put(c.bw)
	c.bw = nil
	if cap(c.out) <= maxKeptBuffer {
		out := c.out[:0]
		outPool.Put(&out)
	}
	c.out = nil
}

// retire frees what only the writer uses, after its last round.
func (c *Conn) retire() {
	c.transport, c.enc, c.batch = nil, nil, nil
	c.payload = payloadZlib{}
}

func (c *Conn) writeLoop() {
	c.acquire()
	for {
		c.pending.Store(0)
		c.mu.Lock()
		ctrl := c.ctrl
		c.ctrl, c.ctrlSpare = c.ctrlSpare[:0], nil
		pong, pongDue := c.takePongLocked(&c.pongOut)
		sess, cr := c.sess, c.closing
		c.mu.Unlock()
		c.armWriteDeadline()
		if cr != nil {
			c.finishWrite(cr)
			c.release()
			c.retire()
			return // running stays set: no writer starts again
		}
		var err error
		if pongDue {
			err = writeFrame(c.bw, c.hdr[:], ws.OpPong, true, pong)
		}
		for i := range ctrl {
			if err == nil {
				err = c.writeCtrl(&ctrl[i])
			}
		}
		clear(ctrl)
		c.mu.Lock()
		c.ctrlSpare = ctrl[:0]
		c.mu.Unlock()

		var n, written int
		var last int64
		if err == nil && sess != nil {
			c.batch = sess.take(c, c.batch[:0], writeBatch)
			n = len(c.batch)
			for i := range c.batch {
				if err = c.writeDispatch(&c.batch[i]); err != nil {
					break
				}
				last = c.batch[i].seq
				written++
			}
			clear(c.batch)
			if n == writeBatch {
				c.pending.Store(1)
			}
		}
		if err == nil {
			err = c.bw.Flush()
		}
		if written > 0 {
			// Only what was written: a batch whose first write failed
			// must not reset LastSeqSent to 0.
			c.srv.stats.dispatches.Add(int64(written))
			c.mu.Lock()
			c.rec.Dispatches += int64(written)
			c.rec.LastSeqSent = last
			c.lastWritten.Store(last)
			c.mu.Unlock()
		}
		if n > 0 {
			c.srv.pump.wake()
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				c.stalled(fmt.Sprintf("a write blocked for longer than %v", c.srv.cfg.PeerTimeout))
			}
			_ = c.nc.Close() // the reader sees the error and tears down
			c.release()
			c.retire()
			return
		}
		if c.pending.Load() != 0 {
			continue
		}
		c.release()
		c.running.Store(0)
		if c.pending.Load() == 0 || !c.running.CompareAndSwap(0, 1) {
			return
		}
		c.acquire()
	}
}

// armWriteDeadline makes the writes of this round fail if the client
// does not take them within about PeerTimeout: a client that does not read
// blocks the socket, and is closed rather than waited on. The deadline is
// moved at most every quarter of PeerTimeout (each move is a timer
// update), so a round has between 3/4 and all of PeerTimeout.
func (c *Conn) armWriteDeadline() {
	timeout := c.srv.cfg.PeerTimeout
	now := time.Now()
	if c.writeDeadline.Sub(now) > timeout-timeout/4 {
		return
	}
	c.writeDeadline = now.Add(timeout)
	_ = c.nc.SetWriteDeadline(c.writeDeadline)
}

// finishWrite sends the close frame (or drops the socket) and half-closes
// so the client's close frame can still arrive.
func (c *Conn) finishWrite(cr *closeReq) {
	defer close(c.writerDone)
	if cr.drop {
		_ = c.nc.Close()
		return
	}
	reason := cr.reason
	if len(reason) > 123 {
		reason = reason[:123]
	}
	body := ws.NewCloseFrameBody(ws.StatusCode(cr.code), reason)
	err := writeFrame(c.bw, c.hdr[:], ws.OpClose, true, body)
	if err == nil {
		err = c.bw.Flush()
	}
	if err != nil || cr.echo {
		_ = c.nc.Close()
		return
	}
	if tc, ok := c.nc.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	_ = c.nc.SetReadDeadline(time.Now().Add(2 * time.Second))
}

// writeCtrl writes a non-dispatch message.
func (c *Conn) writeCtrl(m *ctrlMsg) error {
	if c.enc.Binary() {
		out, err := c.enc.Encode(c.out[:0], &encoding.Envelope{Op: m.op, D: m.d})
		if err != nil {
			return err
		}
		c.out = out
	} else {
		c.out = appendCtrlJSON(c.out[:0], m.op, m.d)
	}
	return c.writePayload(c.out)
}

// writeDispatch writes one dispatch.
func (c *Conn) writeDispatch(e *replayEntry) error {
	if c.enc.Binary() {
		out, err := c.enc.Encode(c.out[:0], &encoding.Envelope{Op: opcode.Dispatch, S: e.seq, HasS: true, T: e.t, D: e.d})
		if err != nil {
			return err
		}
		c.out = out
		return c.writePayload(c.out)
	}
	perm := 0
	if c.shapeFaults.Load() != 0 {
		perm = c.takeReorder()
	}
	c.out = appendDispatchJSON(c.out[:0], e.seq, e.t, e.d, perm)
	return c.writePayload(c.out)
}

// writePayload compresses and frames one gateway message.
func (c *Conn) writePayload(p []byte) error {
	op := ws.OpText
	if c.enc.Binary() {
		op = ws.OpBinary
	}
	data := p
	var err error
	switch {
	case c.compress != CompressNone:
		if c.transport == nil {
			if c.transport, err = newTransport(c.compress); err != nil {
				return err
			}
		}
		if data, err = c.transport.compress(p); err != nil {
			return err
		}
		op = ws.OpBinary
	case c.payloadCompress.Load() && len(p) >= c.srv.cfg.PayloadCompressMin:
		if data, err = c.payload.compress(p); err != nil {
			return err
		}
		op = ws.OpBinary
	}
	parts, splitMsg := 1, false
	if c.shapeFaults.Load() != 0 {
		parts, splitMsg = c.takeSplit()
	}
	if splitMsg && c.compress == CompressZlib && len(data) > 1 {
		// A zlib-stream message may span several WebSocket messages; only
		// the last ends with 00 00 ff ff (docs/protocol.md §10.2).
		half := len(data) / 2
		if err := writeMessage(c.bw, c.hdr[:], op, data[:half], 1); err != nil {
			return err
		}
		data = data[half:]
	}
	if err := writeMessage(c.bw, c.hdr[:], op, data, parts); err != nil {
		return err
	}
	c.srv.stats.bytesSent.Add(int64(len(data)))
	c.bytesSent.Add(int64(len(data)))
	return nil
}

// appendCtrlJSON appends a non-dispatch message the way Discord writes
// them: {"t":null,"s":null,"op":N,"d":D}.
func appendCtrlJSON(b []byte, op opcode.Opcode, d []byte) []byte {
	b = append(b, `{"t":null,"s":null,"op":`...)
	b = strconv.AppendInt(b, int64(op), 10)
	b = append(b, `,"d":`...)
	if d == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, d...)
	}
	return append(b, '}')
}

// envelopeOrders are the orders of the four envelope keys; 0 is Discord's
// own, t s op d.
var envelopeOrders = [24][4]byte{}

func init() {
	keys := [4]byte{'t', 's', 'o', 'd'}
	n := 0
	var perm func(k int, used [4]bool, cur [4]byte)
	perm = func(k int, used [4]bool, cur [4]byte) {
		if k == 4 {
			envelopeOrders[n] = cur
			n++
			return
		}
		for i, key := range keys {
			if !used[i] {
				used[i] = true
				cur[k] = key
				perm(k+1, used, cur)
				used[i] = false
			}
		}
	}
	perm(0, [4]bool{}, [4]byte{})
}

// appendDispatchJSON appends {"t":T,"s":S,"op":0,"d":D} with the keys in
// envelopeOrders[perm].
func appendDispatchJSON(b []byte, seq int64, t string, d []byte, perm int) []byte {
	b = append(b, '{')
	for i, k := range envelopeOrders[perm] {
		if i > 0 {
			b = append(b, ',')
		}
		switch k {
		case 't':
			b = append(b, `"t":`...)
			b = jsonQuote(b, t)
		case 's':
			b = append(b, `"s":`...)
			b = strconv.AppendInt(b, seq, 10)
		case 'o':
			b = append(b, `"op":0`...)
		case 'd':
			b = append(b, `"d":`...)
			if d == nil {
				b = append(b, "null"...)
			} else {
				b = append(b, d...)
			}
		}
	}
	return append(b, '}')
}

// jsonQuote appends s as a JSON string.
func jsonQuote(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
