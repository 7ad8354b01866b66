package gatewayutil_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"

	"github.com/gatewaykit/gateway/encoding"
	"github.com/gatewaykit/gateway/opcode"
)

// scriptedGateway is a gateway on 127.0.0.1 whose every connection runs a
// script the test writes: for what the emulator will not do on purpose,
// such as sending a decompression bomb, an oversized frame or a hostile
// resume_gateway_url. Each accepted WebSocket connection runs the script
// on its own goroutine, with its number (from 1).
type scriptedGateway struct {
	t      testing.TB
	ln     net.Listener
	script func(c *gwConn, n int)
	conns  atomic.Int32
	wg     sync.WaitGroup

	mu    sync.Mutex
	paths []string // the request path of each connection
}

// startScriptedGateway starts a scripted gateway; it stops at the end of
// the test.
func startScriptedGateway(t testing.TB, script func(c *gwConn, n int)) *scriptedGateway {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &scriptedGateway{t: t, ln: ln, script: script}
	g.wg.Add(1)
	go g.serve()
	t.Cleanup(func() {
		_ = ln.Close()
		g.wg.Wait()
	})
	return g
}

// URL is the gateway URL to give a shard.
func (g *scriptedGateway) URL() string { return "ws://" + g.ln.Addr().String() }

// Addr is the listener's host:port.
func (g *scriptedGateway) Addr() string { return g.ln.Addr().String() }

// Paths returns the request path of every connection so far.
func (g *scriptedGateway) Paths() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.paths...)
}

func (g *scriptedGateway) serve() {
	defer g.wg.Done()
	for {
		nc, err := g.ln.Accept()
		if err != nil {
			return
		}
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			defer nc.Close()
			c := &gwConn{t: g.t, nc: nc}
			up := ws.Upgrader{OnRequest: func(uri []byte) error {
				u, err := url.ParseRequestURI(string(uri))
				if err != nil {
					return err
				}
				c.path, c.query = u.Path, u.Query()
				return nil
			}}
			if _, err := up.Upgrade(nc); err != nil {
				return
			}
			g.mu.Lock()
			g.paths = append(g.paths, c.path)
			g.mu.Unlock()
			g.script(c, int(g.conns.Add(1)))
		}()
	}
}

// gwConn is the server side of one scripted connection.
type gwConn struct {
	t     testing.TB
	nc    net.Conn
	path  string
	query url.Values

	// zstdWindow is the window of the connection's zstd-stream encoder;
	// set it before the first message. Default 256 KiB, as Discord.
	zstdWindow int

	zbuf bytes.Buffer
	zw   *zlib.Writer
	zs   *zstd.Encoder
}

// compressed wraps msg as the connection's transport compression asks
// (zlib-stream: a sync-flushed piece of one stream; zstd-stream: a flushed
// piece of one frame) and reports whether it goes in a binary frame.
func (c *gwConn) compressed(msg []byte) ([]byte, bool) {
	c.zbuf.Reset()
	switch c.query.Get("compress") {
	case "zlib-stream":
		if c.zw == nil {
			c.zw = zlib.NewWriter(&c.zbuf)
		}
		_, _ = c.zw.Write(msg)
		_ = c.zw.Flush()
	case "zstd-stream":
		if c.zs == nil {
			c.zs = c.zstdWriter(&c.zbuf)
		}
		_, _ = c.zs.Write(msg)
		_ = c.zs.Flush()
	default:
		return msg, c.query.Get("encoding") == "etf"
	}
	return bytes.Clone(c.zbuf.Bytes()), true
}

// zstdWriter returns a zstd encoder with the connection's window.
func (c *gwConn) zstdWriter(w io.Writer) *zstd.Encoder {
	window := c.zstdWindow
	if window == 0 {
		window = 256 << 10
	}
	zs, err := zstd.NewWriter(w, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(window))
	if err != nil {
		c.t.Errorf("scripted gateway: %v", err)
	}
	return zs
}

// sendFrame writes one frame as given.
func (c *gwConn) sendFrame(op ws.OpCode, fin bool, p []byte) {
	_ = c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_ = ws.WriteFrame(c.nc, ws.NewFrame(op, fin, p))
}

// sendStreamed sends one gateway message of prefix, n zero bytes ('0'
// characters, so it stays valid JSON inside a string) and suffix, written
// through the connection's compressor in pieces, so that a message of
// hundreds of megabytes never exists in memory: a decompression bomb. With
// payload set it is sent as payload compression does (a complete zlib
// stream in a binary message); otherwise as the connection's transport
// compression does.
func (c *gwConn) sendStreamed(prefix []byte, n int, suffix []byte, payload bool) {
	var out bytes.Buffer
	var w io.Writer
	var flush func()
	switch {
	case payload:
		zw := zlib.NewWriter(&out)
		w, flush = zw, func() { _ = zw.Close() }
	case c.query.Get("compress") == "zlib-stream":
		c.zbuf.Reset()
		w, flush = c.zw, func() { _ = c.zw.Flush(); out.Write(c.zbuf.Bytes()) }
	case c.query.Get("compress") == "zstd-stream":
		c.zbuf.Reset()
		w, flush = c.zs, func() { _ = c.zs.Flush(); out.Write(c.zbuf.Bytes()) }
	default:
		c.t.Errorf("scripted gateway: sendStreamed needs compression")
		return
	}
	chunk := bytes.Repeat([]byte{'0'}, 1<<20)
	_, _ = w.Write(prefix)
	for n > 0 {
		k := min(n, len(chunk))
		_, _ = w.Write(chunk[:k])
		n -= k
	}
	_, _ = w.Write(suffix)
	flush()
	c.sendFrame(ws.OpBinary, true, out.Bytes())
}

// send sends one gateway message, compressed as the connection asked.
// Errors are ignored: the client may be gone, which tests check otherwise.
func (c *gwConn) send(msg []byte) {
	p, binary := c.compressed(msg)
	op := ws.OpText
	if binary {
		op = ws.OpBinary
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_ = ws.WriteFrame(c.nc, ws.NewFrame(op, true, p))
}

// sendRaw writes bytes to the socket as they are.
func (c *gwConn) sendRaw(b []byte) {
	_ = c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, _ = c.nc.Write(b)
}

// codec is the connection's encoding, server side: JSON, or ETF as
// Discord writes it.
func (c *gwConn) codec() encoding.Codec {
	if c.query.Get("encoding") == "etf" {
		return encoding.NewETFServer()
	}
	return encoding.JSON()
}

// sendEnv encodes and sends one message; d is JSON (nil for null).
func (c *gwConn) sendEnv(op opcode.Opcode, s int64, t string, d string) {
	env := encoding.Envelope{Op: op, S: s, HasS: s > 0, T: t}
	if d != "" {
		env.D = []byte(d)
	}
	msg, err := c.codec().Encode(nil, &env)
	if err != nil {
		c.t.Errorf("scripted gateway: encoding op %d: %v", op, err)
		return
	}
	c.send(msg)
}

// hello sends HELLO with a long heartbeat interval.
func (c *gwConn) hello() {
	c.sendEnv(opcode.Hello, 0, "", `{"heartbeat_interval":45000}`)
}

// ready sends READY for a session with the given resume URL.
func (c *gwConn) ready(session, resumeURL string) {
	c.sendEnv(opcode.Dispatch, 1, "READY", fmt.Sprintf(`{"v":10,"user":{"id":"1","username":"bot","discriminator":"0"},"guilds":[],"session_id":%q,"resume_gateway_url":%q,"shard":[0,1],"application":{"id":"1","flags":0}}`, session, resumeURL))
}

// resumed sends RESUMED as dispatch s.
func (c *gwConn) resumed(s int64) {
	c.sendEnv(opcode.Dispatch, s, "RESUMED", `{"_trace":["scripted"]}`)
}

// recv reads the client's next payload (answering its pings and skipping
// its control frames) and returns its op and d. ok is false when the
// connection ended or nothing came within the timeout.
func (c *gwConn) recv(timeout time.Duration) (op int, d json.RawMessage, ok bool) {
	_ = c.nc.SetReadDeadline(time.Now().Add(timeout))
	for {
		msgs, err := wsutil.ReadClientMessage(c.nc, nil)
		if err != nil {
			return 0, nil, false
		}
		for _, m := range msgs {
			if m.OpCode.IsControl() {
				if m.OpCode == ws.OpClose {
					return 0, nil, false
				}
				continue
			}
			var env encoding.Envelope
			if err := c.codec().Decode(m.Payload, &env); err != nil {
				c.t.Errorf("scripted gateway: the client sent %q: %v", m.Payload, err)
				return -1, nil, true
			}
			return int(env.Op), bytes.Clone(env.D), true
		}
	}
}

// await reads client payloads until one with op arrives; it returns its d.
func (c *gwConn) await(op int, timeout time.Duration) (json.RawMessage, bool) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		got, d, ok := c.recv(time.Until(deadline))
		if !ok {
			return nil, false
		}
		if got == op {
			return d, true
		}
	}
	return nil, false
}

// drain reads until the client closes or the timeout passes.
func (c *gwConn) drain(timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if _, _, ok := c.recv(time.Until(deadline)); !ok {
			return
		}
	}
}
