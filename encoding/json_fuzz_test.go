package encoding

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"testing"

	"github.com/gatewaykit/gateway/opcode"
)

// The fuzz targets check the JSON codec against encoding/json, the oracle.
// Their seed corpora live in testdata/fuzz/<FuzzName>/: real-shaped gateway
// messages (Hello, Ready, dispatches, heartbeat ACKs, invalid sessions,
// escaped keys and names) and the inputs earlier fuzzing found interesting.

// trimJSONSpace trims JSON whitespace from both ends of b.
func trimJSONSpace(b []byte) []byte { return bytes.Trim(b, " \t\r\n") }

// stdDecode is the oracle for Decode: what encoding/json makes of msg under
// the codec's rules. The message must be valid JSON and an object; every
// occurrence of op must unmarshal into an int, of s into an int64, of t into
// a string (null counts as absent); the last occurrence of each key wins;
// op must be present. Keys are matched exactly, after unescaping.
func stdDecode(msg []byte) (env Envelope, ok bool) {
	if !json.Valid(msg) {
		return env, false
	}
	dec := json.NewDecoder(bytes.NewReader(msg))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return env, false
	}
	hasOp := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return env, false
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return env, false
		}
		raw = trimJSONSpace(raw)
		switch key {
		case "op":
			var p *int
			if json.Unmarshal(raw, &p) != nil {
				return env, false
			}
			hasOp = p != nil
			if p != nil {
				env.Op = opcode.Opcode(*p)
			}
		case "s":
			var p *int64
			if json.Unmarshal(raw, &p) != nil {
				return env, false
			}
			env.S, env.HasS = 0, p != nil
			if p != nil {
				env.S = *p
			}
		case "t":
			var p *string
			if json.Unmarshal(raw, &p) != nil {
				return env, false
			}
			env.T = ""
			if p != nil {
				env.T = *p
			}
		case "d":
			env.D = raw
		}
	}
	return env, hasOp
}

// sameEnvelope reports how got differs from want, or "" when it does not.
func sameEnvelope(got, want Envelope) string {
	switch {
	case got.Op != want.Op:
		return "op " + strconv.Itoa(int(got.Op)) + ", want " + strconv.Itoa(int(want.Op))
	case got.HasS != want.HasS || got.HasS && got.S != want.S:
		return "s " + strconv.FormatInt(got.S, 10) + "/" + strconv.FormatBool(got.HasS) +
			", want " + strconv.FormatInt(want.S, 10) + "/" + strconv.FormatBool(want.HasS)
	case got.T != want.T:
		return "t " + strconv.Quote(got.T) + ", want " + strconv.Quote(want.T)
	case (got.D == nil) != (want.D == nil) || !bytes.Equal(got.D, want.D):
		return "d " + strconv.Quote(string(got.D)) + ", want " + strconv.Quote(string(want.D))
	}
	return ""
}

// checkDecode runs every property FuzzJSONDecode asserts on one input.
func checkDecode(t *testing.T, msg []byte) {
	t.Helper()
	codec := JSON()

	// The validator alone agrees with json.Valid.
	if got, want := validJSON(msg) == nil, json.Valid(msg); got != want {
		t.Fatalf("validJSON(%q) ok=%v, json.Valid=%v (err %v)", msg, got, want, validJSON(msg))
	}

	want, wantOK := stdDecode(msg)
	var got Envelope
	err := codec.Decode(msg, &got)
	if (err == nil) != wantOK {
		t.Fatalf("Decode(%q) err=%v, encoding/json ok=%v", msg, err, wantOK)
	}
	if err != nil {
		var se *SyntaxError
		if !errors.As(err, &se) || !errors.Is(err, ErrMalformed) {
			t.Fatalf("Decode(%q) error %v (%T) is not a *SyntaxError matching ErrMalformed", msg, err, err)
		}
		if se.Encoding != "json" || se.Offset < 0 || se.Offset > len(msg) {
			t.Fatalf("Decode(%q): bad SyntaxError %+v", msg, se)
		}
		return
	}
	if diff := sameEnvelope(got, want); diff != "" {
		t.Fatalf("Decode(%q): %s", msg, diff)
	}

	// What Decode read, Encode writes back in a form that decodes the same.
	if got.D != nil && len(got.D) == 0 {
		t.Fatalf("Decode(%q): empty non-nil D", msg)
	}
	out, err := codec.Encode(nil, &got)
	if err != nil {
		t.Fatalf("Encode(%+v): %v", got, err)
	}
	var back Envelope
	if err := codec.Decode(out, &back); err != nil {
		t.Fatalf("Decode(Encode(%q)) = %q: %v", msg, out, err)
	}
	if got.D == nil {
		got.D = []byte("null")
	}
	if got.Op != 0 {
		got.S, got.HasS, got.T = 0, false, ""
	}
	if diff := sameEnvelope(back, got); diff != "" {
		t.Fatalf("Decode(Encode(%q)) = %q: %s", msg, out, diff)
	}
}

// FuzzJSONDecode checks Decode against encoding/json: for every input it
// succeeds exactly when encoding/json accepts the message under the codec's
// rules, and then reads the same op, s, t and d; the validator agrees with
// json.Valid; Encode round-trips what Decode read.
func FuzzJSONDecode(f *testing.F) {
	if mc, err := os.ReadFile("testdata/message_create.json"); err == nil {
		f.Add(mc)
	}
	f.Add([]byte(`{"op":10,"d":{"heartbeat_interval":41250}}`))
	f.Fuzz(func(t *testing.T, msg []byte) {
		checkDecode(t, msg)
	})
}

// checkLookup runs every property FuzzJSONLookup asserts on one input.
func checkLookup(t *testing.T, obj []byte, key string) {
	t.Helper()
	var m map[string]json.RawMessage
	stdErr := json.Unmarshal(obj, &m)
	wantOK := stdErr == nil && m != nil // "null" unmarshals fine but is no object

	keys := []string{key}
	for k := range m {
		if len(keys) == 8 {
			break
		}
		keys = append(keys, k)
	}
	// LookupKeys reads them all in one pass and agrees with Lookup.
	values := make([][]byte, len(keys))
	err := LookupKeys(obj, keys, values)
	if (err == nil) != wantOK {
		t.Fatalf("LookupKeys(%q, %q) err=%v, json.Unmarshal err=%v", obj, keys, err, stdErr)
	}
	for n, k := range keys {
		want, wantFound := m[k]
		if got := values[n]; (got != nil) != wantFound || !bytes.Equal(got, trimJSONSpace(want)) {
			t.Fatalf("LookupKeys(%q, %q)[%d] = %q; want %q, %v", obj, keys, n, got, want, wantFound)
		}
	}

	for _, k := range keys {
		v, found, err := Lookup(obj, k)
		if (err == nil) != wantOK {
			t.Fatalf("Lookup(%q, %q) err=%v, json.Unmarshal err=%v", obj, k, err, stdErr)
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Lookup(%q, %q) error %v does not match ErrMalformed", obj, k, err)
			}
			return
		}
		want, wantFound := m[k]
		if found != wantFound || !bytes.Equal(v, trimJSONSpace(want)) {
			t.Fatalf("Lookup(%q, %q) = %q, %v; want %q, %v", obj, k, v, found, want, wantFound)
		}
		if found {
			checkSnowflake(t, v)
		}
	}
}

// FuzzJSONLookup checks Lookup against json.Unmarshal into a
// map[string]json.RawMessage, for the fuzzed key and for the keys the map
// holds.
func FuzzJSONLookup(f *testing.F) {
	f.Add([]byte(`{"guild_id":"1091403920930152448","id":"1"}`), "guild_id")
	f.Fuzz(func(t *testing.T, obj []byte, key string) {
		checkLookup(t, obj, key)
	})
}

// stdSnowflake is the oracle for ParseSnowflake: a JSON string or a bare
// JSON integer holding only the canonical decimal form of a uint64.
func stdSnowflake(raw []byte) (uint64, bool) {
	digits := raw
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		digits = raw[1 : len(raw)-1]
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseUint(string(digits), 10, 64)
	if err != nil || strconv.FormatUint(v, 10) != string(digits) {
		return 0, false
	}
	return v, true
}

func checkSnowflake(t *testing.T, raw []byte) {
	t.Helper()
	got, gotOK := ParseSnowflake(raw)
	want, wantOK := stdSnowflake(raw)
	if got != want || gotOK != wantOK {
		t.Fatalf("ParseSnowflake(%q) = %d, %v; want %d, %v", raw, got, gotOK, want, wantOK)
	}
}

// FuzzParseSnowflake checks ParseSnowflake against strconv.ParseUint.
func FuzzParseSnowflake(f *testing.F) {
	f.Add([]byte(`"1091403920930152448"`))
	f.Add([]byte(`18446744073709551615`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkSnowflake(t, raw)
	})
}
