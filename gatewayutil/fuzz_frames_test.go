package gatewayutil

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/intents"
)

// FuzzShardFrames puts arbitrary bytes on a connection a shard reads, and
// runs the shard's own read loop over them: WebSocket frames (control frames
// answered, continuation frames joined), transport decompression (mode: none,
// zlib-stream, zstd-stream or payload; JSON or ETF), the protocol Client and
// delivery to the sink, with the connection's heartbeat and identify as they
// would run. The bytes arrive in reads of the sizes in cuts, so every split
// of a frame header or payload across reads is tried.
//
// Whatever the bytes, the read loop ends (at the end of the input at the
// latest) without a panic, with an error that says what happened: the end of
// the input, a close frame, a broken WebSocket protocol (ErrProtocol), a
// message over Config.MaxMessageSize (gateway.ErrMessageTooLarge), a stream
// that does not decompress (ErrDecompress), or the connection closing after
// the shard gave up on it (op 7, op 9, zombie). Messages the Client cannot
// decode are skipped, not fatal. No event handed to the sink is bigger than
// the limit.
//
// The seeds are real server streams: built here from real messages, and
// captured from the emulator over TCP (testdata/fuzz/FuzzShardFrames, see
// TestCaptureFuzzSeeds).
func FuzzShardFrames(f *testing.F) {
	for mode := range uint8(8) {
		for _, split := range []bool{false, true} {
			f.Add(serverStream(f, mode, split), []byte(nil), mode)
		}
		f.Add(serverStream(f, mode, true), []byte{0, 0, 1, 0, 200, 0, 3, 0}, mode)
	}
	f.Fuzz(func(t *testing.T, data, cuts []byte, mode uint8) {
		defer fuzzWatchdog()()
		sh := fuzzShard(t, mode)
		limit := sh.cfg.MaxMessageSize
		client, err := sh.newClient(gateway.Session{})
		if err != nil {
			t.Fatal(err)
		}
		nc := &fuzzConn{data: data, cuts: fuzzCuts(cuts)}
		sc := &shardConn{s: sh, client: client, ws: newWSConn(nc, client.Codec().Binary(), time.Second, &sh.stats.bytesWire)}
		sc.ws.onPong = client.MarkAlive
		switch sh.cfg.Compression {
		case CompressZlibStream:
			sc.dec = newZlibStream()
		case CompressZstdStream:
			if sc.dec, err = newZstdStream(sh.cfg.MaxZstdWindow); err != nil {
				t.Fatal(err)
			}
		case CompressPayload:
			sc.dec = payloadInflater{}
		}
		sc.ctx, sc.cancel = context.WithCancel(context.Background())
		sh.limiter.Reset()
		readErr, _ := sc.readLoop()
		endErr := sc.finish(readErr)
		sh.setConnected(false)

		if readErr == nil || endErr == nil {
			t.Fatalf("the read loop ended without an error (%v, %v)", readErr, endErr)
		}
		var cf *closeFrameError
		var ce *gateway.CloseError
		var inv *InvalidSessionError
		switch {
		case errors.Is(readErr, io.EOF), errors.Is(readErr, io.ErrUnexpectedEOF):
			// The input ran out.
		case errors.As(readErr, &cf):
		case errors.Is(readErr, ErrProtocol), errors.Is(readErr, gateway.ErrMessageTooLarge), errors.Is(readErr, ErrDecompress):
		case errors.Is(readErr, os.ErrDeadlineExceeded), errors.Is(readErr, errTransportWrite):
			// The shard gave up on the connection (interrupting the
			// read, or refusing writes after its close frame): endErr
			// says why.
			if !errors.Is(endErr, ErrReconnectRequested) && !errors.As(endErr, &inv) && !errors.Is(endErr, ErrZombie) && !errors.As(endErr, &ce) {
				t.Fatalf("the shard interrupted its read (%v) for %T: %v", readErr, endErr, endErr)
			}
		default:
			t.Fatalf("unclassified read loop error %T: %v", readErr, readErr)
		}
		if n := fuzzSinkBiggest.Swap(0); n > int64(limit) {
			t.Fatalf("an event of %d bytes passed the %d-byte limit", n, limit)
		}
	})
}

// fuzzMaxMessage is the shards' MaxMessageSize in FuzzShardFrames: small
// enough for the fuzzer to reach.
const fuzzMaxMessage = 1 << 20

// fuzzSinkBiggest is the largest event data the fuzz shards delivered.
var fuzzSinkBiggest atomic.Int64

// fuzzShards are the shards FuzzShardFrames runs connections of, one per
// mode, built once: a Shard is never dialed here, only its read path used.
var fuzzShards sync.Map

// fuzzShard returns the shard for a mode: compression mode%4 (none,
// zlib-stream, zstd-stream, payload), ETF when mode&4 is set (JSON with
// payload compression, which needs it).
func fuzzShard(t *testing.T, mode uint8) *Shard {
	mode %= 8
	if sh, ok := fuzzShards.Load(mode); ok {
		return sh.(*Shard)
	}
	encName := "json"
	comp := Compression(mode % 4)
	if mode&4 != 0 && comp != CompressPayload {
		encName = "etf"
	}
	sh, err := NewShard(Config{
		Token:          gateway.NewToken("fuzz-token"),
		Intents:        intents.NonPrivileged,
		URL:            "ws://127.0.0.1:1",
		Encoding:       encName,
		Compression:    comp,
		MaxMessageSize: fuzzMaxMessage,
		// Priority commands never wait long: op 1 floods must not hang
		// the read loop.
		CommandWindow:  time.Millisecond,
		StallIntervals: -1,
		Logger:         slog.New(slog.DiscardHandler),
		Sink: EventSinkFunc(func(_ context.Context, e *Event) error {
			for {
				cur := fuzzSinkBiggest.Load()
				if int64(len(e.Data)) <= cur || fuzzSinkBiggest.CompareAndSwap(cur, int64(len(e.Data))) {
					return nil
				}
			}
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	// No identify limiter: the shard identifies within HELLO's processing,
	// on the reader, as the streams (a READY right after HELLO) assume.
	// Its own limiter would identify from a goroutine, after READY, and
	// shared by every run it would soon spend its daily budget.
	sh.cfg.IdentifyLimiter = nil
	actual, _ := fuzzShards.LoadOrStore(mode, sh)
	return actual.(*Shard)
}

// fuzzConn is a connection whose peer sent data: reads return it in pieces
// of the sizes in cuts, then io.EOF. Writes are accepted and dropped. A read
// deadline in the past (how the shard interrupts its reader) makes reads
// fail with os.ErrDeadlineExceeded; later deadlines never expire, since the
// data is all there.
type fuzzConn struct {
	mu       sync.Mutex
	data     []byte
	cuts     []int
	deadline time.Time
	closed   bool
}

func (c *fuzzConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return 0, net.ErrClosed
	case !c.deadline.IsZero() && !c.deadline.After(time.Now()):
		return 0, os.ErrDeadlineExceeded
	case len(c.data) == 0:
		return 0, io.EOF
	}
	n := len(p)
	if len(c.cuts) > 0 {
		n = min(n, c.cuts[0])
		c.cuts = c.cuts[1:]
	}
	n = copy(p, c.data[:min(n, len(c.data))])
	c.data = c.data[n:]
	return n, nil
}

func (c *fuzzConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	return len(p), nil
}

func (c *fuzzConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

func (c *fuzzConn) LocalAddr() net.Addr  { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000} }
func (c *fuzzConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }

func (c *fuzzConn) SetDeadline(t time.Time) error { return c.SetReadDeadline(t) }

func (c *fuzzConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deadline = t
	return nil
}

func (c *fuzzConn) SetWriteDeadline(time.Time) error { return nil }

// serverStream builds what a gateway sends on a connection of the given
// mode (see fuzzShard): HELLO, READY, a few dispatches, op 1, a heartbeat
// ACK, a ping, then op 7 and a close frame, compressed as the mode says
// (JSON text even for ETF modes: the Client skips what it cannot decode).
// With split, each message goes out in three frames with a ping between
// them, and zlib-stream messages in two WebSocket messages.
func serverStream(tb testing.TB, mode uint8, split bool) []byte {
	msgs := [][]byte{
		[]byte(zlibHello),
		[]byte(`{"t":"READY","s":1,"op":0,"d":{"v":10,"user":{"id":"1","username":"fuzz"},"session_id":"f00","resume_gateway_url":"ws://127.0.0.1:1","guilds":[],"application":{"id":"1"}}}`),
		[]byte(`{"op":11}`),
		[]byte(`{"t":"MESSAGE_CREATE","s":2,"op":0,"d":{"id":"5","channel_id":"6","guild_id":"7","content":"hello"}}`),
		[]byte(`{"op":1,"d":2}`),
		fuzzTrafficSeed(5, 1),
		[]byte(`{"op":7,"d":null}`),
	}
	var out bytes.Buffer
	frame := func(op ws.OpCode, fin bool, p []byte) {
		if err := ws.WriteFrame(&out, ws.NewFrame(op, fin, p)); err != nil {
			tb.Fatal(err)
		}
	}
	send := func(op ws.OpCode, p []byte) {
		if !split || len(p) < 3 {
			frame(op, true, p)
			return
		}
		a, b := len(p)/3, 2*len(p)/3
		frame(op, false, p[:a])
		frame(ws.OpPing, true, []byte("ping"))
		frame(ws.OpContinuation, false, p[a:b])
		frame(ws.OpContinuation, true, p[b:])
	}
	var zbuf bytes.Buffer
	zw := zlib.NewWriter(&zbuf)
	zs, err := zstd.NewWriter(&zbuf, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(256<<10))
	if err != nil {
		tb.Fatal(err)
	}
	for _, m := range msgs {
		zbuf.Reset()
		switch Compression(mode % 4) {
		case CompressNone:
			send(ws.OpText, m)
		case CompressZlibStream:
			_, _ = zw.Write(m)
			_ = zw.Flush()
			p := bytes.Clone(zbuf.Bytes())
			if split {
				send(ws.OpBinary, p[:len(p)/2])
				p = p[len(p)/2:]
			}
			send(ws.OpBinary, p)
		case CompressZstdStream:
			_, _ = zs.Write(m)
			_ = zs.Flush()
			send(ws.OpBinary, bytes.Clone(zbuf.Bytes()))
		case CompressPayload:
			if len(m) < 100 {
				send(ws.OpText, m)
				continue
			}
			pw := zlib.NewWriter(&zbuf)
			_, _ = pw.Write(m)
			_ = pw.Close()
			send(ws.OpBinary, bytes.Clone(zbuf.Bytes()))
		}
	}
	frame(ws.OpPong, true, nil)
	frame(ws.OpClose, true, ws.NewCloseFrameBody(4000, "fuzz"))
	return out.Bytes()
}
