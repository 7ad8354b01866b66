package gatewayutil

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/gatewaykit/gateway/encoding"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/opcode"
)

// captureEnv names the environment variable that makes
// TestCaptureFuzzSeeds rewrite the captured seed corpora.
const captureEnv = "GATEWAYUTIL_CAPTURE_FUZZ_SEEDS"

// TestCaptureFuzzSeeds records what the emulator sends over real TCP, for
// every encoding and compression, while it injects the faults that shape
// frames (split frames, zlib-stream messages split across WebSocket
// messages, reordered keys, op 1, op 7) and then closes, and writes the
// recordings as seed corpora: the raw bytes for FuzzShardFrames, the
// WebSocket messages of the compressed connections for FuzzZlibStream and
// FuzzZstdStream. Run it when the emulator's output changes:
//
//	GATEWAYUTIL_CAPTURE_FUZZ_SEEDS=1 go test ./gatewayutil/ -run TestCaptureFuzzSeeds
func TestCaptureFuzzSeeds(t *testing.T) {
	if os.Getenv(captureEnv) == "" {
		t.Skip("writes testdata/fuzz seed files; set " + captureEnv + "=1 to regenerate them")
	}
	for mode := range uint8(8) {
		sh := fuzzShard(t, mode)
		comp, encName := sh.cfg.Compression, sh.cfg.Encoding
		if mode&4 != 0 && comp == CompressPayload {
			continue // the same as mode 3: payload compression is JSON only
		}
		raw := captureServerStream(t, encName, comp)
		name := fmt.Sprintf("emulator-%s-%s", encName, comp)
		writeSeed(t, "FuzzShardFrames", name, raw, []byte(nil), mode)
		msgs := wsMessages(raw)
		var stream, cuts []byte
		for _, m := range msgs {
			if len(m) == 0 || len(m) > 1<<16 {
				continue
			}
			stream = append(stream, m...)
			cuts = appendCut(cuts, len(m))
		}
		switch comp {
		case CompressZlibStream:
			writeSeed(t, "FuzzZlibStream", name, stream, cuts, []byte(nil), true, uint8(0), uint8(0), uint8(14))
		case CompressZstdStream:
			writeSeed(t, "FuzzZstdStream", name, stream, cuts, []byte(nil), true, uint8(0), uint8(0), uint8(14))
		}
		t.Logf("%s: %d bytes, %d WebSocket messages", name, len(raw), len(msgs))
	}
}

// captureServerStream identifies on a fresh emulator and records every
// byte it sends after the handshake, until it closes the connection.
func captureServerStream(t *testing.T, encName string, comp Compression) []byte {
	srv, err := gatewaytest.NewServer(gatewaytest.Config{Guilds: 2, Traffic: true, Rate: 40, Seed: 7, World: gatewaytest.TrafficConfig{HugeEvery: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	u := srv.URL() + "/?v=10&encoding=" + encName
	if q := comp.queryValue(); q != "" {
		u += "&compress=" + q
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nc, br, _, err := ws.Dialer{}.Dial(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	var rd io.Reader = nc
	if br != nil {
		rd = io.MultiReader(br, nc)
	}
	done := make(chan []byte)
	go func() {
		_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, _ := io.ReadAll(io.LimitReader(rd, 48<<10))
		done <- b
	}()

	codec, err := encoding.New(encName)
	if err != nil {
		t.Fatal(err)
	}
	identify := fmt.Sprintf(`{"token":"capture","intents":513,"properties":{"os":"linux","browser":"capture","device":"capture"},"compress":%v}`, comp == CompressPayload)
	msg, err := codec.Encode(nil, &encoding.Envelope{Op: opcode.Identify, D: []byte(identify)})
	if err != nil {
		t.Fatal(err)
	}
	op := ws.OpText
	if codec.Binary() {
		op = ws.OpBinary
	}
	if err := wsutil.WriteClientMessage(nc, op, msg); err != nil {
		t.Fatal(err)
	}
	sessions, err := srv.WaitSessions(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	c := sessions[0].Conn()
	time.Sleep(100 * time.Millisecond)
	for _, inject := range []func() error{
		func() error { return c.SplitNextFrames(2) },
		func() error { return c.SplitNextMessages(2) },
		func() error { return c.ReorderNextKeys(2) },
		c.RequestHeartbeat,
	} {
		if err := inject(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(60 * time.Millisecond)
	}
	_ = c.InjectReconnect()
	time.Sleep(50 * time.Millisecond)
	_ = c.InjectClose(4000)
	return <-done
}

// wsMessages returns the payloads of the data messages in a server stream,
// continuation frames joined, up to the first frame that does not parse.
func wsMessages(raw []byte) [][]byte {
	r := bytes.NewReader(raw)
	var out [][]byte
	var cur []byte
	for {
		h, err := ws.ReadHeader(r)
		if err != nil || h.Length > int64(r.Len()) {
			return out
		}
		p := make([]byte, h.Length)
		_, _ = io.ReadFull(r, p)
		if h.OpCode.IsControl() {
			continue
		}
		cur = append(cur, p...)
		if h.Fin {
			out, cur = append(out, cur), nil
		}
	}
}

// writeSeed writes one seed corpus file in the fuzzer's format.
func writeSeed(t *testing.T, target, name string, args ...any) {
	var b bytes.Buffer
	b.WriteString("go test fuzz v1\n")
	for _, a := range args {
		switch v := a.(type) {
		case []byte:
			fmt.Fprintf(&b, "[]byte(%q)\n", v)
		case uint8:
			fmt.Fprintf(&b, "byte(%q)\n", v)
		case bool:
			fmt.Fprintf(&b, "bool(%v)\n", v)
		default:
			t.Fatalf("seed argument of type %T", a)
		}
	}
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
