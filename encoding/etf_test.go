package encoding

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gatewaykit/gateway/encoding/etf"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/opcode"
)

// etfFixtures reads the messages real Erlang wrote (see
// etf/testdata/erlang_oracle.escript), with the JSON it renders them to.
func etfFixtures(tb testing.TB) map[string][2][]byte {
	tb.Helper()
	data, err := os.ReadFile("etf/testdata/erlang_fixtures.tsv")
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string][2][]byte{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		parts := strings.SplitN(line, "\t", 3)
		msg, err := hex.DecodeString(parts[1])
		if err != nil {
			tb.Fatal(err)
		}
		out[parts[0]] = [2][]byte{msg, []byte(parts[2])}
	}
	return out
}

// sameJSON reports whether two JSON texts hold the same value. Numbers are
// compared as float64: every integer this mapping leaves as a number is
// within 2^53, so the comparison is exact.
func sameJSON(tb testing.TB, a, b []byte) bool {
	tb.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		tb.Fatalf("%v in %.200s", err, a)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		tb.Fatalf("%v in %.200s", err, b)
	}
	return reflect.DeepEqual(va, vb)
}

func TestETFCodecIdentity(t *testing.T) {
	c, err := New("etf")
	if err != nil || c.Name() != "etf" || !c.Binary() {
		t.Fatalf("New(etf) = %v, %v; want a binary codec named etf", c, err)
	}
	if NewETF() == NewETF() {
		t.Error("NewETF returns a shared codec; each connection needs its own")
	}
}

// TestETFDecodeErlangEnvelopes decodes the envelopes real Erlang encoded,
// with atom keys and with binary keys, and checks op, s, t and d against
// the JSON the Erlang side rendered.
func TestETFDecodeErlangEnvelopes(t *testing.T) {
	fx := etfFixtures(t)
	cases := []struct {
		fixture string
		op      opcode.Opcode
		s       int64
		hasS    bool
		t       string
	}{
		{"hello_atom_keys", opcode.Hello, 0, false, ""},
		{"heartbeat_ack", opcode.HeartbeatACK, 0, false, ""},
		{"invalid_session", opcode.InvalidSession, 0, false, ""},
		{"ready_atom_keys", opcode.Dispatch, 1, true, event.Ready},
		{"message_create_atom_keys", opcode.Dispatch, 42, true, event.MessageCreate},
		{"message_create_binary_keys", opcode.Dispatch, 42, true, event.MessageCreate},
		{"compressed_dispatch", opcode.Dispatch, 42, true, event.MessageCreate},
		{"guild_create_snippet", opcode.Dispatch, 2, true, event.GuildCreate},
		{"presence_update", opcode.Dispatch, 7, true, event.PresenceUpdate},
		{"interaction_resolved", opcode.Dispatch, 9, true, event.InteractionCreate},
	}
	c := NewETF()
	for _, tc := range cases {
		f, ok := fx[tc.fixture]
		if !ok {
			t.Fatalf("fixture %s missing", tc.fixture)
		}
		var env Envelope
		if err := c.Decode(f[0], &env); err != nil {
			t.Errorf("%s: %v", tc.fixture, err)
			continue
		}
		if env.Op != tc.op || env.S != tc.s || env.HasS != tc.hasS || env.T != tc.t {
			t.Errorf("%s: op %v s %d/%v t %q; want op %v s %d/%v t %q", tc.fixture,
				env.Op, env.S, env.HasS, env.T, tc.op, tc.s, tc.hasS, tc.t)
		}
		var whole map[string]json.RawMessage
		if err := json.Unmarshal(f[1], &whole); err != nil {
			t.Fatal(err)
		}
		if !sameJSON(t, env.D, whole["d"]) {
			t.Errorf("%s: d is %.300s\nErlang renders %.300s", tc.fixture, env.D, whole["d"])
		}
	}
}

// discordETF re-encodes a JSON gateway message the way Discord writes it
// in ETF: atom keys, t as an atom, null as nil, and snowflakes (strings of
// 17 to 20 digits) as 64-bit integers.
func discordETF(tb testing.TB, js []byte) []byte {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		tb.Fatal(err)
	}
	var enc etf.Encoder
	var write func(dst []byte, v any, key string) []byte
	write = func(dst []byte, v any, key string) []byte {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			dst = etf.AppendMapHeader(dst, len(keys))
			for _, k := range keys {
				var err error
				if dst, err = etf.AppendAtom(dst, k); err != nil {
					tb.Fatal(err)
				}
				dst = write(dst, x[k], k)
			}
			return dst
		case []any:
			if len(x) == 0 {
				return etf.AppendEmptyList(dst)
			}
			dst = etf.AppendListHeader(dst, len(x))
			for _, e := range x {
				dst = write(dst, e, "")
			}
			return etf.AppendEmptyList(dst)
		case string:
			if key == "t" {
				dst, _ = etf.AppendAtom(dst, x)
				return dst
			}
			if len(x) >= 17 && len(x) <= 20 && strings.Trim(x, "0123456789") == "" {
				var u uint64
				if _, err := fmt.Sscan(x, &u); err == nil && u > etf.MaxSafeInteger {
					return etf.AppendUint(dst, u)
				}
			}
			return etf.AppendBinary(dst, x)
		default:
			raw, _ := json.Marshal(x)
			out, err := enc.AppendTermFromJSON(dst, raw)
			if err != nil {
				tb.Fatal(err)
			}
			return out
		}
	}
	return write(etf.AppendVersion(nil), v, "")
}

// TestETFMatchesJSON decodes the same events sent as JSON and as Discord's
// ETF: handlers must get the same op, s, t and d.
func TestETFMatchesJSON(t *testing.T) {
	msgs := [][]byte{
		messageCreate(t),
		guildCreate(20 << 10),
		[]byte(`{"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250,"_trace":["[\"gateway-prd-main-858d\",{\"micros\":0.0}]"]}}`),
		[]byte(`{"t":null,"s":null,"op":11,"d":null}`),
		[]byte(`{"t":null,"s":null,"op":9,"d":true}`),
	}
	jc, ec := JSON(), NewETF()
	for _, js := range msgs {
		var want, got Envelope
		if err := jc.Decode(js, &want); err != nil {
			t.Fatal(err)
		}
		if err := ec.Decode(discordETF(t, js), &got); err != nil {
			t.Fatalf("%.100s: %v", js, err)
		}
		if got.Op != want.Op || got.S != want.S || got.HasS != want.HasS || got.T != want.T || !sameJSON(t, got.D, want.D) {
			t.Errorf("%.100s:\n etf  op %v s %d t %q d %.200s\n json op %v s %d t %q d %.200s", js,
				got.Op, got.S, got.T, got.D, want.Op, want.S, want.T, want.D)
		}
	}
}

func TestETFDecodeErrors(t *testing.T) {
	m := func(pairs ...[]byte) []byte {
		return bytes.Join(append([][]byte{etf.AppendMapHeader([]byte{131}, len(pairs)/2)}, pairs...), nil)
	}
	bin := func(s string) []byte { return etf.AppendBinary(nil, s) }
	atom := func(s string) []byte { b, _ := etf.AppendAtom(nil, s); return b }
	small := func(v byte) []byte { return []byte{97, v} }
	cases := []struct {
		name string
		msg  []byte
		text string
	}{
		{"empty", nil, "empty"},
		{"JSON text", []byte(`{"op":1}`), "version"},
		{"not a map", []byte{131, 106}, "not MAP_EXT"},
		{"op missing", m(bin("d"), atom("nil")), "op is missing"},
		{"op nil", m(bin("op"), atom("nil")), "op is nil"},
		{"op a float", m(bin("op"), etf.AppendFloat(nil, 1)), "not an integer"},
		{"op a binary", m(bin("op"), bin("1")), "not an integer"},
		{"s a binary", m(bin("op"), small(0), atom("s"), bin("5")), "not an integer"},
		{"t an integer", m(bin("op"), small(0), bin("t"), small(5)), "t is not"},
		{"bad d", m(bin("op"), small(0), bin("d"), []byte{108, 0, 0, 0, 1, 97, 1, 97}), "improper list"},
		{"bad unknown key", m(bin("op"), small(0), bin("x"), []byte{70, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0}), "NaN or infinite"},
		{"trailing bytes", append(m(bin("op"), small(0)), 0), "after the top-level map"},
		{"truncated", m(bin("op"), small(0))[:12], "past the end"},
		{"pairs claimed", []byte{131, 116, 0, 0, 1, 0, 97, 1}, "declares 256"},
	}
	c := NewETF()
	for _, tc := range cases {
		var env Envelope
		err := c.Decode(tc.msg, &env)
		var se *SyntaxError
		if !errors.As(err, &se) || !errors.Is(err, ErrMalformed) || se.Encoding != "etf" {
			t.Errorf("%s: got %v (%T), want an etf *SyntaxError matching ErrMalformed", tc.name, err, err)
			continue
		}
		if !strings.Contains(se.Msg, tc.text) || se.Offset < 0 || se.Offset > len(tc.msg) {
			t.Errorf("%s: %v; want a message mentioning %q and an offset within the message", tc.name, err, tc.text)
		}
	}
	if err := c.Decode([]byte{131, 106}, nil); err == nil {
		t.Error("Decode into a nil Envelope: no error")
	}
}

func TestETFDecodeKeyForms(t *testing.T) {
	// Keys in every atom form and as binaries, in an odd order, with an
	// integer key and an unknown key to skip, t as a binary, s as a big.
	msg := []byte{131, 116, 0, 0, 0, 6,
		97, 7, 97, 1, // 7 => 1
		100, 0, 1, 'd', 116, 0, 0, 0, 1, 109, 0, 0, 0, 1, 'k', 106, // d => #{<<"k">> => []}
		109, 0, 0, 0, 1, 't', 109, 0, 0, 0, 4, 'C', 'U', 'S', 'T', // t => <<"CUST">>
		115, 1, 's', 110, 5, 0, 0, 0, 0, 0, 1, // s => 2^32
		118, 0, 2, 'o', 'p', 97, 0, // op => 0
		119, 5, 'o', 't', 'h', 'e', 'r', 104, 1, 106, // other => {[]}
	}
	var env Envelope
	if err := NewETF().Decode(msg, &env); err != nil {
		t.Fatal(err)
	}
	if env.Op != 0 || env.S != 1<<32 || !env.HasS || env.T != "CUST" || string(env.D) != `{"k":[]}` {
		t.Errorf("got op %v s %d/%v t %q d %s", env.Op, env.S, env.HasS, env.T, env.D)
	}
}

// TestETFDecodeAllocs checks the hot path allocates nothing once the
// codec's buffer has grown, documented event names included.
func TestETFDecodeAllocs(t *testing.T) {
	msg := discordETF(t, messageCreate(t))
	c := NewETF()
	var env Envelope
	if err := c.Decode(msg, &env); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if err := c.Decode(msg, &env); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per Decode, want 0", allocs)
	}
	if env.T != event.MessageCreate {
		t.Errorf("t = %q", env.T)
	}
}

// clientCommands are the envelopes a shard sends.
func clientCommands() []Envelope {
	d := func(op opcode.Opcode, js string) Envelope {
		if js == "" {
			return Envelope{Op: op}
		}
		return Envelope{Op: op, D: []byte(js)}
	}
	return []Envelope{
		d(opcode.Heartbeat, ""),
		d(opcode.Heartbeat, `null`),
		d(opcode.Heartbeat, `251`),
		d(opcode.Heartbeat, `4294967296`),
		d(opcode.Identify, `{"token":"Bot abc.def","intents":3276799,"properties":{"os":"linux","browser":"gatewaykit","device":"gatewaykit"},"compress":false,"large_threshold":250,"shard":[0,1],"presence":{"since":null,"activities":[{"name":"tests","type":0}],"status":"online","afk":false}}`),
		d(opcode.Resume, `{"token":"Bot abc.def","session_id":"4a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d","seq":1337}`),
		d(opcode.PresenceUpdate, `{"since":1700000000000,"activities":[{"name":"🎮 \"quoted\"\n","type":4,"state":"ünïcödé"}],"status":"idle","afk":true}`),
		d(opcode.RequestGuildMembers, `{"guild_id":"41771983444115456","query":"","limit":0,"presences":true,"user_ids":["80351110224678912"],"nonce":"abc"}`),
		d(opcode.VoiceStateUpdate, `{"guild_id":"41771983423143937","channel_id":null,"self_mute":false,"self_deaf":true}`),
		d(opcode.RequestSoundboardSounds, `{"guild_ids":["613425648685547541","81384788765712384"]}`),
		d(opcode.RequestChannelInfo, `{"guild_id":"41771983423143937","fields":["status","voice_start_time"]}`),
		{Op: opcode.Dispatch, S: 5, HasS: true, T: event.MessageCreate, D: []byte(`{"id":"1","content":"x","n":1.5,"big":123456789012345678901234567890}`)},
		{Op: opcode.Dispatch, T: "", D: []byte(`{}`)},
	}
}

// TestETFEncodeRoundTrip encodes every command and decodes it back.
func TestETFEncodeRoundTrip(t *testing.T) {
	c := NewETF()
	for _, env := range clientCommands() {
		msg, err := c.Encode([]byte("prefix"), &env)
		if err != nil {
			t.Fatalf("op %v: %v", env.Op, err)
		}
		if !bytes.HasPrefix(msg, []byte("prefix")) {
			t.Fatalf("op %v: Encode did not append to dst", env.Op)
		}
		var got Envelope
		if err := c.Decode(msg[len("prefix"):], &got); err != nil {
			t.Fatalf("op %v: decoding our own encoding: %v", env.Op, err)
		}
		wantD := env.D
		if wantD == nil {
			wantD = []byte("null")
		}
		if bytes.Contains(wantD, []byte("123456789012345678901234567890")) {
			wantD = bytes.ReplaceAll(wantD, []byte("123456789012345678901234567890"), []byte(`"123456789012345678901234567890"`))
		}
		if got.Op != env.Op || got.S != env.S || got.HasS != env.HasS || got.T != env.T || !sameJSON(t, got.D, wantD) {
			t.Errorf("op %v: got op %v s %d/%v t %q d %s", env.Op, got.Op, got.S, got.HasS, got.T, got.D)
		}
	}
	bad := Envelope{Op: opcode.Heartbeat, D: []byte(`{"a":}`)}
	if out, err := c.Encode([]byte("x"), &bad); err == nil || !errors.Is(err, etf.ErrInvalidJSON) || string(out) != "x" {
		t.Errorf("invalid d: got %q, %v; want dst unchanged and ErrInvalidJSON", out, err)
	}
	long := Envelope{Op: opcode.Dispatch, T: strings.Repeat("X", 256), D: []byte(`1`)}
	if _, err := c.Encode(nil, &long); !errors.Is(err, etf.ErrAtom) {
		t.Errorf("256-character t: got %v, want ErrAtom", err)
	}
}

// TestETFEncodeAgreesWithErlang sends every encoded command through
// binary_to_term in one real Erlang process and checks what Discord's side
// would read: binary keys only, op and d (and for dispatches s and t, t an
// atom), and d the same value as the JSON given.
func TestETFEncodeAgreesWithErlang(t *testing.T) {
	if _, err := exec.LookPath("escript"); err != nil {
		t.Skip("SKIPPED: Erlang's escript is not on PATH, so encoded commands cannot be checked " +
			"against binary_to_term (install erlang-base; CI does)")
	}
	c := NewETF()
	cmds := clientCommands()
	var in bytes.Buffer
	for i, env := range cmds {
		msg, err := c.Encode(nil, &env)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&in, "%d\t%x\n", i, msg)
	}
	cmd := exec.Command("escript", "etf/testdata/erlang_oracle.escript", "check")
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("erlang oracle: %v\n%s", err, stderr.Bytes())
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	n := 0
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "\t", 3)
		var i int
		if _, err := fmt.Sscan(parts[0], &i); err != nil || len(parts) != 3 || i < 0 || i >= len(cmds) {
			t.Fatalf("erlang oracle: bad line %q", sc.Text())
		}
		n++
		env := cmds[i]
		if parts[1] != "ok" {
			t.Errorf("op %v: Erlang rejects it: %s", env.Op, parts[2])
			continue
		}
		want := map[string]any{"op": float64(env.Op), "d": nil}
		if env.D != nil {
			var d any
			if err := json.Unmarshal(env.D, &d); err != nil {
				t.Fatal(err)
			}
			want["d"] = d
		}
		if env.Op == opcode.Dispatch {
			want["s"], want["t"] = nil, nil
			if env.HasS {
				want["s"] = float64(env.S)
			}
			if env.T != "" {
				want["t"] = map[string]any{"$atom": env.T}
			}
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(parts[2]), &got); err != nil {
			t.Fatalf("erlang oracle output %q: %v", parts[2], err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("op %v: Erlang reads %s\nwant %v", env.Op, parts[2], want)
		}
	}
	if n != len(cmds) {
		t.Fatalf("erlang oracle answered %d of %d\n%s", n, len(cmds), stderr.Bytes())
	}
	t.Logf("Erlang's binary_to_term reads all %d encoded commands as sent", n)
}

// FuzzETFEnvelope feeds arbitrary bytes to the ETF codec's Decode: no
// panic; errors are etf *SyntaxErrors; when it decodes, D is valid JSON,
// and encoding the envelope and decoding it again gives the same op, d
// and, for dispatches, s and t.
func FuzzETFEnvelope(f *testing.F) {
	for _, fx := range etfFixtures(f) {
		f.Add(fx[0])
	}
	c, c2, srv := NewETF(), NewETF(), NewETFServer()
	f.Fuzz(func(t *testing.T, msg []byte) {
		var env Envelope
		if err := c.Decode(msg, &env); err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || !errors.Is(err, ErrMalformed) || se.Encoding != "etf" {
				t.Fatalf("error %v (%T) is not an etf *SyntaxError", err, err)
			}
			return
		}
		if env.D != nil && !json.Valid(env.D) {
			t.Fatalf("D is not valid JSON: %q", env.D)
		}
		again, err := c2.Encode(nil, &env)
		if err != nil {
			// Duplicate keys pass through decoding but cannot be sent;
			// names Erlang cannot hold as atoms cannot be sent as t.
			if strings.Contains(err.Error(), "duplicate object key") || errors.Is(err, etf.ErrAtom) {
				return
			}
			t.Fatalf("Encode of a decoded envelope: %v", err)
		}
		var back Envelope
		if err := c2.Decode(again, &back); err != nil {
			t.Fatalf("Decode of our own encoding: %v", err)
		}
		wantD := env.D
		if wantD == nil {
			wantD = []byte("null")
		}
		if back.Op != env.Op || !bytes.Equal(back.D, wantD) {
			t.Fatalf("round trip: op %v d %q, then op %v d %q", env.Op, env.D, back.Op, back.D)
		}
		if env.Op == opcode.Dispatch && (back.S != env.S || back.HasS != env.HasS || back.T != env.T) {
			t.Fatalf("round trip: s %d/%v t %q, then s %d/%v t %q", env.S, env.HasS, env.T, back.S, back.HasS, back.T)
		}
		// The server form (atom keys, integer snowflakes) decodes to the
		// same envelope, s and t included for every op.
		served, err := srv.Encode(nil, &env)
		if err != nil {
			if strings.Contains(err.Error(), "255 characters") {
				return // an object key too long to be an atom
			}
			t.Fatalf("server Encode of a decoded envelope: %v", err)
		}
		if err := c2.Decode(served, &back); err != nil {
			t.Fatalf("Decode of the server form: %v", err)
		}
		if back.Op != env.Op || !bytes.Equal(back.D, wantD) || back.S != env.S || back.HasS != env.HasS || back.T != env.T {
			t.Fatalf("server round trip: %+v, then %+v", env, back)
		}
	})
}

// TestETFServerCodec checks the emulator's side: what it encodes, a client
// decodes to the same envelope; what clients send, it decodes; atom keys
// anywhere in a client message are errors.
func TestETFServerCodec(t *testing.T) {
	srv, cli, jc := NewETFServer(), NewETF(), JSON()
	if srv.Name() != "etf" || !srv.Binary() {
		t.Fatalf("NewETFServer: Name %q Binary %v", srv.Name(), srv.Binary())
	}
	for _, js := range [][]byte{
		messageCreate(t),
		guildCreate(8 << 10),
		[]byte(`{"op":10,"d":{"heartbeat_interval":41250}}`),
		[]byte(`{"op":11}`),
		[]byte(`{"op":0,"s":3,"t":"X_UNKNOWN","d":{"id":"1109000000000000100","n":[]}}`),
	} {
		var want, got Envelope
		if err := jc.Decode(js, &want); err != nil {
			t.Fatal(err)
		}
		msg, err := srv.Encode(nil, &want)
		if err != nil {
			t.Fatalf("%.80s: %v", js, err)
		}
		if err := cli.Decode(msg, &got); err != nil {
			t.Fatalf("%.80s: client decode: %v", js, err)
		}
		wantD := want.D
		if wantD == nil {
			wantD = []byte("null")
		}
		if got.Op != want.Op || got.S != want.S || got.HasS != want.HasS || got.T != want.T || !sameJSON(t, got.D, wantD) {
			t.Errorf("%.80s: client got op %v s %d/%v t %q d %.200s", js, got.Op, got.S, got.HasS, got.T, got.D)
		}
		// The server form really is Discord's: atom keys, integer IDs.
		if !bytes.HasPrefix(msg, []byte{131, 116, 0, 0, 0, 4, 119, 1, 'd'}) {
			t.Errorf("%.80s: server message starts % x", js, msg[:min(len(msg), 12)])
		}
		if bytes.Contains(js, []byte(`"1109000000000000100"`)) && !bytes.Contains(msg, etf.AppendUint(nil, 1109000000000000100)) {
			t.Errorf("%.80s: snowflake not written as an integer", js)
		}
	}
	for _, env := range clientCommands() {
		msg, err := cli.Encode(nil, &env)
		if err != nil {
			t.Fatal(err)
		}
		var got Envelope
		if err := srv.Decode(msg, &got); err != nil || got.Op != env.Op {
			t.Errorf("op %v: server decode: op %v, %v", env.Op, got.Op, err)
		}
	}
	fx := etfFixtures(t)
	for _, name := range []string{"message_create_atom_keys", "hello_atom_keys"} {
		var env Envelope
		err := srv.Decode(fx[name][0], &env)
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "4002") {
			t.Errorf("%s (atom keys) decoded by the server codec: %v; want a 4002 error", name, err)
		}
	}
	nested := []byte(`{"op":2,"d":{"token":"x","properties":{"os":"linux"}}}`)
	var env Envelope
	if err := jc.Decode(nested, &env); err != nil {
		t.Fatal(err)
	}
	atomInside, err := NewETFServer().Encode(nil, &env) // atom keys inside d
	if err != nil {
		t.Fatal(err)
	}
	// Swap the envelope keys to binaries, keeping d's atom keys.
	var cmd Envelope
	if err := cli.Decode(atomInside, &cmd); err != nil {
		t.Fatal(err)
	}
	if err := srv.Decode(atomInside, &cmd); err == nil || !strings.Contains(err.Error(), "4002") {
		t.Errorf("atom keys: server decode gave %v; want a 4002 error", err)
	}
}

// ExampleNewETF decodes a heartbeat request as Discord sends it in ETF
// and encodes the heartbeat that answers it.
func ExampleNewETF() {
	c := NewETF() // one per connection
	// #{op => 1, d => nil, s => nil, t => nil}, atoms as Discord writes them
	msg := []byte{131, 116, 0, 0, 0, 4,
		119, 2, 'o', 'p', 97, 1,
		119, 1, 'd', 119, 3, 'n', 'i', 'l',
		119, 1, 's', 119, 3, 'n', 'i', 'l',
		119, 1, 't', 119, 3, 'n', 'i', 'l'}
	var env Envelope
	if err := c.Decode(msg, &env); err != nil {
		panic(err)
	}
	fmt.Printf("op %d, d %s, has s %v, t %q\n", env.Op, env.D, env.HasS, env.T)

	out, err := c.Encode(nil, &Envelope{Op: opcode.Heartbeat, D: []byte("42")})
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", out)
	// Output:
	// op 1, d null, has s false, t ""
	// 83 74 00 00 00 02 6d 00 00 00 02 6f 70 61 01 6d 00 00 00 01 64 61 2a
}
