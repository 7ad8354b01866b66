package etf

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

// decodeJSON transcodes a whole message with a fresh Decoder.
func decodeJSON(msg []byte) (string, error) {
	var d Decoder
	out, err := d.AppendJSON(nil, msg)
	return string(out), err
}

func TestDecodeValues(t *testing.T) {
	u32 := func(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	cases := []struct {
		name string
		msg  []byte
		want string
	}{
		{"small int", []byte{131, 97, 42}, `42`},
		{"negative int", []byte{131, 98, 0xff, 0xff, 0xff, 0xfe}, `-2`},
		{"big within 2^53 is a number", []byte{131, 110, 6, 0, 0x7b, 0x68, 0xe5, 0xcf, 0x8b, 0x01}, `1700000000123`},
		{"snowflake is a string", []byte{131, 110, 8, 0, 0x15, 0x81, 0xe9, 0x7d, 0xf4, 0x10, 0x22, 0x11}, `"1234567890123456789"`},
		{"negative 2^64-1", []byte{131, 110, 8, 1, 255, 255, 255, 255, 255, 255, 255, 255}, `"-18446744073709551615"`},
		{"big with 9 bytes", []byte{131, 110, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, `"18446744073709551616"`},
		{"float keeps a fraction", cat([]byte{131, 70}, binary.BigEndian.AppendUint64(nil, math.Float64bits(2))), `2.0`},
		{"float exponent", cat([]byte{131, 70}, binary.BigEndian.AppendUint64(nil, math.Float64bits(1e-7))), `1e-7`},
		{"nil atom", []byte{131, 119, 3, 'n', 'i', 'l'}, `null`},
		{"null atom", []byte{131, 100, 0, 4, 'n', 'u', 'l', 'l'}, `null`},
		{"true", []byte{131, 115, 4, 't', 'r', 'u', 'e'}, `true`},
		{"other atom", []byte{131, 119, 5, 'R', 'E', 'A', 'D', 'Y'}, `"READY"`},
		{"latin1 atom", []byte{131, 115, 2, 0xe9, '"'}, `"é\""`},
		{"binary escapes", cat([]byte{131, 109}, u32(4), []byte{'"', '\\', '\n', 1}), `"\"\\\n\u0001"`},
		{"invalid utf8 binary", cat([]byte{131, 109}, u32(3), []byte{'a', 0xff, 'b'}), `"a` + "\ufffd" + `b"`},
		{"string ext is numbers", []byte{131, 107, 0, 2, 0, 1}, `[0,1]`},
		{"nil ext", []byte{131, 106}, `[]`},
		{"list", cat([]byte{131, 108}, u32(2), []byte{97, 1, 106, 106}), `[1,[]]`},
		{"tuple", []byte{131, 104, 2, 97, 1, 97, 2}, `[1,2]`},
		{"map with int and big keys", cat([]byte{131, 116}, u32(2), []byte{97, 7, 106, 110, 1, 1, 9, 106}), `{"7":[],"-9":[]}`},
		{"map with nil key", cat([]byte{131, 116}, u32(1), []byte{119, 3, 'n', 'i', 'l', 97, 1}), `{"nil":1}`},
	}
	for _, c := range cases {
		got, err := decodeJSON(c.msg)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("%s: %s is not valid JSON", c.name, got)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	u32 := func(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	cases := []struct {
		name   string
		msg    []byte
		offset int
		limit  bool
		text   string
	}{
		{"empty", nil, 0, false, "empty"},
		{"bad version", []byte{130, 97, 1}, 0, false, "version"},
		{"version only", []byte{131}, 1, false, "no term"},
		{"trailing bytes", []byte{131, 97, 1, 0}, 3, false, "after the term"},
		{"truncated int", []byte{131, 98, 0, 0}, 1, false, "INTEGER_EXT"},
		{"binary longer than input", cat([]byte{131, 109}, u32(0xffffffff), []byte("abc")), 1, false, "BINARY_EXT"},
		{"list claiming 2^32-1 elements", cat([]byte{131, 108}, u32(0xffffffff), bytes.Repeat([]byte{97}, 14)), 1, false, "declares 4294967295"},
		{"map claiming 2^32-1 pairs", cat([]byte{131, 116}, u32(0xffffffff), []byte{97, 1}), 1, false, "declares 4294967295"},
		{"tuple claiming more than remains", cat([]byte{131, 105}, u32(1000), []byte{97, 1}), 1, false, "declares 1000"},
		{"improper list", cat([]byte{131, 108}, u32(1), []byte{97, 1, 97, 2}), 8, false, "improper list"},
		{"list without tail", cat([]byte{131, 108}, u32(1), []byte{97, 1}), 1, false, "LIST_EXT runs past"},
		{"NaN", cat([]byte{131, 70}, binary.BigEndian.AppendUint64(nil, math.Float64bits(math.NaN()))), 1, false, "NaN"},
		{"infinite old float", cat([]byte{131, 99}, []byte("inf"), make([]byte, 28)), 1, false, "FLOAT_EXT"},
		{"float map key", cat([]byte{131, 116}, u32(1), []byte{70, 0, 0, 0, 0, 0, 0, 0, 0, 97, 1}), 6, false, "map key"},
		{"list map key", cat([]byte{131, 116}, u32(1), []byte{106, 97, 1}), 6, false, "map key"},
		{"pid", []byte{131, 88, 119, 1, 'a', 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}, 1, false, "PID_EXT"},
		{"nested COMPRESSED", cat([]byte{131, 108}, u32(1), []byte{80, 0, 0, 0, 1, 0, 106}), 6, false, "COMPRESSED"},
		{"big sign byte 2", []byte{131, 110, 1, 2, 5}, 2, false, "sign"},
		{"big over the limit", cat([]byte{131, 111}, u32(2000), []byte{0}, make([]byte, 2000)), 1, true, "limit"},
		{"atom longer than input", []byte{131, 118, 0, 10, 'a'}, 1, false, "ATOM_UTF8_EXT"},
		{"compressed size over limit", cat([]byte{131, 80}, u32(1<<30), []byte{0x78, 0x9c}), 2, true, "limit"},
		{"compressed size impossible", cat([]byte{131, 80}, u32(100000), []byte{0x78, 0x9c, 1, 2, 3}), 2, false, "compressed bytes can hold"},
		{"compressed not zlib", cat([]byte{131, 80}, u32(10), []byte{1, 2, 3, 4, 5, 6}), 6, false, "zlib"},
		{"too deep", append(append([]byte{131}, bytes.Repeat([]byte{104, 1}, 200)...), 106), 1 + 2*DefaultMaxDepth, true, "deeper"},
	}
	for _, c := range cases {
		_, err := decodeJSON(c.msg)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		var se *SyntaxError
		if !errors.As(err, &se) || !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: error %v (%T) is not a *SyntaxError matching ErrMalformed", c.name, err, err)
			continue
		}
		if errors.Is(err, ErrInvalidJSON) {
			t.Errorf("%s: decoding error %v matches ErrInvalidJSON", c.name, err)
		}
		if se.Offset != c.offset {
			t.Errorf("%s: offset %d, want %d (%v)", c.name, se.Offset, c.offset, err)
		}
		if errors.Is(err, ErrLimit) != c.limit {
			t.Errorf("%s: errors.Is(err, ErrLimit) = %v, want %v (%v)", c.name, !c.limit, c.limit, err)
		}
		if !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: error %q does not mention %q", c.name, err, c.text)
		}
	}
}

// TestDecodeLimits checks that Limits override the defaults.
func TestDecodeLimits(t *testing.T) {
	nested := append(append([]byte{131}, bytes.Repeat([]byte{104, 1}, 5)...), 106)
	d := Decoder{Limits: Limits{MaxDepth: 5}}
	if _, err := d.AppendJSON(nil, nested); err != nil {
		t.Errorf("depth 5 with MaxDepth 5: %v", err)
	}
	d.Limits.MaxDepth = 4
	if _, err := d.AppendJSON(nil, nested); !errors.Is(err, ErrLimit) {
		t.Errorf("depth 5 with MaxDepth 4: got %v, want ErrLimit", err)
	}
	big := []byte{131, 110, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	d = Decoder{Limits: Limits{MaxBigBytes: 8}}
	if _, err := d.AppendJSON(nil, big); !errors.Is(err, ErrLimit) {
		t.Errorf("9-byte big with MaxBigBytes 8: got %v, want ErrLimit", err)
	}
	var e Encoder
	z, err := e.AppendFromJSON(nil, []byte(`"`+strings.Repeat("a", 5000)+`"`))
	if err != nil {
		t.Fatal(err)
	}
	c := compress(t, z)
	d = Decoder{Limits: Limits{MaxInflated: 1000}}
	if _, err := d.AppendJSON(nil, c); !errors.Is(err, ErrLimit) {
		t.Errorf("5 KB COMPRESSED term with MaxInflated 1000: got %v, want ErrLimit", err)
	}
	d.Limits.MaxInflated = 0
	got, err := d.AppendJSON(nil, c)
	if err != nil || len(got) != 5002 {
		t.Errorf("5 KB COMPRESSED term with default limits: %d bytes, %v", len(got), err)
	}
}

// TestDecodeEveryPrefixFails cuts every fixture at every length: each cut
// must be an error, never a panic or a success.
func TestDecodeEveryPrefixFails(t *testing.T) {
	var d Decoder
	for _, f := range loadFixtures(t) {
		if len(f.etf) > 2000 {
			continue
		}
		for n := range len(f.etf) {
			if _, err := d.AppendJSON(nil, f.etf[:n]); !errors.Is(err, ErrMalformed) {
				t.Fatalf("%s cut to %d of %d bytes: got %v, want ErrMalformed", f.name, n, len(f.etf), err)
			}
		}
	}
}

// TestDecodeHugeClaimsAllocateNothing checks that declared lengths the input
// cannot back fail before any allocation.
func TestDecodeHugeClaimsAllocateNothing(t *testing.T) {
	msgs := [][]byte{
		{131, 108, 0xff, 0xff, 0xff, 0xff, 97, 1, 97, 1, 97, 1, 97, 1, 97, 1, 97, 1, 106},
		{131, 116, 0xff, 0xff, 0xff, 0xff, 97, 1, 97, 1, 97, 1, 97, 1, 97, 1, 97, 1, 106},
		{131, 109, 0xff, 0xff, 0xff, 0xff, 97, 1, 97, 1, 97, 1, 97, 1, 97, 1, 97, 1, 106},
		{131, 111, 0x7f, 0xff, 0xff, 0xff, 0, 1, 97, 1, 97, 1, 97, 1, 97, 1, 97, 1, 106},
		{131, 80, 0x00, 0xff, 0xff, 0xff, 0x78, 0x9c, 1, 97, 1, 97, 1, 97, 1, 97, 1, 106},
	}
	var d Decoder
	buf := make([]byte, 0, 64)
	for _, m := range msgs {
		allocs := testing.AllocsPerRun(20, func() {
			if _, err := d.AppendJSON(buf, m); err == nil {
				t.Fatalf("% x decoded", m)
			}
		})
		// The error value itself and its message are the only allocations.
		if allocs > 6 {
			t.Errorf("% x: %.0f allocations on failure", m, allocs)
		}
	}
}

// TestDecodeSteadyStateAllocatesNothing checks the hot path: a realistic
// dispatch (no snowflakes beyond 64 bits, no COMPRESSED) into a reused
// buffer.
func TestDecodeSteadyStateAllocatesNothing(t *testing.T) {
	var msg []byte
	for _, f := range loadFixtures(t) {
		if f.name == "message_create_atom_keys" {
			msg = f.etf
		}
	}
	if msg == nil {
		t.Fatal("fixture message_create_atom_keys missing")
	}
	var d Decoder
	buf, err := d.AppendJSON(nil, msg)
	if err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		buf, err = d.AppendJSON(buf[:0], msg)
	})
	if err != nil || allocs != 0 {
		t.Errorf("%.1f allocations per decode (err %v), want 0", allocs, err)
	}
}

func TestReaders(t *testing.T) {
	msg := []byte{131, 116, 0, 0, 0, 2,
		100, 0, 2, 'o', 'p', 97, 10,
		109, 0, 0, 0, 1, 't', 115, 2, 0xe9, 't'}
	n, off, err := ReadMapHeader(msg, 1)
	if err != nil || n != 2 || off != 6 {
		t.Fatalf("ReadMapHeader: %d %d %v", n, off, err)
	}
	var d Decoder
	key, atom, off, err := d.ReadText(msg, off)
	if err != nil || string(key) != "op" || !atom {
		t.Fatalf("ReadText: %q %v %v", key, atom, err)
	}
	v, off, err := ReadInt(msg, off)
	if err != nil || v != 10 {
		t.Fatalf("ReadInt: %d %v", v, err)
	}
	key, atom, off, err = d.ReadText(msg, off)
	if err != nil || string(key) != "t" || atom {
		t.Fatalf("ReadText: %q %v %v", key, atom, err)
	}
	name, atom, off, err := d.ReadText(msg, off)
	if err != nil || string(name) != "ét" || !atom || off != len(msg) {
		t.Fatalf("ReadText of a Latin-1 atom: %q %v %d %v", name, atom, off, err)
	}
	if null, end := IsNull([]byte{115, 3, 'n', 'i', 'l', 0}, 0); !null || end != 5 {
		t.Errorf("IsNull(nil) = %v, %d", null, end)
	}
	if null, _ := IsNull([]byte{115, 3, 'n', 'i', 'x'}, 0); null {
		t.Error("IsNull(nix) = true")
	}
	for _, c := range []struct {
		b    []byte
		want int64
		ok   bool
	}{
		{[]byte{110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 0x80}, math.MinInt64, true},
		{[]byte{110, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0x80}, 0, false},
		{[]byte{110, 8, 0, 255, 255, 255, 255, 255, 255, 255, 0x7f}, math.MaxInt64, true},
		{[]byte{110, 9, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}, 1, true},
		{[]byte{110, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 0, false},
		{[]byte{98, 0x80, 0, 0, 0}, math.MinInt32, true},
		{[]byte{109, 0, 0, 0, 0}, 0, false},
	} {
		v, _, err := ReadInt(c.b, 0)
		if (err == nil) != c.ok || (c.ok && v != c.want) {
			t.Errorf("ReadInt(% x) = %d, %v; want %d, ok %v", c.b, v, err, c.want, c.ok)
		}
	}
}

// TestSpecial8 checks the 8-bytes-at-a-time scan against the byte table.
func TestSpecial8(t *testing.T) {
	isSpecial := func(c byte) bool { return c >= 0x80 || !safeASCII[c] }
	check := func(w [8]byte) {
		want := false
		for _, c := range w {
			want = want || isSpecial(c)
		}
		if got := special8(binary.LittleEndian.Uint64(w[:])); got != want {
			t.Fatalf("special8(% x) = %v, want %v", w, got, want)
		}
	}
	for pos := range 8 {
		for c := range 256 {
			w := [8]byte{'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'}
			w[pos] = byte(c)
			check(w)
		}
	}
	x := uint64(0x9e3779b97f4a7c15)
	for range 200000 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], x&0x7f7f7f7f7f7f7f7f|0x2020202020202020&x>>1)
		check(w)
	}
}
