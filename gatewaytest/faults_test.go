package gatewaytest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/encoding"
	"github.com/gatewaykit/gateway/opcode"
)

// connected starts a server and an identified raw client.
func connected(t *testing.T, cfg Config, o dialOpts) (*Server, *testClient, *Conn) {
	t.Helper()
	if cfg.Guilds == 0 {
		cfg.Guilds = 1
	}
	s := newTestServer(t, cfg)
	c := dialGateway(t, s.URL(), o)
	r := c.identify("tok", 1, nil)
	readEvents(c, "GUILD_CREATE", len(r.Guilds))
	return s, c, lastConn(t, s)
}

// publishOne publishes a small dispatch to the server's first guild.
func publishOne(s *Server, id int) {
	g := s.Guilds()[0]
	s.Publish(Dispatch{Type: "GUILD_UPDATE", GuildID: g, Data: []byte(fmt.Sprintf(`{"id":"%d","name":"n%d"}`, g, id))})
}

func TestInjectReconnect(t *testing.T) {
	s, c, conn := connected(t, Config{ReconnectGrace: 50 * time.Millisecond}, dialOpts{})
	if err := conn.InjectReconnect(); err != nil {
		t.Fatal(err)
	}
	if m := c.mustRead(); m.Op != opcode.Reconnect {
		t.Fatalf("got op %d, want 7", m.Op)
	}
	// The client ignores it: the server closes with 4000 after the grace.
	c.expectClose(4000)
	if !s.Sessions()[0].Alive() {
		t.Fatalf("session died with a resumable close")
	}
	if rec := conn.Record(); len(rec.Faults) != 1 || rec.Faults[0].Kind != FaultReconnect {
		t.Fatalf("faults %+v", rec.Faults)
	}
}

func TestInjectInvalidSession(t *testing.T) {
	s, c, conn := connected(t, Config{}, dialOpts{})
	if err := conn.InjectInvalidSession(true); err != nil {
		t.Fatal(err)
	}
	if m := c.mustRead(); m.Op != opcode.InvalidSession || string(m.D) != "true" {
		t.Fatalf("got op %d d=%s", m.Op, m.D)
	}
	sess := s.Sessions()
	if len(sess) != 1 || sess[0].Conn() != nil {
		t.Fatalf("resumable op 9: want the session alive and detached")
	}
	// Resume on the same connection, as discord.js does after op 9 true.
	c.send(opcode.Resume, fmt.Sprintf(`{"token":"tok","session_id":%q,"seq":%d}`, sess[0].ID(), c.lastSeq))
	if m := c.mustRead(); m.T != "RESUMED" {
		t.Fatalf("resume after op 9 true: got op %d %q", m.Op, m.T)
	}
	if err := conn.InjectInvalidSession(false); err != nil {
		t.Fatal(err)
	}
	if m := c.mustRead(); m.Op != opcode.InvalidSession || string(m.D) != "false" {
		t.Fatalf("got op %d d=%s", m.Op, m.D)
	}
	if len(s.Sessions()) != 0 {
		t.Fatalf("op 9 false left the session alive")
	}
	// The same connection may identify again (another token: the identify
	// bucket is still busy for the first).
	c.send(opcode.Identify, identifyJSON("tok2", 1, nil, ""))
	c.readReady()
	if st := s.Stats(); st.FaultsInjected != 2 || st.Identifies != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestInjectCloseAndDrop(t *testing.T) {
	for _, tc := range []struct {
		name  string
		code  closecode.Code
		alive bool
	}{
		{"4000", closecode.UnknownError, true},
		{"1001", closecode.GoingAway, true},
		{"4009", closecode.SessionTimedOut, false},
		{"drop", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, c, conn := connected(t, Config{}, dialOpts{})
			sess := s.Sessions()[0]
			if tc.code == 0 {
				if err := conn.DropTCP(); err != nil {
					t.Fatal(err)
				}
				_, err := c.read()
				var ce *closedError
				if err == nil || errors.As(err, &ce) || !errors.Is(err, io.EOF) && !isConnReset(err) {
					t.Fatalf("after a TCP drop read gave %v, want EOF without a close frame", err)
				}
			} else {
				if err := conn.InjectClose(tc.code); err != nil {
					t.Fatal(err)
				}
				c.expectClose(int(tc.code))
			}
			<-conn.Done()
			if sess.Alive() != tc.alive {
				t.Fatalf("session alive=%v, want %v", sess.Alive(), tc.alive)
			}
			if err := conn.InjectReconnect(); !errors.Is(err, ErrClosed) {
				t.Fatalf("fault on a closed connection: %v", err)
			}
		})
	}
}

func isConnReset(err error) bool {
	return err != nil && bytes.Contains([]byte(err.Error()), []byte("reset"))
}

func TestWithholdACKs(t *testing.T) {
	_, c, conn := connected(t, Config{}, dialOpts{})
	if err := conn.WithholdACKs(true); err != nil {
		t.Fatal(err)
	}
	c.send(opcode.Heartbeat, "1")
	c.timeout = 300 * time.Millisecond
	if m, err := c.read(); err == nil {
		t.Fatalf("got op %d while ACKs are withheld", m.Op)
	}
	// The read timed out; a new client is needed to keep reading cleanly.
	if rec := conn.Record(); rec.HeartbeatCount != 1 {
		t.Fatalf("heartbeat not recorded")
	}
}

func TestWithholdACKsThenRestore(t *testing.T) {
	s, c, conn := connected(t, Config{}, dialOpts{})
	_ = conn.WithholdACKs(true)
	c.send(opcode.Heartbeat, "1")
	waitFor(t, "the withheld heartbeat", func() bool { return conn.Record().HeartbeatCount == 1 })
	_ = conn.WithholdACKs(false)
	publishOne(s, 1) // a dispatch proves the first heartbeat got no ACK before it
	// Read it before the next heartbeat: the dispatch is written by the
	// pump, the ACK by the reader, so sent together either may come first.
	ops := []opcode.Opcode{c.mustRead().Op}
	c.send(opcode.Heartbeat, "1")
	ops = append(ops, c.mustRead().Op)
	if ops[0] != opcode.Dispatch || ops[1] != opcode.HeartbeatACK {
		t.Fatalf("got ops %v, want a dispatch then one ACK", ops)
	}
}

func TestSplitFramesAndMessages(t *testing.T) {
	for _, comp := range []string{CompressNone, CompressZlib} {
		t.Run("compress="+comp, func(t *testing.T) {
			s, c, conn := connected(t, Config{}, dialOpts{compress: comp})
			if err := conn.SplitNextFrames(1); err != nil {
				t.Fatal(err)
			}
			publishOne(s, 1)
			before := len(c.messages)
			m := c.mustRead()
			if m.T != "GUILD_UPDATE" {
				t.Fatalf("got %q", m.T)
			}
			if fi := c.messages[before]; fi.frames != 3 {
				t.Fatalf("message came in %d frames, want 3", fi.frames)
			}
			if err := conn.SplitNextMessages(1); err != nil {
				t.Fatal(err)
			}
			publishOne(s, 2)
			before = len(c.messages)
			if m := c.mustRead(); m.T != "GUILD_UPDATE" {
				t.Fatalf("got %q", m.T)
			}
			got := c.messages[before:]
			if comp == CompressZlib {
				if len(got) != 2 || got[0].suffix || !got[1].suffix {
					t.Fatalf("split zlib-stream message: %+v, want two WebSocket messages, the second ending the flush", got)
				}
			} else if len(got) != 1 || got[0].frames != 3 {
				t.Fatalf("split message without zlib: %+v, want one message in 3 frames", got)
			}
		})
	}
}

func TestReorderNextKeys(t *testing.T) {
	s, c, conn := connected(t, Config{Seed: 3}, dialOpts{})
	if err := conn.ReorderNextKeys(2); err != nil {
		t.Fatal(err)
	}
	publishOne(s, 1)
	publishOne(s, 2)
	publishOne(s, 3)
	var raws [][]byte
	for i := 0; i < 3; i++ {
		p, err := c.nextPayload()
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, p)
	}
	for i, p := range raws[:2] {
		if bytes.HasPrefix(p, []byte(`{"t":"GUILD_UPDATE","s":`)) {
			t.Fatalf("message %d kept Discord's key order: %s", i, p)
		}
	}
	if !bytes.HasPrefix(raws[2], []byte(`{"t":"GUILD_UPDATE","s":`)) {
		t.Fatalf("third message reordered too: %s", raws[2])
	}
	for _, p := range raws {
		m, err := decodeJSONMsg(p)
		if err != nil || m.T != "GUILD_UPDATE" || !m.HasS {
			t.Fatalf("reordered message %s does not decode: %v", p, err)
		}
	}
}

func TestInjectHugePayload(t *testing.T) {
	for _, comp := range []string{CompressNone, CompressZstd} {
		_, c, conn := connected(t, Config{}, dialOpts{compress: comp})
		if err := conn.InjectHugePayload(3 << 20); err != nil {
			t.Fatal(err)
		}
		m := c.readUntil(func(m msg) bool { return m.T == "GUILD_MEMBERS_CHUNK" })
		if len(m.D) < 3<<20*9/10 {
			t.Fatalf("huge payload is %d bytes", len(m.D))
		}
	}
}

func TestChaosIsSeeded(t *testing.T) {
	kinds := func(seed int64) []FaultKind {
		cfg := Config{
			Chaos: 200, Seed: seed,
			ChaosFaults: []FaultKind{FaultHeartbeatRequest, FaultReorderKeys, FaultSplitFrames},
		}
		_, c, conn := connected(t, cfg, dialOpts{})
		var out []FaultKind
		waitFor(t, "chaos faults", func() bool {
			_, _ = c.nextPayload() // keep reading so writes never block
			out = nil
			for _, f := range conn.Record().Faults {
				out = append(out, f.Kind)
			}
			return len(out) >= 8
		})
		return out[:8]
	}
	a, b, other := kinds(1), kinds(1), kinds(2)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("same seed, different faults: %v vs %v", a, b)
	}
	if fmt.Sprint(a) == fmt.Sprint(other) {
		t.Fatalf("different seeds, same faults: %v", a)
	}
}

// decodeJSONMsg decodes one JSON gateway message.
func decodeJSONMsg(p []byte) (msg, error) {
	var env encoding.Envelope
	if err := encoding.JSON().Decode(p, &env); err != nil {
		return msg{}, err
	}
	return msg{Op: env.Op, S: env.S, HasS: env.HasS, T: env.T, D: env.D}, nil
}
