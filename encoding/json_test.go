package encoding

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/internal/testenv"
	"github.com/gatewaykit/gateway/opcode"
)

func TestJSONCodecIdentity(t *testing.T) {
	c := JSON()
	if c.Name() != "json" || c.Binary() {
		t.Fatalf("JSON(): Name %q Binary %v, want json false", c.Name(), c.Binary())
	}
	for _, name := range []string{"json", ""} {
		got, err := New(name)
		if err != nil || got == nil || got.Name() != "json" {
			t.Fatalf("New(%q) = %v, %v; want the JSON codec", name, got, err)
		}
	}
}

// env builds an expected Envelope; d is nil for "no d key".
func env(op opcode.Opcode, s int64, hasS bool, t string, d string) Envelope {
	e := Envelope{Op: op, S: s, HasS: hasS, T: t}
	if d != "\x00absent" {
		e.D = []byte(d)
	}
	return e
}

const absent = "\x00absent"

func TestJSONDecode(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name string
		msg  string
		want Envelope
	}{
		{"hello doc", `{"op": 10, "d": {"heartbeat_interval": 45000}}`,
			env(10, 0, false, "", `{"heartbeat_interval": 45000}`)},
		{"hello captured, s and t null first", `{"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250,"_trace":["[\"gateway-prd-main-858d\",{\"micros\":0.0}]"]}}`,
			env(10, 0, false, "", `{"heartbeat_interval":41250,"_trace":["[\"gateway-prd-main-858d\",{\"micros\":0.0}]"]}`)},
		{"heartbeat ack without d", `{"op": 11}`, env(11, 0, false, "", absent)},
		{"heartbeat request", `{"op": 1, "d": 251}`, env(1, 0, false, "", "251")},
		{"reconnect d null", `{"op": 7, "d": null}`, env(7, 0, false, "", "null")},
		{"invalid session false", `{"op": 9, "d": false}`, env(9, 0, false, "", "false")},
		{"invalid session true", `{"op":9,"d":true,"s":null,"t":null}`, env(9, 0, false, "", "true")},
		{"dispatch doc", `{"op": 0, "d": {}, "s": 42, "t": "GATEWAY_EVENT_NAME"}`,
			env(0, 42, true, "GATEWAY_EVENT_NAME", "{}")},
		{"t first", `{"t": "VOICE_SERVER_UPDATE", "s": 2, "op": 0, "d": {"token": "my_token", "guild_id": "41771983423143937", "endpoint": "sweetwater-12345.discord.media:2048"}}`,
			env(0, 2, true, event.VoiceServerUpdate, `{"token": "my_token", "guild_id": "41771983423143937", "endpoint": "sweetwater-12345.discord.media:2048"}`)},
		{"d first", `{"d":[1,2],"t":"TYPING_START","op":0,"s":9}`, env(0, 9, true, event.TypingStart, "[1,2]")},
		{"whitespace everywhere", " \t\r\n{ \"op\" \n:\t0 , \"d\" :\r\n [ 1 , { \"a\" : null } ] , \"s\" : 7 , \"t\" : \"TYPING_START\" \n} \r\n",
			env(0, 7, true, event.TypingStart, `[ 1 , { "a" : null } ]`)},
		{"escaped t", `{"op":0,"s":3,"t":"MESSAGE\u005fCREATE","d":{}}`, env(0, 3, true, event.MessageCreate, "{}")},
		{"escaped t, every letter", `{"op":0,"s":3,"t":"\u0052\u0045\u0041\u0044\u0059","d":{}}`, env(0, 3, true, event.Ready, "{}")},
		{"escaped keys", `{"\u006fp":0,"\u0073":4,"\u0074":"TYPING_START","\u0064":{"user_id":"1"}}`,
			env(0, 4, true, event.TypingStart, `{"user_id":"1"}`)},
		{"keys are case sensitive", `{"op":1,"OP":2,"S":3,"T":"X","D":4}`, env(1, 0, false, "", absent)},
		{"unknown keys ignored", `{"x":{"op":5,"d":[{"s":1}]},"op":0,"_trace":["a"],"s":1,"t":"READY","d":1,"zz":null}`,
			env(0, 1, true, event.Ready, "1")},
		{"unknown event allocates a name", `{"op":0,"s":1,"t":"SOME_FUTURE_EVENT","d":{}}`, env(0, 1, true, "SOME_FUTURE_EVENT", "{}")},
		{"unknown op", `{"op":42,"d":"x"}`, env(42, 0, false, "", `"x"`)},
		{"negative op", `{"op":-3}`, env(-3, 0, false, "", absent)},
		{"minus zero op", `{"op":-0}`, env(0, 0, false, "", absent)},
		{"s extremes", `{"op":0,"s":-9223372036854775808}`, env(0, -9223372036854775808, true, "", absent)},
		{"s max", `{"op":0,"s":9223372036854775807}`, env(0, 9223372036854775807, true, "", absent)},
		{"empty t", `{"op":0,"t":""}`, env(0, 0, false, "", absent)},
		{"duplicate keys, last wins", `{"op":1,"op":0,"t":"A","t":null,"s":1,"s":2,"d":1,"d":[2]}`, env(0, 2, true, "", "[2]")},
		{"duplicate s, null last", `{"op":0,"s":1,"s":null}`, env(0, 0, false, "", absent)},
		{"op null then set", `{"op":null,"op":7}`, env(7, 0, false, "", absent)},
		{"numbers in d", `{"op":0,"d":[1e5,-0.5E-3,0,-0,1E+2,123456789012345678901234567890,0.0e-0]}`,
			env(0, 0, false, "", `[1e5,-0.5E-3,0,-0,1E+2,123456789012345678901234567890,0.0e-0]`)},
		{"nested arrays in d", `{"op":0,"d":[[[]],[[1],[2,[3]]],{"a":[{}]}]}`, env(0, 0, false, "", `[[[]],[[1],[2,[3]]],{"a":[{}]}]`)},
		{"string d with escapes", `{"op":0,"d":"a\"b\\c\/\b\f\n\r\t\u00e9\ud83d\ude00"}`,
			env(0, 0, false, "", `"a\"b\\c\/\b\f\n\r\t\u00e9\ud83d\ude00"`)},
		{"unicode passes through", `{"op":0,"t":"Zoë 🔥","d":"✨"}`, env(0, 0, false, "Zoë 🔥", `"✨"`)},
		{"invalid UTF-8 in t becomes U+FFFD", "{\"op\":0,\"t\":\"A\xffB\xc3\",\"d\":\"\xff\"}", env(0, 0, false, "A\uFFFDB\uFFFD", "\"\xff\"")},
		{"lone surrogates in t become U+FFFD", `{"op":0,"t":"\ud83d\ude00\ud800x\udc00\ud800\u0041"}`, env(0, 0, false, "😀\uFFFDx\uFFFD\uFFFDA", absent)},
		{"deep nesting at the limit", `{"op":0,"d":` + deep(maxDepth-1) + `}`, env(0, 0, false, "", deep(maxDepth-1))},
		{"nesting past 64 levels", `{"op":0,"d":` + strings.Repeat(`{"a":[`, 100) + strings.Repeat(`]}`, 100) + `}`,
			env(0, 0, false, "", strings.Repeat(`{"a":[`, 100)+strings.Repeat(`]}`, 100))},
		{"big d", `{"op":0,"d":"` + strings.Repeat("abcdefgh", 1000) + `"}`, env(0, 0, false, "", `"`+strings.Repeat("abcdefgh", 1000)+`"`)},
	}
	codec := JSON()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := []byte(tc.msg)
			var got Envelope
			got.T = "stale" // Decode must overwrite everything
			got.D = []byte("stale")
			if err := codec.Decode(msg, &got); err != nil {
				t.Fatalf("Decode(%q): %v", tc.msg, err)
			}
			if diff := sameEnvelope(got, tc.want); diff != "" {
				t.Fatalf("Decode(%q): %s", tc.msg, diff)
			}
			if got.D != nil {
				start := uintptr(unsafe.Pointer(unsafe.SliceData(msg)))
				at := uintptr(unsafe.Pointer(unsafe.SliceData(got.D)))
				if at < start || at+uintptr(len(got.D)) > start+uintptr(len(msg)) {
					t.Errorf("D is a copy; it must alias the message")
				}
			}
			if got.D != nil && cap(got.D) != len(got.D) {
				t.Errorf("D has spare capacity %d: appending to it would overwrite the message", cap(got.D)-len(got.D))
			}
			// The oracle agrees on every case in this table.
			if want, ok := stdDecode(msg); !ok || sameEnvelope(got, want) != "" {
				t.Errorf("encoding/json disagrees: ok=%v %+v", ok, want)
			}
		})
	}
}

func TestJSONDecodeInternsEventNames(t *testing.T) {
	codec := JSON()
	for _, name := range event.All {
		for _, msg := range []string{
			`{"op":0,"s":1,"t":"` + name + `","d":{}}`,
			`{"op":0,"s":1,"t":"` + strings.ReplaceAll(name, "_", `\u005f`) + `","d":{}}`,
		} {
			var e Envelope
			if err := codec.Decode([]byte(msg), &e); err != nil {
				t.Fatalf("Decode(%s): %v", msg, err)
			}
			if e.T != name || unsafe.StringData(e.T) != unsafe.StringData(name) {
				t.Fatalf("Decode(%s): T %q is not the event package's constant", msg, e.T)
			}
		}
	}
}

func TestJSONDecodeAllocs(t *testing.T) {
	testenv.SkipAllocationCounts(t)
	codec := JSON()
	for name, msg := range map[string][]byte{
		"message create": messageCreate(t),
		"escaped t":      []byte(`{"op":0,"s":3,"t":"GUILD\u005fCREATE","d":{"id":"1"}}`),
		"escaped keys":   []byte(`{"\u006fp":0,"\u0073":4,"\u0074":"TYPING_START","\u0064":{}}`),
		"guild create":   guildCreate(64 << 10),
	} {
		var e Envelope
		allocs := testing.AllocsPerRun(50, func() {
			if err := codec.Decode(msg, &e); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: Decode allocates %v times per message, want 0", name, allocs)
		}
	}
}

func TestJSONDecodeMessageCreate(t *testing.T) {
	msg := messageCreate(t)
	var e Envelope
	if err := JSON().Decode(msg, &e); err != nil {
		t.Fatal(err)
	}
	if e.Op != opcode.Dispatch || !e.HasS || e.S != 1337 || e.T != event.MessageCreate {
		t.Fatalf("got op %d s %d/%v t %q", e.Op, e.S, e.HasS, e.T)
	}
	var d struct {
		ID      string `json:"id"`
		GuildID string `json:"guild_id"`
		Author  struct {
			ID string `json:"id"`
		} `json:"author"`
	}
	if err := json.Unmarshal(e.D, &d); err != nil {
		t.Fatalf("D is not the message object: %v", err)
	}
	if d.ID != "1434612333180436481" || d.GuildID != "1091403920930152448" || d.Author.ID != "298765432109876543" {
		t.Fatalf("D decoded to %+v", d)
	}
}

func TestJSONDecodeErrors(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name   string
		msg    string
		offset int
		msgHas string
	}{
		{"empty", ``, 0, "empty message"},
		{"only whitespace", " \n\t", 3, "empty message"},
		{"array", `[{"op":0}]`, 0, "not a JSON object"},
		{"string", `"op"`, 0, "not a JSON object"},
		{"invalid top level", `x`, 0, "invalid character 'x'"},
		{"byte order mark", "\xef\xbb\xbf{\"op\":0}", 0, "invalid character 0xef"},
		{"unterminated object", `{`, 1, "end of input"},
		{"unterminated after value", `{"op":1`, 7, "end of input"},
		{"trailing comma", `{"op":1,}`, 8, "object key string"},
		{"missing colon", `{"op" 1}`, 6, "after object key"},
		{"unquoted key", `{op:1}`, 1, "object key string"},
		{"single-quoted key", `{'op':1}`, 1, "object key string"},
		{"missing comma", `{"op":1 "d":2}`, 8, "after object key:value pair"},
		{"extra brace", `{"op":1}}`, 8, "after top-level object"},
		{"trailing garbage", `{"op":11} x`, 10, "after top-level object"},
		{"two objects", `{"op":11}{"op":11}`, 9, "after top-level object"},
		{"leading zero", `{"op":01}`, 7, "invalid character '1'"},
		{"bare decimal point", `{"op":1.}`, 8, "decimal point"},
		{"bare exponent", `{"op":1e}`, 8, "exponent"},
		{"bare minus", `{"op":-}`, 7, "numeric literal"},
		{"plus sign", `{"op":+1}`, 6, "beginning of value"},
		{"op fraction", `{"op":1.5}`, 6, "op is not an integer"},
		{"op exponent", `{"op":1e2}`, 6, "op is not an integer"},
		{"op string", `{"op":"1"}`, 6, "op is not a number"},
		{"op bool", `{"op":true}`, 6, "op is not a number"},
		{"op object", `{"op":{}}`, 6, "op is not a number"},
		{"op too big", `{"op":9223372036854775808}`, 6, "out of range"},
		{"op ill-typed even if overwritten", `{"op":"x","op":1}`, 6, "op is not a number"},
		{"missing op", `{"s":1}`, 6, "op is missing"},
		{"op null", `{"op":null}`, 10, "op is missing"},
		{"op null last", `{"op":1,"op":null}`, 17, "op is missing"},
		{"empty object", `{}`, 1, "op is missing"},
		{"s string", `{"op":0,"s":"1"}`, 12, "s is not a number"},
		{"s fraction", `{"op":0,"s":1.5}`, 12, "s is not an integer"},
		{"s too big", `{"op":0,"s":9223372036854775808}`, 12, "out of range"},
		{"s too small", `{"op":0,"s":-9223372036854775809}`, 12, "out of range"},
		{"t number", `{"op":0,"t":5}`, 12, "t is not a string"},
		{"t array", `{"op":0,"t":["READY"]}`, 12, "t is not a string"},
		{"bad literal in d", `{"op":0,"d":tru}`, 15, "literal true"},
		{"truncated literal", `{"op":0,"d":nul`, 15, "end of input"},
		{"bad literal case", `{"op":0,"d":False}`, 12, "invalid character 'F'"},
		{"bad escape", `{"op":0,"d":"a\qb"}`, 15, "escape"},
		{"bad unicode escape", `{"op":0,"d":"\u12G4"}`, 17, "hexadecimal"},
		{"short unicode escape", `{"op":0,"d":"\u12"}`, 17, "hexadecimal"},
		{"escape at end", `{"op":0,"d":"\`, 14, "end of input"},
		{"control byte in string", "{\"op\":0,\"d\":\"a\tb\"}", 14, "control character"},
		{"newline in key", "{\"o\np\":0}", 3, "control character"},
		{"NUL in string", "{\"op\":0,\"t\":\"\x00\"}", 13, "control character"},
		{"control byte after 8 clean bytes", "{\"op\":0,\"d\":\"abcdefghijklmn\x1f\"}", 27, "control character"},
		{"unterminated string", `{"op":0,"d":"abc`, 16, "end of input in string"},
		{"array closed by brace", `{"op":0,"d":[1,2}`, 16, "after array element"},
		{"object closed by bracket", `{"op":0,"d":{"a":1]}`, 18, "after object key:value pair"},
		{"object key without value", `{"op":0,"d":{"a"}}`, 16, "after object key"},
		{"number key", `{"op":0,"d":{1:2}}`, 13, "object key string"},
		{"array leading comma", `{"op":0,"d":[,]}`, 13, "beginning of value"},
		{"array trailing comma", `{"op":0,"d":[1,]}`, 15, "beginning of value"},
		{"object trailing comma in d", `{"op":0,"d":{"a":1,}}`, 19, "object key string"},
		{"missing value", `{"op":0,"d":}`, 12, "beginning of value"},
		{"invalid inside unknown key", `{"x":[1,],"op":0}`, 8, "beginning of value"},
		{"invalid after a complete envelope", `{"op":0,"d":1,"x":[}`, 19, "beginning of value"},
		{"NaN", `{"op":0,"d":NaN}`, 12, "beginning of value"},
		{"too deep", `{"op":0,"d":` + deep(maxDepth) + `}`, 12 + maxDepth - 1, "max depth"},
		{"truncated deep", `{"op":0,"d":[[[`, 15, "end of input"},
	}
	codec := JSON()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := []byte(tc.msg)
			var e Envelope
			err := codec.Decode(msg, &e)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Decode(%q) = %v, want a *SyntaxError", tc.msg, err)
			}
			if !errors.Is(err, ErrMalformed) || se.Encoding != "json" {
				t.Fatalf("Decode(%q): %v does not match ErrMalformed or has encoding %q", tc.msg, err, se.Encoding)
			}
			if se.Offset != tc.offset || !strings.Contains(se.Msg, tc.msgHas) {
				t.Fatalf("Decode(%q) = offset %d %q; want offset %d containing %q", tc.msg, se.Offset, se.Msg, tc.offset, tc.msgHas)
			}
			if _, ok := stdDecode(msg); ok {
				t.Errorf("encoding/json accepts %q", tc.msg)
			}
		})
	}
}

func TestJSONDecodeNilEnvelope(t *testing.T) {
	if err := JSON().Decode([]byte(`{"op":1}`), nil); err == nil {
		t.Fatal("Decode into a nil *Envelope did not fail")
	}
	if _, err := JSON().Encode(nil, nil); err == nil {
		t.Fatal("Encode of a nil *Envelope did not fail")
	}
}

func TestJSONDecodeConcurrent(t *testing.T) {
	codec := JSON()
	msgs := [][]byte{messageCreate(t), []byte(`{"op":11}`), []byte(`{"op":0,"s":5,"t":"X_Y","d":[1]}`)}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			var e Envelope
			for i := range 200 {
				msg := msgs[(g+i)%len(msgs)]
				if err := codec.Decode(msg, &e); err != nil {
					t.Errorf("Decode: %v", err)
					return
				}
				want, _ := stdDecode(msg)
				if diff := sameEnvelope(e, want); diff != "" {
					t.Errorf("concurrent Decode: %s", diff)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestJSONEncode(t *testing.T) {
	tests := []struct {
		name string
		env  Envelope
		want string
	}{
		{"heartbeat", Envelope{Op: opcode.Heartbeat, D: []byte("251")}, `{"op":1,"d":251}`},
		{"heartbeat nil d", Envelope{Op: opcode.Heartbeat}, `{"op":1,"d":null}`},
		{"identify", Envelope{Op: opcode.Identify, D: []byte(`{"token":"x","intents":513,"properties":{"os":"linux"}}`)},
			`{"op":2,"d":{"token":"x","intents":513,"properties":{"os":"linux"}}}`},
		{"s and t ignored unless dispatch", Envelope{Op: opcode.Resume, S: 9, HasS: true, T: "READY", D: []byte(`{}`)}, `{"op":6,"d":{}}`},
		{"dispatch", Envelope{Op: opcode.Dispatch, S: 42, HasS: true, T: event.MessageCreate, D: []byte(`{"id":"1"}`)},
			`{"op":0,"d":{"id":"1"},"s":42,"t":"MESSAGE_CREATE"}`},
		{"dispatch without s or t", Envelope{Op: opcode.Dispatch, D: []byte(`{}`)}, `{"op":0,"d":{},"s":null,"t":null}`},
		{"t needing escapes", Envelope{Op: 0, S: 1, HasS: true, T: "a\"b\\c\nd\x01é\xff", D: []byte(`1`)},
			`{"op":0,"d":1,"s":1,"t":"a\"b\\c\nd\u0001é` + "\ufffd" + `"}`},
		{"d with whitespace kept", Envelope{Op: 3, D: []byte(" {\"status\": \"online\"}\n")}, "{\"op\":3,\"d\": {\"status\": \"online\"}\n}"},
		{"negative op", Envelope{Op: -1, D: []byte(`null`)}, `{"op":-1,"d":null}`},
	}
	codec := JSON()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prefix := []byte("prefix:")
			out, err := codec.Encode(prefix, &tc.env)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if !bytes.HasPrefix(out, prefix) || string(out[len(prefix):]) != tc.want {
				t.Fatalf("Encode = %q, want %q after the prefix", out, tc.want)
			}
			if !json.Valid(out[len(prefix):]) {
				t.Fatalf("Encode wrote invalid JSON %q", out)
			}
			var back Envelope
			if err := codec.Decode(out[len(prefix):], &back); err != nil {
				t.Fatalf("Decode(Encode) = %v", err)
			}
			if back.Op != tc.env.Op {
				t.Fatalf("round trip op %d, want %d", back.Op, tc.env.Op)
			}
		})
	}
}

func TestJSONEncodeRejectsInvalidD(t *testing.T) {
	codec := JSON()
	for _, d := range []string{"", " ", "{", `{"a":}`, "1 2", "[1,]", "\"\t\"", "nul", "{}x"} {
		dst := []byte("keep")
		out, err := codec.Encode(dst, &Envelope{Op: opcode.Identify, D: []byte(d)})
		if err == nil {
			t.Fatalf("Encode accepted d %q: %q", d, out)
		}
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("Encode(d %q) error %v does not match ErrMalformed", d, err)
		}
		if string(out) != "keep" {
			t.Errorf("Encode(d %q) changed dst to %q", d, out)
		}
	}
}

func TestJSONEncodeAllocs(t *testing.T) {
	testenv.SkipAllocationCounts(t)
	codec := JSON()
	e := Envelope{Op: 0, S: 12, HasS: true, T: event.GuildCreate, D: guildCreate(8 << 10)}
	dst := make([]byte, 0, 16<<10)
	allocs := testing.AllocsPerRun(50, func() {
		var err error
		if dst, err = codec.Encode(dst[:0], &e); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Encode allocates %v times with room in dst, want 0", allocs)
	}
}

func TestValidatorMatchesStdlib(t *testing.T) {
	// Inputs around each rule of the grammar, checked both ways against
	// json.Valid; the fuzz targets cover the rest.
	inputs := []string{
		`0`, `-0`, `01`, `-01`, `1.`, `.1`, `1.e1`, `1e`, `1e+`, `1E-7`, `-`, `--1`, `1e01`, `0.0`, `00`,
		`""`, `"\u0000"`, `"\uD800"`, `"\/"`, `"\a"`, `"\U0041"`, "\"\x7f\"", "\"\xff\xfe\"", "\"\x1f\"",
		`true`, `false`, `null`, `nul`, `truee`, `True`, `[]`, `[ ]`, `[1 2]`, `{"a" "b"}`, `{"a":1,"a":2}`,
		`{"a":1,}`, `[1,]`, `{,}`, " \t\n\r1 \t\n\r", "\f1", "\v1", "\u00a01", `[[[[[]]]]]`, `[{}]`, `{"":{}}`,
		deepArray(maxDepth), deepArray(maxDepth + 1),
	}
	for _, in := range inputs {
		got := validJSON([]byte(in))
		if (got == nil) != json.Valid([]byte(in)) {
			t.Errorf("validJSON(%.40q) = %v, json.Valid = %v", in, got, json.Valid([]byte(in)))
		}
	}
}

func deepArray(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
