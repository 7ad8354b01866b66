package gatewaytest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"

	"github.com/gatewaykit/gateway/encoding"
	"github.com/gatewaykit/gateway/opcode"
)

// A raw gateway client for the tests: gobwas/ws frames over a real TCP
// connection, its own zlib-stream and zstd-stream inflaters, and the
// encoding codecs. It deliberately shares nothing with the library's shard.

// closedError is returned by read when the server sent a close frame.
type closedError struct {
	code   int
	reason string
}

func (e *closedError) Error() string { return fmt.Sprintf("closed by server: %d %s", e.code, e.reason) }

// frameInfo describes one WebSocket message the client received.
type frameInfo struct {
	op     ws.OpCode
	frames int  // frames it took (1 + continuation frames)
	suffix bool // ended with 00 00 ff ff
}

type testClient struct {
	t        testing.TB
	conn     net.Conn
	br       *bufio.Reader
	encName  string
	compress string
	codec    encoding.Codec

	// Streaming decompression state.
	src     *wsSource
	inflate io.Reader
	jsonDec *json.Decoder
	etfR    *bufio.Reader

	messages []frameInfo // every WebSocket data message received
	lastSeq  int64
	closed   *closedError
	timeout  time.Duration
}

type dialOpts struct {
	query    string // whole query, overriding the rest when set
	path     string
	encName  string
	compress string
	version  string
}

func dialGateway(t testing.TB, base string, o dialOpts) *testClient {
	t.Helper()
	c, err := tryDial(t, base, o)
	if err != nil {
		t.Fatalf("dial %s: %v", base, err)
	}
	return c
}

func tryDial(t testing.TB, base string, o dialOpts) (*testClient, error) {
	if o.encName == "" {
		o.encName = "json"
	}
	if o.version == "" {
		o.version = "10"
	}
	q := o.query
	if q == "" {
		q = "v=" + o.version + "&encoding=" + o.encName
		if o.compress != "" {
			q += "&compress=" + o.compress
		}
	}
	u := base + o.path + "?" + q
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, br, _, err := ws.Dialer{}.Dial(ctx, u)
	if err != nil {
		return nil, err
	}
	if br == nil {
		br = bufio.NewReader(conn)
	}
	codec, err := encoding.New(o.encName)
	if err != nil {
		conn.Close()
		return nil, err
	}
	c := &testClient{t: t, conn: conn, br: br, encName: o.encName, compress: o.compress, codec: codec, timeout: 15 * time.Second}
	c.src = &wsSource{c: c}
	t.Cleanup(func() { conn.Close() })
	return c, nil
}

// readWSMessage reads one data message, answering pings, joining
// continuation frames. A close frame gives *closedError.
func (c *testClient) readWSMessage() ([]byte, ws.OpCode, error) {
	if c.closed != nil {
		return nil, 0, c.closed
	}
	var msg []byte
	var op ws.OpCode
	frames := 0
	for {
		_ = c.conn.SetReadDeadline(time.Now().Add(c.timeout))
		h, err := ws.ReadHeader(c.br)
		if err != nil {
			return nil, 0, err
		}
		if h.Masked {
			return nil, 0, errors.New("server frame is masked")
		}
		p := make([]byte, h.Length)
		if _, err := io.ReadFull(c.br, p); err != nil {
			return nil, 0, err
		}
		switch h.OpCode {
		case ws.OpPing:
			c.writeFrame(ws.OpPong, p)
			continue
		case ws.OpPong:
			continue
		case ws.OpClose:
			code, reason := ws.ParseCloseFrameData(p)
			c.closed = &closedError{code: int(code), reason: reason}
			c.writeFrame(ws.OpClose, ws.NewCloseFrameBody(code, ""))
			return nil, 0, c.closed
		case ws.OpContinuation:
			if frames == 0 {
				return nil, 0, errors.New("continuation frame without a first frame")
			}
		default:
			if frames > 0 {
				return nil, 0, errors.New("new data frame inside a fragmented message")
			}
			op = h.OpCode
		}
		frames++
		msg = append(msg, p...)
		if h.Fin {
			c.messages = append(c.messages, frameInfo{op: op, frames: frames, suffix: bytes.HasSuffix(msg, []byte{0, 0, 0xff, 0xff})})
			return msg, op, nil
		}
	}
}

// writeFrame writes one masked frame.
func (c *testClient) writeFrame(op ws.OpCode, p []byte) {
	f := ws.NewFrame(op, true, append([]byte(nil), p...))
	f = ws.MaskFrameInPlace(f)
	_ = c.conn.SetWriteDeadline(time.Now().Add(c.timeout))
	_ = ws.WriteFrame(c.conn, f)
}

// wsSource is a never-ending reader of WebSocket message payloads, for the
// streaming inflaters: when its buffer is empty it reads the next message.
type wsSource struct {
	c   *testClient
	buf []byte
}

func (s *wsSource) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		msg, _, err := s.c.readWSMessage()
		if err != nil {
			return 0, err
		}
		s.buf = msg
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

// nextPayload returns the next gateway message, decompressed.
func (c *testClient) nextPayload() ([]byte, error) {
	switch c.compress {
	case "":
		msg, op, err := c.readWSMessage()
		if err != nil {
			return nil, err
		}
		if op == ws.OpBinary && c.encName == "json" {
			// payload compression: a complete zlib stream
			zr, err := zlib.NewReader(bytes.NewReader(msg))
			if err != nil {
				return nil, fmt.Errorf("payload zlib: %w", err)
			}
			return io.ReadAll(zr)
		}
		return msg, nil
	case CompressZlib, CompressZstd:
		if c.inflate == nil {
			if c.compress == CompressZlib {
				zr, err := zlib.NewReader(c.src)
				if err != nil {
					return nil, err
				}
				c.inflate = zr
			} else {
				zr, err := zstd.NewReader(c.src, zstd.WithDecoderConcurrency(1))
				if err != nil {
					return nil, err
				}
				c.inflate = zr
			}
			c.jsonDec = json.NewDecoder(c.inflate)
		}
		if c.encName == "json" {
			var raw json.RawMessage
			if err := c.jsonDec.Decode(&raw); err != nil {
				if c.closed != nil {
					return nil, c.closed
				}
				return nil, err
			}
			return raw, nil
		}
		return c.nextETFTerm()
	}
	return nil, fmt.Errorf("unknown compression %q", c.compress)
}

// nextETFTerm reads one whole ETF message from the inflated stream: the
// version byte and one term, read exactly, term by term.
func (c *testClient) nextETFTerm() ([]byte, error) {
	if c.etfR == nil {
		c.etfR = bufio.NewReaderSize(c.inflate, 64<<10)
	}
	out := make([]byte, 0, 256)
	v, err := c.etfR.ReadByte()
	if err == nil && v != 131 {
		err = fmt.Errorf("ETF version byte %d", v)
	}
	if err == nil {
		out = append(out, v)
		out, err = readETFTerm(c.etfR, out, 0)
	}
	if err != nil {
		if c.closed != nil {
			return nil, c.closed
		}
		return nil, err
	}
	return out, nil
}

// readETFTerm appends the bytes of one term read from r to out.
func readETFTerm(r *bufio.Reader, out []byte, depth int) ([]byte, error) {
	if depth > 100 {
		return nil, errors.New("ETF term too deep")
	}
	take := func(n int) error {
		start := len(out)
		out = slices.Grow(out, n)[:start+n]
		_, err := io.ReadFull(r, out[start:])
		return err
	}
	length := func(size int) (int, error) {
		if err := take(size); err != nil {
			return 0, err
		}
		b := out[len(out)-size:]
		n := 0
		for _, x := range b {
			n = n<<8 | int(x)
		}
		return n, nil
	}
	if err := take(1); err != nil {
		return nil, err
	}
	var err error
	switch tag := out[len(out)-1]; tag {
	case 97:
		err = take(1)
	case 98:
		err = take(4)
	case 70:
		err = take(8)
	case 99:
		err = take(31)
	case 106:
	case 100, 118, 107:
		var n int
		if n, err = length(2); err == nil {
			err = take(n)
		}
	case 115, 119:
		var n int
		if n, err = length(1); err == nil {
			err = take(n)
		}
	case 109:
		var n int
		if n, err = length(4); err == nil {
			err = take(n)
		}
	case 110, 111:
		size := 1
		if tag == 111 {
			size = 4
		}
		var n int
		if n, err = length(size); err == nil {
			err = take(n + 1)
		}
	case 104, 105, 108, 116:
		size := 4
		if tag == 104 {
			size = 1
		}
		var n int
		if n, err = length(size); err != nil {
			return nil, err
		}
		items := n
		if tag == 116 {
			items = 2 * n
		}
		if tag == 108 {
			items++ // the tail
		}
		for i := 0; i < items && err == nil; i++ {
			out, err = readETFTerm(r, out, depth+1)
		}
	default:
		err = fmt.Errorf("ETF tag %d not expected from the gateway", tag)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// msg is a decoded gateway message.
type msg struct {
	Op   opcode.Opcode
	S    int64
	HasS bool
	T    string
	D    json.RawMessage
}

// read returns the next gateway message.
func (c *testClient) read() (msg, error) {
	p, err := c.nextPayload()
	if err != nil {
		return msg{}, err
	}
	var env encoding.Envelope
	if err := c.codec.Decode(p, &env); err != nil {
		return msg{}, fmt.Errorf("decode %.200q: %w", p, err)
	}
	m := msg{Op: env.Op, S: env.S, HasS: env.HasS, T: env.T, D: append(json.RawMessage(nil), env.D...)}
	if m.HasS {
		c.lastSeq = m.S
	}
	return m, nil
}

// mustRead reads the next message or fails the test.
func (c *testClient) mustRead() msg {
	c.t.Helper()
	m, err := c.read()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return m
}

// send writes a command with d given as JSON text (or a value to marshal).
func (c *testClient) send(op opcode.Opcode, d any) {
	c.t.Helper()
	var raw []byte
	switch v := d.(type) {
	case nil:
		raw = []byte("null")
	case string:
		raw = []byte(v)
	case []byte:
		raw = v
	default:
		var err error
		if raw, err = json.Marshal(v); err != nil {
			c.t.Fatalf("marshal: %v", err)
		}
	}
	out, err := c.codec.Encode(nil, &encoding.Envelope{Op: op, D: raw})
	if err != nil {
		c.t.Fatalf("encode: %v", err)
	}
	wsop := ws.OpText
	if c.codec.Binary() {
		wsop = ws.OpBinary
	}
	c.writeFrame(wsop, out)
}

// sendRaw writes raw bytes as one text frame.
func (c *testClient) sendRaw(p []byte) { c.writeFrame(ws.OpText, p) }

// hello reads HELLO and returns the heartbeat interval.
func (c *testClient) hello() time.Duration {
	c.t.Helper()
	m := c.mustRead()
	if m.Op != opcode.Hello {
		c.t.Fatalf("first message is op %d, want HELLO", m.Op)
	}
	var d struct {
		HeartbeatInterval int64 `json:"heartbeat_interval"`
	}
	if err := json.Unmarshal(m.D, &d); err != nil || d.HeartbeatInterval <= 0 {
		c.t.Fatalf("bad HELLO d %s: %v", m.D, err)
	}
	return time.Duration(d.HeartbeatInterval) * time.Millisecond
}

// identifyJSON builds an identify d.
func identifyJSON(token string, in uint64, shard []int, extra string) string {
	s := fmt.Sprintf(`{"token":%q,"intents":%d,"properties":{"os":"linux","browser":"rawtest","device":"rawtest"}`, token, in)
	if shard != nil {
		s += fmt.Sprintf(`,"shard":[%d,%d]`, shard[0], shard[1])
	}
	if extra != "" {
		s += "," + extra
	}
	return s + "}"
}

// readyInfo is what tests need from READY.
type readyInfo struct {
	V                int    `json:"v"`
	SessionID        string `json:"session_id"`
	ResumeGatewayURL string `json:"resume_gateway_url"`
	Shard            []int  `json:"shard"`
	Guilds           []struct {
		ID          string `json:"id"`
		Unavailable bool   `json:"unavailable"`
	} `json:"guilds"`
	User struct {
		ID string `json:"id"`
	} `json:"user"`
	Application struct {
		ID    string `json:"id"`
		Flags int64  `json:"flags"`
	} `json:"application"`
}

// identify sends IDENTIFY after HELLO and reads READY.
func (c *testClient) identify(token string, in uint64, shard []int) readyInfo {
	c.t.Helper()
	c.hello()
	c.send(opcode.Identify, identifyJSON(token, in, shard, ""))
	return c.readReady()
}

func (c *testClient) readReady() readyInfo {
	c.t.Helper()
	for {
		m := c.mustRead()
		if m.Op == opcode.Dispatch && m.T == "READY" {
			var r readyInfo
			if err := json.Unmarshal(m.D, &r); err != nil {
				c.t.Fatalf("READY d: %v", err)
			}
			if m.S != 1 {
				c.t.Fatalf("READY has s=%d, want 1", m.S)
			}
			return r
		}
		if m.Op != opcode.HeartbeatACK {
			c.t.Fatalf("waiting for READY, got op %d t=%q d=%.100s", m.Op, m.T, m.D)
		}
	}
}

// expectClose reads until the server closes and checks the code.
func (c *testClient) expectClose(code int) *closedError {
	c.t.Helper()
	for {
		_, err := c.read()
		if err == nil {
			continue
		}
		var ce *closedError
		if !errors.As(err, &ce) {
			c.t.Fatalf("want close %d, got error %v", code, err)
		}
		if ce.code != code {
			c.t.Fatalf("want close %d, got %d (%s)", code, ce.code, ce.reason)
		}
		return ce
	}
}

// readUntil reads until a message satisfies f, returning it.
func (c *testClient) readUntil(f func(msg) bool) msg {
	c.t.Helper()
	for {
		m := c.mustRead()
		if f(m) {
			return m
		}
	}
}

// newTestServer starts a server for a test and closes it at cleanup.
func newTestServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// waitFor polls cond until it holds or the test times out.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// lastConn returns the most recent connection of s.
func lastConn(t testing.TB, s *Server) *Conn {
	t.Helper()
	var c *Conn
	waitFor(t, "a connection", func() bool {
		cs := s.Conns()
		if len(cs) == 0 {
			return false
		}
		c = cs[len(cs)-1]
		return true
	})
	return c
}

// hasViolation reports whether the record holds a violation with code.
func hasViolation(r Record, code int, substr string) bool {
	for _, v := range r.Violations {
		if int(v.Code) == code && strings.Contains(v.Reason, substr) {
			return true
		}
	}
	return false
}
