package gatewaytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/opcode"
)

// Both encodings under every transport compression: identify, READY, all
// GUILD_CREATEs (one over 1 MiB), a heartbeat, and published events, each
// decoded by the test's own inflater.
func TestEncodingsAndCompressions(t *testing.T) {
	for _, enc := range []string{"json", "etf"} {
		for _, comp := range []string{CompressNone, CompressZlib, CompressZstd} {
			t.Run(enc+"/"+comp, func(t *testing.T) {
				// With 50 guilds the 50th is huge (GUILD_CREATE over 1 MiB):
				// it spans many zlib and zstd blocks. ETF transcoding of it is
				// slow under -race, so ETF gets small guilds only.
				guilds := 50
				if enc == "etf" {
					guilds = 8
				}
				// The test's client reads a 1 MiB GUILD_CREATE and
				// inflates it itself, which under -race on a loaded
				// machine can leave the server's write blocked longer
				// than the default 10 s PeerTimeout (it closed the
				// connection then): this test is about the bytes, not
				// about slow peers (peer_bounds_test.go is).
				s := newTestServer(t, Config{Guilds: guilds, PeerTimeout: time.Minute})
				c := dialGateway(t, s.URL(), dialOpts{encName: enc, compress: comp})
				r := c.identify("tok", uint64(intents.Guilds|intents.GuildMessages), nil)
				biggest := 0
				for range r.Guilds {
					m := c.readUntil(func(m msg) bool { return m.T == "GUILD_CREATE" })
					biggest = max(biggest, len(m.D))
					if !json.Valid(m.D) {
						t.Fatalf("GUILD_CREATE d is not JSON")
					}
				}
				if guilds == 50 && biggest < 1<<20 {
					t.Fatalf("largest GUILD_CREATE %d bytes, want one over 1 MiB", biggest)
				}
				g := s.Guilds()[0]
				for i := 0; i < 20; i++ {
					d := fmt.Sprintf(`{"id":"%d","guild_id":"%d","channel_id":"1","content":"hello %d","author":{"id":"2"}}`, 100+i, g, i)
					s.Publish(Dispatch{Type: "MESSAGE_CREATE", GuildID: g, Data: []byte(d)})
				}
				for i := 0; i < 20; i++ {
					m := c.readUntil(func(m msg) bool { return m.T == "MESSAGE_CREATE" })
					var got struct {
						ID string `json:"id"`
					}
					if err := json.Unmarshal(m.D, &got); err != nil || got.ID != fmt.Sprint(100+i) {
						t.Fatalf("event %d: %s (%v)", i, m.D, err)
					}
				}
				c.send(opcode.Heartbeat, fmt.Sprint(c.lastSeq))
				c.readUntil(func(m msg) bool { return m.Op == opcode.HeartbeatACK })

				for i, fi := range c.messages {
					switch {
					case comp == CompressZlib && !fi.suffix:
						t.Fatalf("zlib-stream message %d does not end with 00 00 ff ff", i)
					case comp != CompressNone && fi.op != ws.OpBinary:
						t.Fatalf("compressed message %d in a %v frame", i, fi.op)
					case comp == CompressNone && enc == "json" && fi.op != ws.OpText:
						t.Fatalf("JSON message %d in a %v frame", i, fi.op)
					case enc == "etf" && fi.op != ws.OpBinary:
						t.Fatalf("ETF message %d in a %v frame", i, fi.op)
					}
				}
				rec := lastConn(t, s).Record()
				if rec.Encoding != enc || rec.Compress != comp || rec.BytesSent == 0 {
					t.Fatalf("record %v", rec)
				}
			})
		}
	}
}

// The first zlib-stream message starts a zlib stream; the first zstd-stream
// message starts a zstd frame with Discord's frame header (no checksum,
// 256 KiB window).
func TestCompressedStreamHeaders(t *testing.T) {
	s := newTestServer(t, Config{Guilds: 1})
	for _, tc := range []struct {
		comp   string
		prefix []byte
	}{
		{CompressZlib, []byte{0x78}},
		{CompressZstd, []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x40}},
	} {
		c := dialGateway(t, s.URL(), dialOpts{compress: tc.comp})
		first, _, err := c.readWSMessage()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(first, tc.prefix) {
			t.Fatalf("%s: first message % x, want prefix % x", tc.comp, first[:8], tc.prefix)
		}
	}
}

// identify compress:true: large payloads arrive as complete zlib streams in
// binary frames, small ones as text; ignored with transport compression or
// ETF.
func TestPayloadCompression(t *testing.T) {
	s := newTestServer(t, Config{Guilds: 3})
	c := dialGateway(t, s.URL(), dialOpts{})
	c.hello()
	c.send(opcode.Identify, identifyJSON("tok", 1, nil, `"compress":true`))
	c.readReady()
	for i := 0; i < 3; i++ {
		c.readUntil(func(m msg) bool { return m.T == "GUILD_CREATE" })
	}
	c.send(opcode.Heartbeat, "4")
	c.readUntil(func(m msg) bool { return m.Op == opcode.HeartbeatACK })
	var binary, text int
	for _, fi := range c.messages[1:] { // after HELLO, sent before identify
		if fi.op == ws.OpBinary {
			binary++
		} else {
			text++
		}
	}
	if binary < 3 || text < 1 {
		t.Fatalf("%d binary and %d text messages; want the big ones compressed and the ACK not", binary, text)
	}
	if rec := lastConn(t, s).Record(); !rec.PayloadCompress {
		t.Fatalf("record says payload compression is off")
	}

	for i, o := range []dialOpts{{compress: CompressZlib}, {encName: "etf"}} {
		c := dialGateway(t, s.URL(), o)
		c.hello()
		// A token per connection: each bot has its own identify bucket.
		c.send(opcode.Identify, identifyJSON(fmt.Sprint("other", i), 1, []int{0, 1}, `"compress":true`))
		c.readReady()
		if rec := lastConn(t, s).Record(); rec.PayloadCompress {
			t.Fatalf("%+v: payload compression on", o)
		}
	}
}
