package encoding_test

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/gatewaykit/gateway/encoding"
)

// quotedUint64Oracle is what QuotedUint64 must do with in: when in starts
// with a quoted run of 1-20 digits without a leading zero that fits in a
// uint64, its value and the length of the quoted string; otherwise not ok.
func quotedUint64Oracle(in []byte) (v uint64, n int, ok bool) {
	if len(in) < 2 || in[0] != '"' {
		return 0, 0, false
	}
	end := bytes.IndexByte(in[1:], '"')
	if end < 0 {
		return 0, 0, false
	}
	digits := in[1 : 1+end]
	if len(digits) == 0 || len(digits) > 20 || len(digits) > 1 && digits[0] == '0' {
		return 0, 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, 0, false
		}
	}
	v, err := strconv.ParseUint(string(digits), 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return v, end + 2, true
}

// smallUintOracle is what SmallUint must do with in: when in starts with 1
// to 19 digits without a leading zero that are not followed by another
// digit, a '.', 'e' or 'E', their value and count; otherwise not ok.
func smallUintOracle(in []byte) (v uint64, n int, ok bool) {
	for n < len(in) && in[n] >= '0' && in[n] <= '9' {
		n++
	}
	if n == 0 || n > 19 || n > 1 && in[0] == '0' {
		return 0, 0, false
	}
	if n < len(in) && (in[n] == '.' || in[n] == 'e' || in[n] == 'E') {
		return 0, 0, false
	}
	v, err := strconv.ParseUint(string(in[:n]), 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return v, n, true
}

// checkFastPaths runs QuotedUint64 and SmallUint over in and compares them
// with their oracles: the value, how far the reader moved, and that a
// refusal consumes nothing.
func checkFastPaths(t *testing.T, in []byte) {
	t.Helper()
	r := encoding.NewJSONReader(in)
	v, ok := r.QuotedUint64()
	wv, wn, wok := quotedUint64Oracle(in)
	if ok != wok || v != wv || r.Offset() != wn {
		t.Errorf("QuotedUint64(%q) = %d, %v, offset %d; want %d, %v, offset %d", in, v, ok, r.Offset(), wv, wok, wn)
	}
	r = encoding.NewJSONReader(in)
	v, ok = r.SmallUint()
	wv, wn, wok = smallUintOracle(in)
	if ok != wok || v != wv || r.Offset() != wn {
		t.Errorf("SmallUint(%q) = %d, %v, offset %d; want %d, %v, offset %d", in, v, ok, r.Offset(), wv, wok, wn)
	}
	if r.Err() != nil {
		t.Errorf("a fast path recorded an error for %q: %v", in, r.Err())
	}
}

var fastPathCases = []string{
	`"1091403920930152448"`, `"1091403920930152448",`, `"0"`, `"00"`, `"01"`, `""`, `"`, `"1`,
	`"12345678"`, `"1234567"`, `"123456789"`, `"1234567812345678"`, `"12345678123456789"`,
	`"18446744073709551615"`, `"18446744073709551616"`, `"99999999999999999999"`, `"184467440737095516150"`,
	`"1234567a"`, `"12345678a2345678"`, `"1234567812345678a"`, `"12\u0033"`, `"/1234567"`, `":1234567"`,
	`" 12"`, ` "12"`, `null`, `12`, `0`, `00`, `0.5`, `1e3`, `12E3`, `-1`, `123,`, `123}`, `123 `,
	`1234567890123456789`, `9999999999999999999`, `12345678901234567890`, `7`, `7x`, ``, `true`,
}

// fastPathTails follow each case of TestReaderFastPathsMatchOracle: none
// (the value at the end of the input, read in part from a short last
// word), and enough input for QuotedUint64's three-word path.
var fastPathTails = []string{"", `,"next":"0123456789012345678901234567"}`, `99999999999999999999999999999999`}

func TestReaderFastPathsMatchOracle(t *testing.T) {
	for _, tail := range fastPathTails {
		for _, c := range fastPathCases {
			checkFastPaths(t, []byte(c+tail))
		}
		// Every length of digit run, every position of a wrong byte
		// in it.
		for n := 1; n <= 21; n++ {
			digits := bytes.Repeat([]byte("9"), n)
			checkFastPaths(t, append(append(append([]byte(`"`), digits...), '"'), tail...))
			checkFastPaths(t, append(bytes.Clone(digits), tail...))
			for i := range n {
				for _, bad := range []byte{'/', ':', 'a', '"', 0x80, 0xFF, '0' - 6, '9' + 7} {
					d := bytes.Clone(digits)
					d[i] = bad
					checkFastPaths(t, append(append(append([]byte(`"`), d...), '"'), tail...))
					checkFastPaths(t, append(d, tail...))
				}
			}
			// A leading zero.
			d := bytes.Clone(digits)
			d[0] = '0'
			checkFastPaths(t, append(append(append([]byte(`"`), d...), '"'), tail...))
		}
	}
}

// TestReaderFastPathsAfterError checks that the fast paths read nothing
// once the reader has failed.
func TestReaderFastPathsAfterError(t *testing.T) {
	r := encoding.NewJSONReader([]byte(`"123"`))
	r.Fail("stop")
	if _, ok := r.QuotedUint64(); ok {
		t.Error("QuotedUint64 read a value after an error")
	}
	if _, ok := r.SmallUint(); ok {
		t.Error("SmallUint read a value after an error")
	}
}

// FuzzReaderFastPaths compares QuotedUint64 and SmallUint with strconv on
// arbitrary input.
func FuzzReaderFastPaths(f *testing.F) {
	for _, c := range fastPathCases {
		f.Add([]byte(c))
		f.Add([]byte(c + fastPathTails[1]))
	}
	f.Fuzz(func(t *testing.T, in []byte) { checkFastPaths(t, in) })
}

// TestNextKeyIs checks the key fast path against NextKey: it consumes a
// key only when the input is exactly the comma (after the first key) and
// the key as NewJSONKey writes it, and leaves everything else, which
// NextKey then reads as usual.
func TestNextKeyIs(t *testing.T) {
	in := []byte(`{"id":1,"ids":2, "i":3,"a\"b":4,"x" :5,"id":6}`)
	r := encoding.NewJSONReader(in)
	if !r.ObjectStart() {
		t.Fatal("no object")
	}
	id, ids, quoted, x := encoding.NewJSONKey("id"), encoding.NewJSONKey("ids"), encoding.NewJSONKey(`a"b`), encoding.NewJSONKey("x")
	expectKey := func(k encoding.JSONKey, want bool, value string) {
		t.Helper()
		at := r.Offset()
		if got := r.NextKeyIs(&k); got != want {
			t.Fatalf("NextKeyIs at offset %d = %v, want %v", at, got, want)
		}
		if !want {
			if r.Offset() != at {
				t.Fatalf("a refused NextKeyIs moved the reader from %d to %d", at, r.Offset())
			}
			if _, _, ok := r.NextKey(); !ok {
				t.Fatalf("NextKey after a refusal at %d: %v", at, r.Err())
			}
		}
		if got, _ := r.Number(); string(got) != value {
			t.Fatalf("value after the key = %q, want %q", got, value)
		}
	}
	if (encoding.JSONKey{}) == id || r.NextKeyIs(&encoding.JSONKey{}) {
		t.Fatal("the zero JSONKey matched")
	}
	expectKey(ids, false, "1") // "id" is not "ids"
	expectKey(id, false, "2")  // "ids" is not "id"
	expectKey(ids, false, "3") // space after the comma: NextKey's job
	expectKey(quoted, true, "4")
	expectKey(x, false, "5") // space before the colon
	expectKey(id, true, "6")
	if r.NextKeyIs(&id) {
		t.Fatal("NextKeyIs matched at the end of the object")
	}
	if _, _, ok := r.NextKey(); ok || r.Err() != nil {
		t.Fatalf("the object did not end cleanly: %v", r.Err())
	}
	r.End()
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
}

// TestNextKeyIsEveryKeyLength checks keys of every length the comparison
// handles differently (within one word, two words, longer), each as the
// next key and with one byte changed, and near the end of the input.
func TestNextKeyIsEveryKeyLength(t *testing.T) {
	for n := 1; n <= 24; n++ {
		name := strings.Repeat("k", n-1) + "z"
		key := encoding.NewJSONKey(name)
		for _, tail := range []string{`1}`, `1,"other":2,"more":3}`} {
			for _, variant := range []struct {
				written string
				match   bool
			}{
				{name, true},
				{name[:n-1] + "y", false},
				{"y" + name[1:], false},
				{name + "z", false},
				{name[:n-1], false},
			} {
				in := []byte(`{"a":0,"` + variant.written + `":` + tail)
				r := encoding.NewJSONReader(in)
				r.ObjectStart()
				r.NextKey()
				r.Number()
				at := r.Offset()
				if got := r.NextKeyIs(&key); got != variant.match {
					t.Fatalf("key %q, input %s: NextKeyIs = %v, want %v", name, in, got, variant.match)
				}
				if !variant.match {
					if r.Offset() != at {
						t.Fatalf("key %q, input %s: a refusal moved the reader", name, in)
					}
					continue
				}
				if v, _ := r.Number(); string(v) != "1" {
					t.Fatalf("key %q, input %s: value after the key = %q", name, in, v)
				}
			}
		}
	}
}

// TestFirstKeyIsQuickEveryKeyLength checks FirstKeyIsQuick on an object's
// first key of every length, written as NewJSONKey writes it and with one
// byte changed: it matches exactly where NextKeyIs does (keys of up to
// twelve characters) or refuses, consuming nothing.
func TestFirstKeyIsQuickEveryKeyLength(t *testing.T) {
	for n := 1; n <= 24; n++ {
		name := strings.Repeat("k", n-1) + "z"
		key := encoding.NewJSONKey(name)
		for _, tail := range []string{`1}`, `1,"other":2,"more":3}`, `1,"` + name + `":2}`} {
			for _, written := range []string{name, name[:n-1] + "y", "y" + name[1:], name + "z", name[:n-1]} {
				in := []byte(`{"` + written + `":` + tail)
				quick, slow := encoding.NewJSONReader(in), encoding.NewJSONReader(in)
				quick.ObjectStart()
				slow.ObjectStart()
				got, want := quick.FirstKeyIsQuick(&key), slow.NextKeyIs(&key)
				switch {
				case got && (!want || quick.Offset() != slow.Offset()):
					t.Fatalf("key %q, input %s: FirstKeyIsQuick matched to %d, NextKeyIs %v to %d", name, in, quick.Offset(), want, slow.Offset())
				case !got && quick.Offset() != 1:
					t.Fatalf("key %q, input %s: a refusal moved the reader", name, in)
				case !got && want && n <= 12 && len(in) >= 17:
					t.Fatalf("key %q, input %s: FirstKeyIsQuick refused a key it compares", name, in)
				}
				if got {
					if v, _ := quick.Number(); string(v) != "1" {
						t.Fatalf("key %q, input %s: value after the key = %q", name, in, v)
					}
					// The second key is not a first key.
					if quick.FirstKeyIsQuick(&key) {
						t.Fatalf("key %q, input %s: FirstKeyIsQuick matched a second key", name, in)
					}
				}
			}
		}
	}
}

// checkNextKeyIs compares NextKeyIs(NewJSONKey(name)) with NextKey at the
// first and the second key of the object in in: a match must be a key that
// NextKey reads as name, leaving the reader where NextKey leaves it (but
// for whitespace after the colon); a refusal must consume nothing.
func checkNextKeyIs(t *testing.T, in []byte, name string) {
	key := encoding.NewJSONKey(name)
	for skip := range 2 {
		fast, slow := encoding.NewJSONReader(in), encoding.NewJSONReader(in)
		if !fast.ObjectStart() || !slow.ObjectStart() {
			return
		}
		for range skip {
			if _, _, ok := fast.NextKey(); !ok {
				return
			}
			fast.Skip()
			slow.NextKey()
			slow.Skip()
		}
		at := fast.Offset()
		// NextKeyIsQuick is NextKeyIs's in-line half: a match must be
		// one NextKeyIs makes, to the same offset; a refusal consumes
		// nothing.
		quick := fast
		quickMatched := quick.NextKeyIsQuick(&key)
		// FirstKeyIsQuick is the same for an object's first key
		// only: it must refuse every later key.
		first := fast
		firstMatched := first.FirstKeyIsQuick(&key)
		matched := fast.NextKeyIs(&key)
		if quickMatched && (!matched || quick.Offset() != fast.Offset()) {
			t.Fatalf("%q, key %q: NextKeyIsQuick matched to %d, NextKeyIs %v to %d", in, name, quick.Offset(), matched, fast.Offset())
		}
		if !quickMatched && quick.Offset() != at {
			t.Fatalf("%q, key %q: a refused NextKeyIsQuick moved the reader from %d to %d", in, name, at, quick.Offset())
		}
		if firstMatched && (skip != 0 || !matched || first.Offset() != fast.Offset()) {
			t.Fatalf("%q, key %q, key number %d: FirstKeyIsQuick matched to %d, NextKeyIs %v to %d", in, name, skip+1, first.Offset(), matched, fast.Offset())
		}
		if !firstMatched && first.Offset() != at {
			t.Fatalf("%q, key %q: a refused FirstKeyIsQuick moved the reader from %d to %d", in, name, at, first.Offset())
		}
		if firstMatched {
			// What follows must read as after NextKeyIs (the next
			// key with its comma: the first key is behind).
			a, b := first, fast
			a.Skip()
			b.Skip()
			ka, _, oka := a.NextKey()
			kb, _, okb := b.NextKey()
			if oka != okb || a.Offset() != b.Offset() || !bytes.Equal(ka, kb) {
				t.Fatalf("%q, key %q: after FirstKeyIsQuick the next key reads %q, %v; after NextKeyIs %q, %v", in, name, ka, oka, kb, okb)
			}
		}
		k, esc, ok := slow.NextKey()
		if !matched {
			if fast.Offset() != at {
				t.Fatalf("%q, key %q: a refused NextKeyIs moved the reader from %d to %d", in, name, at, fast.Offset())
			}
			continue
		}
		if !ok {
			t.Fatalf("%q, key %q: NextKeyIs matched where NextKey reads no key (%v)", in, name, slow.Err())
		}
		got := k
		if esc {
			got = encoding.AppendUnquoted(nil, k)
		}
		if string(got) != name {
			t.Fatalf("%q: NextKeyIs matched key %q where NextKey reads %q", in, name, got)
		}
		if rest := bytes.TrimLeft(in[fast.Offset():], " \t\r\n"); !bytes.Equal(rest, in[slow.Offset():]) {
			t.Fatalf("%q, key %q: NextKeyIs left the reader at %d, NextKey at %d", in, name, fast.Offset(), slow.Offset())
		}
	}
}

// FuzzNextKeyIs checks NextKeyIs against NextKey on arbitrary objects and
// key names.
func FuzzNextKeyIs(f *testing.F) {
	f.Add([]byte(`{"id":"1","channel_id":"2"}`), "channel_id")
	f.Add([]byte(`{"id":"1","channel_id":"2"}`), "id")
	f.Add([]byte(`{"a\"b":1,"c\u0064":2}`), `a"b`)
	f.Add([]byte(`{"x":1, "y" :2}`), "y")
	f.Add([]byte(`{"premium_since":null,"pending":false}`), "pending")
	f.Fuzz(func(t *testing.T, in []byte, name string) {
		checkNextKeyIs(t, in, name)
		checkStructureQuick(t, in)
	})
}

// checkStructureQuick compares ObjectStartQuick, ArrayStartQuick and
// ObjectEndQuick with ObjectStart, ArrayStart and NextKey on in: walking
// the input's first object or array to its end, at every step a quick
// call that returns true must leave the reader where the general one
// does (and then read the same), and one that returns false must consume
// nothing.
func checkStructureQuick(t *testing.T, in []byte) {
	t.Helper()
	for _, object := range []bool{true, false} {
		quick, slow := encoding.NewJSONReader(in), encoding.NewJSONReader(in)
		at := quick.Offset()
		var gotQuick, gotSlow bool
		if object {
			gotQuick, gotSlow = quick.ObjectStartQuick(), slow.ObjectStart()
		} else {
			gotQuick, gotSlow = quick.ArrayStartQuick(), slow.ArrayStart()
		}
		if !gotQuick {
			if quick.Offset() != at || quick.Err() != nil {
				t.Fatalf("%q: a refused start quick call moved the reader or failed", in)
			}
			continue
		}
		if !gotSlow || quick.Offset() != slow.Offset() {
			t.Fatalf("%q: start quick call read to %d, the general one %v to %d", in, quick.Offset(), gotSlow, slow.Offset())
		}
		if !object {
			continue
		}
		for range 64 {
			at := quick.Offset()
			end := quick.ObjectEndQuick()
			_, _, more := slow.NextKey()
			if !end && quick.Offset() != at {
				t.Fatalf("%q: a refused ObjectEndQuick moved the reader from %d to %d", in, at, quick.Offset())
			}
			if end {
				if more || slow.Err() != nil || quick.Offset() != slow.Offset() {
					t.Fatalf("%q: ObjectEndQuick ended the object at %d, NextKey read a key (%v) to %d, err %v", in, quick.Offset(), more, slow.Offset(), slow.Err())
				}
				quick.End()
				slow.End()
				if (quick.Err() == nil) != (slow.Err() == nil) {
					t.Fatalf("%q: after the object, End: %v and %v", in, quick.Err(), slow.Err())
				}
				break
			}
			// Keep the two readers together: the quick one reads the
			// key as the slow one did.
			if _, _, more2 := quick.NextKey(); more2 != more || quick.Offset() != slow.Offset() {
				t.Fatalf("%q: after a refused ObjectEndQuick, NextKey reads differently", in)
			}
			if !more {
				break
			}
			quick.Skip()
			slow.Skip()
		}
	}
}

func TestStructureQuickMatchesGeneral(t *testing.T) {
	for _, c := range []string{
		`{}`, `{ }`, `{"a":1}`, `{"a":1 }`, `{"a":{},"b":[]}`, `[]`, `[1]`, ` {}`, `null`, `nul`, `{`, `[`, `}`,
		`{"a":1,}`, `{,"a":1}`, `{"a" 1}`, `{}x`, `{} `, `"x"`, ``, `{"a":1}}`,
	} {
		checkStructureQuick(t, []byte(c))
	}
	// Nested as deep as the reader allows and one deeper: the quick
	// calls refuse there and the general ones fail.
	deep := []byte(strings.Repeat("[", 10001))
	r := encoding.NewJSONReader(deep)
	for i := range 10001 {
		if !r.ArrayStartQuick() && !r.ArrayStart() {
			if i != 10000 || r.Err() == nil {
				t.Fatalf("array %d: refused without the depth error (%v)", i, r.Err())
			}
			break
		}
		if i == 10000 {
			t.Fatal("the quick path went past the reader's depth limit")
		}
	}
}

// TestBoolLiterals checks Bool on the literals where its word comparison
// and its general path meet: at the end of the input, followed by more,
// cut short or misspelt in their last byte.
func TestBoolLiterals(t *testing.T) {
	for _, c := range []struct {
		in     string
		want   bool
		offset int
		ok     bool
	}{
		{"true", true, 4, true}, {"true,", true, 4, true}, {"true}xxxx", true, 4, true},
		{"false", false, 5, true}, {"false,", false, 5, true}, {"false]xxxx", false, 5, true},
		{" true", true, 5, true}, {" false ", false, 6, true},
		{"tru", false, 3, false}, {"fals", false, 4, false}, {"falsy,", false, 4, false}, {"trUe,", false, 2, false},
		{"null,", false, 0, false}, {"1,", false, 0, false}, {"", false, 0, false},
	} {
		r := encoding.NewJSONReader([]byte(c.in))
		got := r.Bool()
		if (r.Err() == nil) != c.ok || got != c.want || c.ok && r.Offset() != c.offset {
			t.Errorf("Bool(%q) = %v at %d, err %v; want %v at %d, ok %v", c.in, got, r.Offset(), r.Err(), c.want, c.offset, c.ok)
		}
		if !c.ok && !errors.Is(r.Err(), encoding.ErrMalformed) {
			t.Errorf("Bool(%q): error %v does not match ErrMalformed", c.in, r.Err())
		}
	}
}
