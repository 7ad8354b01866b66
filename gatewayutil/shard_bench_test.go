package gatewayutil_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zstd"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
)

// shardBenchMessage is a realistic MESSAGE_CREATE of about 1.4 KB.
var shardBenchMessage = func() []byte {
	content := strings.Repeat("the quick brown fox jumps over the lazy dog ", 10)
	d := fmt.Sprintf(`{"type":0,"tts":false,"timestamp":"2026-01-15T12:00:00.000000+00:00","pinned":false,`+
		`"nonce":"1296371712345678901","mentions":[],"mention_roles":[],"mention_everyone":false,`+
		`"member":{"roles":["1100000000000000001","1100000000000000002"],"premium_since":null,"pending":false,"nick":"benchmark nick","mute":false,"joined_at":"2024-03-01T10:00:00.000000+00:00","flags":0,"deaf":false,"communication_disabled_until":null,"avatar":null},`+
		`"id":"1296371712345678902","flags":0,"embeds":[],"edited_timestamp":null,"content":%q,"components":[],"channel_id":"1100000000000000100",`+
		`"author":{"username":"benchuser","public_flags":0,"id":"1100000000000000200","global_name":"Bench User","discriminator":"0","clan":null,"avatar_decoration_data":null,"avatar":"a_0123456789abcdef0123456789abcdef"},`+
		`"attachments":[],"guild_id":"1100000000000000000","referenced_message":null,"sticker_items":[],"position":0,"application_id":null,"webhook_id":null}`, content)
	return []byte(`{"t":"MESSAGE_CREATE","s":5,"op":0,"d":` + d + `}`)
}()

// benchServer is a minimal gateway for benchmarks: HELLO, READY on
// Identify, then as many copies of one dispatch as asked for, from frames
// encoded once up front, so the server allocates nothing while the shard is
// measured. Messages are encoded so that each can be sent any number of
// times in any order: for zlib-stream each is deflated on its own (a fresh
// compressor, sync-flushed, no reference to earlier messages) after one
// zlib header; for zstd-stream each is a zstd frame of its own. Real
// streams compress better (they share a dictionary), so the wire bytes are
// on the high side; the decoder does the same kind of work.
type benchServer struct {
	ln    net.Listener
	comp  gatewayutil.Compression
	hello []byte // frames
	ready []byte
	event []byte
	batch []byte // 64 event frames
	send  chan int
}

func newBenchServer(b *testing.B, comp gatewayutil.Compression) *benchServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s := &benchServer{ln: ln, comp: comp, send: make(chan int)}
	enc := s.encoder(b)
	s.hello = enc([]byte(`{"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250}}`), true)
	s.ready = enc([]byte(`{"t":"READY","s":1,"op":0,"d":{"v":10,"session_id":"benchsession","resume_gateway_url":"ws://127.0.0.1:1","user":{"id":"1"},"guilds":[]}}`), false)
	s.event = enc(shardBenchMessage, false)
	s.batch = bytes.Repeat(s.event, 64)
	go s.serve()
	b.Cleanup(func() { _ = ln.Close() })
	return s
}

// encoder returns a function that compresses one message and frames it.
func (s *benchServer) encoder(b *testing.B) func(msg []byte, first bool) []byte {
	frame := func(op ws.OpCode, p []byte) []byte {
		return ws.MustCompileFrame(ws.NewFrame(op, true, p))
	}
	switch s.comp {
	case gatewayutil.CompressZlibStream:
		return func(msg []byte, first bool) []byte {
			var buf bytes.Buffer
			if first {
				buf.Write([]byte{0x78, 0x9c})
			}
			fw, err := flate.NewWriter(&buf, flate.DefaultCompression)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = fw.Write(msg)
			_ = fw.Flush()
			return frame(ws.OpBinary, buf.Bytes())
		}
	case gatewayutil.CompressZstdStream:
		zw, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(256<<10))
		if err != nil {
			b.Fatal(err)
		}
		return func(msg []byte, _ bool) []byte {
			return frame(ws.OpBinary, zw.EncodeAll(msg, nil))
		}
	}
	return func(msg []byte, _ bool) []byte { return frame(ws.OpText, msg) }
}

func (s *benchServer) url() string { return "ws://" + s.ln.Addr().String() }

func (s *benchServer) serve() {
	c, err := s.ln.Accept()
	if err != nil {
		return
	}
	defer c.Close()
	if _, err := ws.Upgrade(c); err != nil {
		return
	}
	if _, err := c.Write(s.hello); err != nil {
		return
	}
	if _, _, err := wsutil.ReadClientData(c); err != nil { // Identify
		return
	}
	if _, err := c.Write(s.ready); err != nil {
		return
	}
	go func() { // heartbeats and the close frame
		for {
			if _, _, err := wsutil.ReadClientData(c); err != nil {
				return
			}
		}
	}()
	for n := range s.send {
		for ; n >= 64; n -= 64 {
			if _, err := c.Write(s.batch); err != nil {
				return
			}
		}
		for ; n > 0; n-- {
			if _, err := c.Write(s.event); err != nil {
				return
			}
		}
	}
}

// benchShardRead measures the whole read path of a shard over a loopback
// WebSocket: frames, decompression, envelope, protocol Client, and an
// EventSink that only counts.
func benchShardRead(b *testing.B, comp gatewayutil.Compression) {
	srv := newBenchServer(b, comp)
	var count atomic.Int64
	var target atomic.Int64
	target.Store(1)
	done := make(chan struct{}, 1)
	sink := gatewayutil.EventSinkFunc(func(_ context.Context, e *gatewayutil.Event) error {
		if count.Add(1) == target.Load() {
			done <- struct{}{}
		}
		return nil
	})
	sh, err := gatewayutil.NewShard(gatewayutil.Config{
		Token:       gateway.NewToken("bench-token"),
		Intents:     intents.GuildMessages,
		URL:         srv.url(),
		Compression: comp,
		Sink:        sink,
	})
	if err != nil {
		b.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- sh.Run(context.Background()) }()
	select {
	case <-done: // READY
	case err := <-errc:
		b.Fatal(err)
	case <-time.After(10 * time.Second):
		b.Fatal("no READY")
	}
	// Warm the pools and the decoder up, outside the measurement.
	target.Store(1 + 1000)
	srv.send <- 1000
	<-done

	b.SetBytes(int64(len(shardBenchMessage)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	target.Store(1 + 1000 + int64(b.N))
	srv.send <- b.N
	<-done
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	st := sh.Status()
	b.ReportMetric(float64(st.BytesWire)/float64(st.Messages), "wire-B/msg")
	close(srv.send)
	_, _ = sh.Close(context.Background(), closecode.Normal)
	<-errc
}

func BenchmarkShardReadNone(b *testing.B)       { benchShardRead(b, gatewayutil.CompressNone) }
func BenchmarkShardReadZlibStream(b *testing.B) { benchShardRead(b, gatewayutil.CompressZlibStream) }
func BenchmarkShardReadZstdStream(b *testing.B) { benchShardRead(b, gatewayutil.CompressZstdStream) }
