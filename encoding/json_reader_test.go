package encoding_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"testing"
	"unicode/utf8"

	"github.com/gatewaykit/gateway/encoding"
)

// walk reads one value with r, every container element by element and
// every scalar by its own method, and returns how many values it saw.
func walk(r *encoding.JSONReader) int {
	switch r.Kind() {
	case '{':
		n := 1
		if r.ObjectStart() {
			for {
				_, _, ok := r.NextKey()
				if !ok {
					break
				}
				n += walk(r)
			}
		}
		return n
	case '[':
		n := 1
		if r.ArrayStart() {
			for r.NextElement() {
				n += walk(r)
			}
		}
		return n
	case '"':
		r.String()
	case '0':
		r.Number()
	case 't', 'f':
		r.Bool()
	case 'n':
		r.Null()
	default:
		r.Skip() // reports the syntax error
	}
	return 1
}

func TestJSONReaderWalksMessageCreate(t *testing.T) {
	msg, err := os.ReadFile("testdata/message_create.json")
	if err != nil {
		t.Fatal(err)
	}
	r := encoding.NewJSONReader(msg)
	n := walk(&r)
	r.End()
	if r.Err() != nil || n < 50 {
		t.Fatalf("walked %d values, error %v", n, r.Err())
	}
	// Skipping the whole value reads the same bytes.
	r = encoding.NewJSONReader(msg)
	if raw := r.Skip(); string(raw) != string(msg[:len(msg)-countTrailingSpace(msg)]) || r.Err() != nil {
		t.Fatalf("Skip returned %d bytes, error %v", len(raw), r.Err())
	}
}

func countTrailingSpace(b []byte) int {
	n := 0
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
		n++
	}
	return n
}

func TestJSONReaderErrorsStick(t *testing.T) {
	r := encoding.NewJSONReader([]byte(`{"a": tru, "b": 1}`))
	if !r.ObjectStart() {
		t.Fatal("ObjectStart")
	}
	if k, _, ok := r.NextKey(); !ok || string(k) != "a" {
		t.Fatalf("NextKey = %q %v", k, ok)
	}
	if r.Bool() {
		t.Error("Bool on 'tru' returned true")
	}
	if _, _, ok := r.NextKey(); ok {
		t.Error("NextKey after an error returned a key")
	}
	var se *encoding.SyntaxError
	if !errors.As(r.Err(), &se) || !errors.Is(r.Err(), encoding.ErrMalformed) || se.Offset != 9 {
		t.Errorf("Err() = %v, want a SyntaxError at offset 9 (the comma after tru)", r.Err())
	}
	// A well-formed value of the wrong kind fails too.
	r = encoding.NewJSONReader([]byte(`[1]`))
	r.String()
	if r.Err() == nil {
		t.Error("String on an array: no error")
	}
	// End rejects trailing data.
	r = encoding.NewJSONReader([]byte(`1 2`))
	r.Number()
	r.End()
	if r.Err() == nil {
		t.Error("End with trailing data: no error")
	}
}

// FuzzJSONReader checks that walking a value token by token accepts
// exactly what encoding/json.Valid accepts, that the decoded strings
// agree with encoding/json's, and that a string String says needs no
// decoding is its own value.
func FuzzJSONReader(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}],"c":"\u00e9"}`, `[]`, `{}`, `"x"`, `{"a" 1}`, `[1,]`, `{"a":1,}`, ` 1 `, `[[[[]]]]`, `{"k\"":"\ud83d\ude00"}`, "\"long ascii then \xff byte\"", `{"a_long_key_name":1,"another_long_key" :2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := encoding.NewJSONReader(b)
		walk(&r)
		r.End()
		if got, want := r.Err() == nil, json.Valid(b); got != want {
			t.Fatalf("%q: reader accepts %v (%v), json.Valid %v", b, got, r.Err(), want)
		}
		r = encoding.NewJSONReader(b)
		if r.Kind() == '"' {
			raw, needsDecoding := r.String()
			r.End()
			if r.Err() == nil && !needsDecoding && string(encoding.AppendUnquoted(nil, raw)) != string(raw) {
				t.Fatalf("%q: String says the raw contents are the value, but they decode to %q", b, encoding.AppendUnquoted(nil, raw))
			}
			if r.Err() == nil {
				var s string
				if err := json.Unmarshal(b, &s); err != nil || s != string(encoding.AppendUnquoted(nil, raw)) {
					t.Fatalf("%q: unquoted %q, encoding/json %q (%v)", b, encoding.AppendUnquoted(nil, raw), s, err)
				}
				// StringChecked tells the two reasons apart.
				r = encoding.NewJSONReader(b)
				raw2, escaped, valid := r.StringChecked()
				if string(raw2) != string(raw) || escaped != bytes.Contains(raw, []byte{'\\'}) || valid != utf8.Valid(raw) || needsDecoding != (escaped || !valid) {
					t.Fatalf("%q: StringChecked = %q, escaped %v, valid %v; String needs decoding %v", b, raw2, escaped, valid, needsDecoding)
				}
			}
		}
	})
}

// FuzzJSONReaderSkip checks Skip, the validator's container walk, against
// encoding/json: skipping the whole input succeeds exactly when json.Valid
// accepts it and returns the value without the whitespace around it, and
// skipping each value of an object or array (the container walk started one
// level down, as generated decoders use it) accepts exactly what json.Valid
// accepts too.
func FuzzJSONReaderSkip(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}],"c":"\u00e9"}`, `[true,false,null,-0.5e3,"x\ty"]`, ` {"k" : [ 12 , 3e4 ] } `, `[01]`, `{"a":tru}`, `[1.]`, "[\"a\x01\"]", `{"a_long_key_name":"a long value with \"escapes\"","b":[[[]]]}`, `[nul]`, `{"a":1 "b":2}`, "\"abc\xff\xfe\""} {
		f.Add([]byte(s))
	}
	if mc, err := os.ReadFile("testdata/message_create.json"); err == nil {
		f.Add(mc)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		valid := json.Valid(b)
		r := encoding.NewJSONReader(b)
		raw := r.Skip()
		r.End()
		if got := r.Err() == nil; got != valid {
			t.Fatalf("%q: Skip accepts %v (%v), json.Valid %v", b, got, r.Err(), valid)
		}
		if valid && !bytes.Equal(raw, bytes.TrimSpace(b)) {
			t.Fatalf("%q: Skip returned %q", b, raw)
		}
		r = encoding.NewJSONReader(b)
		switch r.Kind() {
		case '{':
			if r.ObjectStart() {
				for {
					if _, _, ok := r.NextKey(); !ok {
						break
					}
					r.Skip()
				}
			}
		case '[':
			if r.ArrayStart() {
				for r.NextElement() {
					r.Skip()
				}
			}
		default:
			return
		}
		r.End()
		if got := r.Err() == nil; got != valid {
			t.Fatalf("%q: skipping each member accepts %v (%v), json.Valid %v", b, got, r.Err(), valid)
		}
	})
}

// BenchmarkJSONReaderWalk walks the benchmark MESSAGE_CREATE token by token
// (every key, every scalar read by its method): the reader's own cost, to
// compare with BenchmarkDecodeMessageCreate, which validates the same
// bytes in one pass.
func BenchmarkJSONReaderWalk(b *testing.B) {
	msg, err := os.ReadFile("testdata/message_create.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		r := encoding.NewJSONReader(msg)
		walk(&r)
		if r.Err() != nil {
			b.Fatal(r.Err())
		}
	}
}

// TestStringChecked checks that StringChecked reports escapes and UTF-8
// validity separately, for strings short and long (the reader's eight-byte
// loop and the scanner after it), with the escape or the bad byte early,
// late, or both together.
func TestStringChecked(t *testing.T) {
	long := "a string longer than eight bytes "
	cases := []struct {
		raw            string
		escaped, valid bool
	}{
		{"", false, true}, {"abc", false, true}, {"é", false, true}, {long + "é ✨ 🙂", false, true},
		{`a\n`, true, true}, {long + `\"` + long, true, true}, {`\u00e9` + long + "é", true, true},
		{"\xff", false, false}, {long + "\xe2\x9c", false, false}, {"\xc3(" + long, false, false},
		{`\n` + "\xff", true, false}, {long + "\xed\xa0\x80" + `\\`, true, false}, {`\ud800`, true, true},
	}
	for _, c := range cases {
		r := encoding.NewJSONReader([]byte(`"` + c.raw + `"`))
		raw, escaped, valid := r.StringChecked()
		r.End()
		if r.Err() != nil || string(raw) != c.raw || escaped != c.escaped || valid != c.valid {
			t.Errorf("StringChecked(%q) = %q, escaped %v, valid %v, err %v; want escaped %v, valid %v", c.raw, raw, escaped, valid, r.Err(), c.escaped, c.valid)
		}
	}
	r := encoding.NewJSONReader([]byte(`12`))
	if _, _, valid := r.StringChecked(); valid || r.Err() == nil {
		t.Errorf("StringChecked on a number: valid %v, err %v", valid, r.Err())
	}
}

// TestStringCheckedUTF8MatchesUTF8Valid checks the reader's UTF-8 check
// against utf8.Valid on every lead byte followed by bytes at the edges of
// the continuation ranges, at the start of a string and after eight bytes
// of ASCII, and cut short by the end of the string.
func TestStringCheckedUTF8MatchesUTF8Valid(t *testing.T) {
	edges := []byte{0x00, 'A', 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF}
	for lead := range 256 {
		if lead == '"' || lead == '\\' || lead < 0x20 {
			continue
		}
		for _, c2 := range edges {
			for _, c3 := range edges {
				// Prefixes and suffixes put the sequence at the start,
				// in the middle and at the end of eight-byte words.
				for _, prefix := range []string{"", "ab", "ascii, 8"} {
					// Four-byte forms with every kind of fourth byte
					// too (validUTF8 checks F0-F3 in line).
					for _, seq := range [][]byte{{byte(lead)}, {byte(lead), c2}, {byte(lead), c2, c3}, {byte(lead), c2, c3, 0x80, 'x'},
						{byte(lead), c2, c3, 0x7F, 'x'}, {byte(lead), c2, c3, 0xBF}, {byte(lead), c2, c3, 0xC0, 'x'}} {
						if bytes.ContainsAny(seq[1:], "\"\\") || bytes.ContainsFunc(seq, func(r rune) bool { return r < 0x20 }) {
							continue
						}
						raw := append([]byte(prefix), seq...)
						if len(prefix) == 2 {
							raw = append(raw, "and some ASCII after"...)
						}
						r := encoding.NewJSONReader(append(append([]byte{'"'}, raw...), '"'))
						_, _, valid := r.StringChecked()
						if r.Err() != nil || valid != utf8.Valid(raw) {
							t.Fatalf("StringChecked(%q): valid %v, err %v; utf8.Valid %v", raw, valid, r.Err(), utf8.Valid(raw))
						}
					}
				}
			}
		}
	}
}
