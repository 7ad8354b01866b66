package etf

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fixture is one line of testdata/erlang_fixtures.tsv: a message Erlang's
// term_to_binary wrote (or hand-built bytes Erlang's binary_to_term read)
// and the JSON the Erlang side renders its term to.
type fixture struct {
	name string
	etf  []byte
	json []byte
}

const fixturesPath = "testdata/erlang_fixtures.tsv"

// loadFixtures reads the committed fixtures, so these tests run without
// Erlang installed. Regenerate them with the command at the top of
// testdata/erlang_oracle.escript.
func loadFixtures(tb testing.TB) []fixture {
	tb.Helper()
	data, err := os.ReadFile(fixturesPath)
	if err != nil {
		tb.Fatal(err)
	}
	var out []fixture
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		parts := strings.SplitN(line, "\t", 3)
		if len(parts) != 3 {
			tb.Fatalf("%s:%d: want 3 tab-separated fields, got %d", fixturesPath, i+1, len(parts))
		}
		b, err := hex.DecodeString(parts[1])
		if err != nil {
			tb.Fatalf("%s:%d: %v", fixturesPath, i+1, err)
		}
		out = append(out, fixture{name: parts[0], etf: b, json: []byte(parts[2])})
	}
	return out
}

// TestDecodeAgreesWithErlang transcodes every fixture and compares the
// result, as a JSON value, with what the Erlang side rendered from the term
// it read from the same bytes.
func TestDecodeAgreesWithErlang(t *testing.T) {
	fixtures := loadFixtures(t)
	tags := map[byte]bool{}
	var d Decoder
	agree := 0
	for _, f := range fixtures {
		got, err := d.AppendJSON(nil, f.etf)
		if err != nil {
			t.Errorf("%s: %v", f.name, err)
			continue
		}
		if !json.Valid(got) {
			t.Errorf("%s: output is not valid JSON: %s", f.name, got)
			continue
		}
		if diff := jsonEqual(got, f.json); diff != "" {
			t.Errorf("%s: differs from Erlang at %s\n go:     %.300s\n erlang: %.300s", f.name, diff, got, f.json)
			continue
		}
		agree++
		collectTags(f.etf, tags)
	}
	t.Logf("decoder agrees with Erlang on %d of %d fixtures", agree, len(fixtures))
	if len(fixtures) < 300 {
		t.Errorf("only %d fixtures; the committed file should hold the named and 300 random ones", len(fixtures))
	}
	// The fixtures must exercise every tag the gateway can send.
	for _, tag := range []byte{TagSmallInteger, TagInteger, TagSmallBig, TagLargeBig, TagNewFloat, TagFloat,
		TagAtom, TagSmallAtom, TagAtomUTF8, TagSmallAtomUTF8, TagBinary, TagString, TagList, TagNil,
		TagMap, TagSmallTuple, TagLargeTuple, TagCompressed} {
		if !tags[tag] {
			t.Errorf("no fixture holds a %s term", tagName(tag))
		}
	}
}

// collectTags records which tags occur in msg, walking it with the readers
// of this package (inflating COMPRESSED ones).
func collectTags(msg []byte, seen map[byte]bool) {
	if len(msg) > 1 && msg[1] == TagCompressed {
		seen[TagCompressed] = true
		var d Decoder
		b, off, err := d.Body(msg)
		if err != nil {
			return
		}
		walkTags(b, off, seen)
		return
	}
	walkTags(msg, 1, seen)
}

// walkTags records the tag at b[off] and those inside it, and returns the
// offset after the term.
func walkTags(b []byte, off int, seen map[byte]bool) int {
	tag := b[off]
	seen[tag] = true
	var d Decoder
	switch tag {
	case TagList, TagSmallTuple, TagLargeTuple, TagMap:
		n, p := 0, off
		switch tag {
		case TagSmallTuple:
			n, p = int(b[off+1]), off+2
		default:
			n = int(b[off+1])<<24 | int(b[off+2])<<16 | int(b[off+3])<<8 | int(b[off+4])
			p = off + 5
		}
		if tag == TagMap {
			n *= 2
		}
		for range n {
			p = walkTags(b, p, seen)
		}
		if tag == TagList {
			p++ // the NIL_EXT tail
		}
		return p
	}
	end, err := d.Skip(b, off)
	if err != nil {
		panic(err)
	}
	return end
}

// oracle runs the Erlang side in check mode on many messages at once: one
// erl process for the lot. It returns, per message, Erlang's JSON
// rendering of what binary_to_term read ("strict" or "discord", see the
// script), or the error it raised.
func oracle(t *testing.T, mode string, msgs [][]byte) (results []string, errs []string) {
	t.Helper()
	if _, err := exec.LookPath("escript"); err != nil {
		t.Skip("SKIPPED: Erlang's escript is not on PATH, so the encoder cannot be checked " +
			"against binary_to_term (install erlang-base; CI does)")
	}
	var in bytes.Buffer
	for i, m := range msgs {
		fmt.Fprintf(&in, "%d\t%x\n", i, m)
	}
	cmd := exec.Command("escript", filepath.Join("testdata", "erlang_oracle.escript"), "check", mode)
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("erlang oracle: %v\n%s", err, stderr.Bytes())
	}
	results, errs = make([]string, len(msgs)), make([]string, len(msgs))
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 64<<20)
	n := 0
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "\t", 3)
		if len(parts) != 3 {
			t.Fatalf("erlang oracle: bad line %q", sc.Text())
		}
		var i int
		if _, err := fmt.Sscan(parts[0], &i); err != nil || i < 0 || i >= len(msgs) {
			t.Fatalf("erlang oracle: bad id in %q", sc.Text())
		}
		if parts[1] == "ok" {
			results[i] = parts[2]
		} else {
			errs[i] = parts[2]
		}
		n++
	}
	if n != len(msgs) {
		t.Fatalf("erlang oracle answered %d of %d messages\n%s", n, len(msgs), stderr.Bytes())
	}
	return results, errs
}

// encoderCases are JSON values a client sends, or that stress the
// encoder; each must reach Erlang as the same value.
var encoderCases = []string{
	`null`, `true`, `false`, `0`, `-0`, `255`, `256`, `-1`, `2147483647`, `2147483648`,
	`-2147483648`, `-2147483649`, `9007199254740993`, `18446744073709551615`,
	`-18446744073709551615`, `18446744073709551616`, `-9223372036854775808`,
	`123456789012345678901234567890123456789012345678901234567890`,
	`0.5`, `-0.0`, `1.0`, `1e3`, `1E-7`, `2.5e+300`, `5e-324`, `1.7976931348623157e308`,
	`""`, `"plain"`, `"esc \" \\ \/ \b \f \n \r \t \u0001 \u00e9 \u65e5 \ud83c\udf89"`,
	`"raw unicode: héllo 日本 🎉"`, `"lone \ud800 surrogate"`, `"\u0000"`,
	`[]`, `[0,1]`, `[1,2,300]`, `[[],[[]],{}]`, `{}`, `{"":""}`,
	` { "a" : [ 1 , 2 ] , "b" : { "c" : null } } `,
	`{"op":1,"d":null}`,
	`{"op":1,"d":251}`,
	`{"op":2,"d":{"token":"my-token","intents":3276799,"properties":{"os":"linux","browser":"gatewaykit","device":"gatewaykit"},"compress":false,"large_threshold":250,"shard":[0,1],"presence":{"since":null,"activities":[{"name":"tests","type":0}],"status":"online","afk":false}}}`,
	`{"op":6,"d":{"token":"my-token","session_id":"4a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d","seq":1337}}`,
	`{"op":3,"d":{"since":91879201,"activities":[{"name":"Save the Oxford Comma","type":0}],"status":"online","afk":false}}`,
	`{"op":8,"d":{"guild_id":"41771983444115456","query":"","limit":0,"presences":true,"user_ids":["80351110224678912",80351110224678913],"nonce":"n\u00f6nce"}}`,
	`{"op":4,"d":{"guild_id":"41771983423143937","channel_id":"127121515262115840","self_mute":false,"self_deaf":false}}`,
	`{"op":31,"d":{"guild_ids":["613425648685547541","81384788765712384"]}}`,
	`{"op":43,"d":{"guild_id":"41771983423143937","fields":["status","voice_start_time"]}}`,
	`{"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k18":18,"k19":19,"k20":20}`,
}

// TestEncoderAgreesWithErlang sends the encoder's output for each case, and
// for the JSON the decoder made of every Erlang fixture, through
// binary_to_term in a real Erlang process, and checks that Erlang reads the
// same value, with only binary map keys and no atoms but nil, true and
// false.
func TestEncoderAgreesWithErlang(t *testing.T) {
	deep := strings.Repeat(`[{"a":`, 40) + `[1.25,-3,"y"]` + strings.Repeat(`}]`, 40)
	var inputs [][]byte
	for _, c := range append(encoderCases, deep) {
		inputs = append(inputs, []byte(c))
	}
	var d Decoder
	for _, f := range loadFixtures(t) {
		js, err := d.AppendJSON(nil, f.etf)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		inputs = append(inputs, js)
	}
	var e Encoder
	msgs := make([][]byte, len(inputs))
	for i, in := range inputs {
		m, err := e.AppendFromJSON(nil, in)
		if err != nil {
			t.Fatalf("encode %.200s: %v", in, err)
		}
		if m[0] != Version || m[1] == TagCompressed {
			t.Fatalf("encode %.200s: starts with % x, want 131 and no COMPRESSED", in, m[:2])
		}
		msgs[i] = m
	}
	// Controls: terms Discord would refuse, which the strict check must
	// reject, or this test could not fail.
	controls := map[string][]byte{
		"atom key":    {Version, TagMap, 0, 0, 0, 1, TagSmallAtom, 2, 'o', 'p', TagSmallInteger, 1},
		"tuple":       {Version, TagSmallTuple, 1, TagSmallInteger, 1},
		"other atom":  {Version, TagSmallAtom, 3, 'f', 'o', 'o'},
		"integer key": {Version, TagMap, 0, 0, 0, 1, TagSmallInteger, 1, TagSmallInteger, 1},
	}
	var controlNames []string
	for name, m := range controls {
		controlNames = append(controlNames, name)
		msgs = append(msgs, m)
	}
	results, errs := oracle(t, "strict", msgs)
	for i, name := range controlNames {
		if j := len(inputs) + i; errs[j] == "" && !strings.Contains(results[j], "$atom") {
			t.Errorf("control %q: the Erlang check accepted it as %s", name, results[j])
		}
	}
	agree := 0
	for i, in := range inputs {
		if errs[i] != "" {
			t.Errorf("Erlang rejects the encoding of %.200s: %s", in, errs[i])
			continue
		}
		if diff := jsonEqual(in, []byte(results[i])); diff != "" {
			t.Errorf("Erlang reads a different value at %s\n sent:   %.300s\n erlang: %.300s", diff, in, results[i])
			continue
		}
		agree++
	}
	t.Logf("Erlang's binary_to_term reads back %d of %d encoded values exactly (%d commands and edge cases, %d fixture round trips)",
		agree, len(inputs), len(encoderCases)+1, len(inputs)-len(encoderCases)-1)
}

// TestServerFormAgreesWithErlang encodes the JSON of every fixture the way
// Discord's server writes events (atom keys, snowflakes as integers) and
// checks that Erlang reads the same value by the decoding mapping.
func TestServerFormAgreesWithErlang(t *testing.T) {
	e := Encoder{AtomKeys: true, SnowflakeInts: true}
	var d Decoder
	var inputs, msgs [][]byte
	for _, f := range loadFixtures(t) {
		js, err := d.AppendJSON(nil, f.etf)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		m, err := e.AppendFromJSON(nil, js)
		if err != nil {
			t.Fatalf("%s: encoding %.200s: %v", f.name, js, err)
		}
		inputs, msgs = append(inputs, js), append(msgs, m)
	}
	results, errs := oracle(t, "discord", msgs)
	agree := 0
	for i, in := range inputs {
		if errs[i] != "" {
			t.Errorf("Erlang rejects the server-form encoding of %.200s: %s", in, errs[i])
			continue
		}
		if diff := jsonEqual(in, []byte(results[i])); diff != "" {
			t.Errorf("Erlang reads a different value at %s\n sent:   %.300s\n erlang: %.300s", diff, in, results[i])
			continue
		}
		agree++
	}
	t.Logf("Erlang reads back %d of %d server-form encodings exactly", agree, len(inputs))
}
