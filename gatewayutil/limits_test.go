package gatewayutil_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/klauspost/compress/zlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/opcode"
)

// The hard limits of the read path, each proven against a real shard on a
// real connection: a scripted gateway on 127.0.0.1 sends what no honest
// gateway would, and the shard must refuse it with an error that says what
// happened, without spending the memory the message asks for, and go on
// (reconnect and resume) rather than stop.

const limitsToken = "bGltaXRzLXRlc3Q.dG9rZW4.c2hvdWxkLW5ldmVyLWJlLXByaW50ZWQ"

// limitEvents collects what a shard delivered.
type limitEvents struct {
	mu     sync.Mutex
	events []string // "TYPE#seq:len"
	sizes  map[int64]int
}

func (l *limitEvents) Dispatch(_ context.Context, e *gatewayutil.Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, fmt.Sprintf("%s#%d", e.Type, e.Seq))
	if l.sizes == nil {
		l.sizes = map[int64]int{}
	}
	l.sizes[e.Seq] = len(e.Data)
	return nil
}

func (l *limitEvents) has(typ string, seq int64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.events {
		if e == fmt.Sprintf("%s#%d", typ, seq) {
			return true
		}
	}
	return false
}

// offendingRun runs a shard (json unless mutate says otherwise) against a
// scripted gateway: the first connection identifies, gets READY (s = 1),
// then offend's messages; later connections accept a resume with RESUMED.
// It waits until the shard has resumed once (or until resumed says so) and
// returns the shard, its events and its logs.
func offendingRun(t *testing.T, mutate func(*gatewayutil.Config), offend func(c *gwConn)) (*gatewayutil.Shard, *limitEvents, *shardLogBuffer, *scriptedGateway) {
	t.Helper()
	g := startScriptedGateway(t, func(c *gwConn, n int) {
		c.hello()
		if n == 1 {
			if _, ok := c.await(int(opcode.Identify), 10*time.Second); !ok {
				return
			}
			c.ready("limits-session", "")
			offend(c)
		} else {
			d, ok := c.await(int(opcode.Resume), 10*time.Second)
			if !ok {
				return
			}
			var resume struct{ Seq int64 }
			_ = json.Unmarshal(d, &resume)
			c.resumed(resume.Seq + 1)
		}
		c.drain(30 * time.Second)
	})
	events := &limitEvents{}
	logs := &shardLogBuffer{}
	cfg := gatewayutil.Config{
		Token:              gateway.NewToken(limitsToken),
		Intents:            intents.Guilds,
		URL:                g.URL(),
		Sink:               events,
		Logger:             slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		HandshakeTimeout:   5 * time.Second,
		HelloTimeout:       5 * time.Second,
		ReadyTimeout:       5 * time.Second,
		CloseTimeout:       time.Second,
		Backoff:            gatewayutil.Backoff{Base: 10 * time.Millisecond, Max: 100 * time.Millisecond},
		ReidentifyDelayMin: 10 * time.Millisecond,
		ReidentifyDelayMax: 20 * time.Millisecond,
		ResumeURLPolicy:    gatewayutil.LoopbackResumeURLs,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	sh, err := gatewayutil.NewShard(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sh.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		_, _ = sh.Close(context.Background(), closecode.Normal)
		<-done
		assert.NotContains(t, logs.String(), limitsToken, "the token leaked into the logs")
		if t.Failed() {
			out := logs.String()
			t.Logf("shard logs (tail):\n%s", out[max(0, len(out)-4000):])
		}
	})
	return sh, events, logs, g
}

// waitResumed waits until the shard resumed after the offending connection.
func waitResumed(t *testing.T, sh *gatewayutil.Shard) gatewayutil.Status {
	t.Helper()
	waitUntil(t, 20*time.Second, "a resume after the offending connection", func() bool {
		st := sh.Status()
		return st.Resumes >= 1 && st.State == gatewayutil.ShardConnected
	})
	return sh.Status()
}

// dispatchOfSize returns a JSON dispatch of exactly n bytes.
func dispatchOfSize(t *testing.T, seq int64, n int) []byte {
	head := fmt.Sprintf(`{"t":"BIG","s":%d,"op":0,"d":{"x":"`, seq)
	tail := `"}}`
	require.Greater(t, n, len(head)+len(tail))
	return []byte(head + strings.Repeat("a", n-len(head)-len(tail)) + tail)
}

// sendPayloadCompressed sends msg as payload compression does: a complete
// zlib stream in a binary message.
func sendPayloadCompressed(c *gwConn, msg []byte) {
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	_, _ = zw.Write(msg)
	_ = zw.Close()
	c.sendFrame(ws.OpBinary, true, b.Bytes())
}

var limitModes = []struct {
	name string
	comp gatewayutil.Compression
}{
	{"none", gatewayutil.CompressNone},
	{"zlib-stream", gatewayutil.CompressZlibStream},
	{"zstd-stream", gatewayutil.CompressZstdStream},
	{"payload", gatewayutil.CompressPayload},
}

// A message of exactly MaxMessageSize bytes (after decompression) is
// delivered; one byte more ends the connection with an error matching
// gateway.ErrMessageTooLarge, and the shard resumes.
func TestLimitMaxMessageSize(t *testing.T) {
	const limit = 64 << 10
	for _, m := range limitModes {
		t.Run(m.name, func(t *testing.T) {
			sh, events, _, _ := offendingRun(t, func(c *gatewayutil.Config) {
				c.Compression, c.MaxMessageSize = m.comp, limit
			}, func(c *gwConn) {
				send := c.send
				if m.comp == gatewayutil.CompressPayload {
					send = func(b []byte) { sendPayloadCompressed(c, b) }
				}
				send(dispatchOfSize(t, 2, limit))
				send(dispatchOfSize(t, 3, limit+1))
			})
			st := waitResumed(t, sh)
			require.ErrorIs(t, st.LastError, gateway.ErrMessageTooLarge, "why the offending connection ended")
			assert.Contains(t, st.LastError.Error(), fmt.Sprint(limit), "the error names the limit")
			assert.True(t, events.has("BIG", 2), "a message of exactly the limit is delivered")
			assert.False(t, events.has("BIG", 3), "a message over the limit is not")
			assert.True(t, events.has("RESUMED", 3), "the resume asked for what came after the last delivered dispatch")
		})
	}
}

// A decompression bomb (64 MiB of output from a few dozen KiB on the wire)
// stops at the output limit: the connection ends with
// gateway.ErrMessageTooLarge and the shard never allocates anything near
// the bomb's size. There is no separate ratio limit: the absolute bound on
// the output is what protects memory, whatever the ratio.
func TestLimitDecompressionBombs(t *testing.T) {
	const limit = 1 << 20
	const bomb = 64 << 20
	for _, m := range limitModes[1:] {
		t.Run(m.name, func(t *testing.T) {
			var before, after runtime.MemStats
			sh, events, _, _ := offendingRun(t, func(c *gatewayutil.Config) {
				c.Compression, c.MaxMessageSize = m.comp, limit
			}, func(c *gwConn) {
				c.sendStreamed([]byte(`{"t":"BOMB","s":2,"op":0,"d":{"x":"`), bomb, []byte(`"}}`), m.comp == gatewayutil.CompressPayload)
			})
			// The bomb is compressed by the gateway goroutine while the
			// shard reads: measure from READY to the resume.
			waitUntil(t, 10*time.Second, "READY", func() bool { return events.has("READY", 1) })
			runtime.ReadMemStats(&before)
			st := waitResumed(t, sh)
			runtime.ReadMemStats(&after)
			require.ErrorIs(t, st.LastError, gateway.ErrMessageTooLarge)
			assert.False(t, events.has("BOMB", 2))
			allocated := after.TotalAlloc - before.TotalAlloc
			t.Logf("%s: %d MiB bomb, %d KiB on the wire, %.1f MiB allocated by the whole process meanwhile", m.name, bomb>>20, st.BytesWire>>10, float64(allocated)/(1<<20))
			assert.Less(t, allocated, uint64(bomb/2), "the bomb was not inflated into memory")
			assert.Less(t, st.BytesDecoded, int64(limit), "nothing over the limit was decoded")
		})
	}
}

// A zstd-stream whose frame asks for a window over Config.MaxZstdWindow is
// refused (ErrDecompress) before it can make the shard hold that much
// history, on every connection: the shard never gets to READY.
func TestLimitZstdWindow(t *testing.T) {
	g := startScriptedGateway(t, func(c *gwConn, n int) {
		c.zstdWindow = 16 << 20
		c.hello()
		c.drain(5 * time.Second)
	})
	logs := &shardLogBuffer{}
	sh, err := gatewayutil.NewShard(gatewayutil.Config{
		Token: gateway.NewToken(limitsToken), Intents: intents.Guilds, URL: g.URL(),
		Compression: gatewayutil.CompressZstdStream, MaxZstdWindow: 8 << 20,
		Backoff: gatewayutil.Backoff{Base: 10 * time.Millisecond, Max: 50 * time.Millisecond},
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	require.NoError(t, err)
	go func() { _ = sh.Run(context.Background()) }()
	waitUntil(t, 10*time.Second, "two refused connections", func() bool {
		return g.conns.Load() >= 2 && errors.Is(sh.Status().LastError, gatewayutil.ErrDecompress)
	})
	st := sh.Status()
	assert.Contains(t, st.LastError.Error(), "window")
	assert.Zero(t, st.Dispatches)
	_, err = sh.Close(context.Background(), closecode.Normal)
	require.NoError(t, err)
	assert.NotContains(t, logs.String(), limitsToken)
}

// Frames: a length over the limit is refused from the header alone, before
// any of the payload is read or allocated (the gateway below never even
// sends it); a 64-bit length with its top bit set, or a control frame over
// 125 bytes, is a WebSocket protocol error; the frames of one message count
// together against the limit.
func TestLimitFrames(t *testing.T) {
	const limit = 64 << 10
	header := func(h ws.Header) []byte {
		var b bytes.Buffer
		require.NoError(t, ws.WriteHeader(&b, h))
		return b.Bytes()
	}
	cases := []struct {
		name   string
		offend func(c *gwConn)
		want   error
	}{
		{"a terabyte frame", func(c *gwConn) {
			c.sendRaw(header(ws.Header{Fin: true, OpCode: ws.OpText, Length: 1 << 40}))
		}, gateway.ErrMessageTooLarge},
		{"one byte over the limit", func(c *gwConn) {
			c.sendRaw(header(ws.Header{Fin: true, OpCode: ws.OpText, Length: limit + 1}))
		}, gateway.ErrMessageTooLarge},
		{"fragments over the limit together", func(c *gwConn) {
			half := bytes.Repeat([]byte("a"), limit/2+1)
			c.sendFrame(ws.OpText, false, half)
			c.sendFrame(ws.OpContinuation, true, half)
		}, gateway.ErrMessageTooLarge},
		{"64-bit length with the top bit set", func(c *gwConn) {
			raw := []byte{0x81, 127, 0, 0, 0, 0, 0, 0, 0, 0}
			binary.BigEndian.PutUint64(raw[2:], 1<<63|5)
			c.sendRaw(raw)
		}, gatewayutil.ErrProtocol},
		{"a 126-byte ping", func(c *gwConn) {
			c.sendRaw(append(header(ws.Header{Fin: true, OpCode: ws.OpPing, Length: 126}), make([]byte, 126)...))
		}, gatewayutil.ErrProtocol},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sh, _, _, _ := offendingRun(t, func(c *gatewayutil.Config) { c.MaxMessageSize = limit }, tc.offend)
			st := waitResumed(t, sh)
			require.ErrorIs(t, st.LastError, tc.want)
		})
	}
}

// etfTerm helpers build the ETF messages Discord's encoder would not.
func etfAtom(s string) []byte { return append([]byte{119, byte(len(s))}, s...) }

// etfDispatch is a dispatch envelope with atom keys, as Discord writes them,
// carrying a hand-built d term.
func etfDispatch(seq int, typ string, d []byte) []byte {
	b := []byte{131, 116, 0, 0, 0, 4}
	b = append(b, etfAtom("op")...)
	b = append(b, 97, 0)
	b = append(b, etfAtom("s")...)
	b = append(b, 98)
	b = binary.BigEndian.AppendUint32(b, uint32(seq))
	b = append(b, etfAtom("t")...)
	b = append(b, etfAtom(typ)...)
	b = append(b, etfAtom("d")...)
	return append(b, d...)
}

// ETF: a term nested deeper than the decoder allows, or declaring more
// elements or bytes than the message holds (or a compressed term inflating
// past its bound), is refused with an error that says so; the message is
// skipped with a warning, without allocating what it declares, and the
// connection goes on: the next dispatch is delivered.
func TestLimitETF(t *testing.T) {
	deep := append(bytes.Repeat([]byte{104, 1}, 500), 106)
	hugeList := append([]byte{108, 0xff, 0xff, 0xff, 0xff}, bytes.Repeat([]byte{97, 1}, 8)...)
	hugeBinary := append([]byte{109, 0xff, 0xff, 0xff, 0xf0}, "short"...)
	hugeMap := append([]byte{116, 0x7f, 0xff, 0xff, 0xff}, 97, 1, 97, 2)
	// COMPRESSED wraps a whole message (here an empty zlib stream: the
	// bounds are checked before anything is inflated). Declaring 2 GiB of
	// inflated bytes is over the 16 MiB bound; declaring 16 MiB from four
	// bytes of deflate data is more than deflate can produce from them.
	compressed := func(size uint32) []byte {
		return append(binary.BigEndian.AppendUint32([]byte{131, 80}, size), 0x78, 0x9c, 0x03, 0x00)
	}
	overBound, overRatio := compressed(0x7fffffff), compressed(16<<20)
	cases := []struct {
		name, want string
		msg        []byte
	}{
		{"depth", "deeper than", etfDispatch(2, "HOSTILE", deep)},
		{"list length", "declares 4294967295 elements", etfDispatch(2, "HOSTILE", hugeList)},
		{"binary length", "runs past the end", etfDispatch(2, "HOSTILE", hugeBinary)},
		{"map size", "declares 2147483647 pairs", etfDispatch(2, "HOSTILE", hugeMap)},
		{"compressed size", "over the limit", overBound},
		{"compressed ratio", "compressed bytes can hold", overRatio},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			sh, events, logs, g := offendingRun(t, func(c *gatewayutil.Config) { c.Encoding = "etf" }, func(c *gwConn) {
				c.send(tc.msg)
				c.sendEnv(opcode.Dispatch, 3, "AFTER", `{"ok":true}`)
			})
			waitUntil(t, 10*time.Second, "the dispatch after the hostile one", func() bool { return events.has("AFTER", 3) })
			runtime.ReadMemStats(&after)
			assert.False(t, events.has("HOSTILE", 2), "the hostile dispatch is not delivered")
			assert.EqualValues(t, 1, g.conns.Load(), "the connection went on")
			assert.EqualValues(t, 1, sh.Status().Connections)
			out := logs.String()
			assert.Contains(t, out, "ignoring a gateway message", "the skipped message is logged")
			assert.Contains(t, out, "etf: malformed", "with the decoder's error")
			assert.Contains(t, out, tc.want)
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "nothing of the declared size was allocated")
		})
	}
}

// A command over 4096 bytes (the gateway's limit on what a client sends) is
// refused before it is queued: gateway.ErrPayloadTooLarge.
func TestLimitOutgoingPayload(t *testing.T) {
	sh, err := gatewayutil.NewShard(gatewayutil.Config{Token: gateway.NewToken(limitsToken), Intents: intents.Guilds, URL: "ws://127.0.0.1:1"})
	require.NoError(t, err)
	big := fmt.Appendf(nil, `{"status":"online","afk":false,"since":null,"activities":[{"name":%q,"type":0}]}`, strings.Repeat("x", 4100))
	err = sh.Send(context.Background(), opcode.PresenceUpdate, big)
	require.ErrorIs(t, err, gateway.ErrPayloadTooLarge)
	assert.NotContains(t, err.Error(), limitsToken)
}
