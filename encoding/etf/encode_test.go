package etf

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestEncodeForms(t *testing.T) {
	cases := []struct {
		json string
		want []byte // without the version byte
	}{
		{`null`, []byte{115, 3, 'n', 'i', 'l'}},
		{`true`, []byte{115, 4, 't', 'r', 'u', 'e'}},
		{`false`, []byte{115, 5, 'f', 'a', 'l', 's', 'e'}},
		{`0`, []byte{97, 0}},
		{`-0`, []byte{97, 0}},
		{`255`, []byte{97, 255}},
		{`256`, []byte{98, 0, 0, 1, 0}},
		{`-1`, []byte{98, 255, 255, 255, 255}},
		{`-2147483648`, []byte{98, 0x80, 0, 0, 0}},
		{`2147483648`, []byte{110, 4, 0, 0, 0, 0, 0x80}},
		{`-2147483649`, []byte{110, 4, 1, 1, 0, 0, 0x80}},
		{`18446744073709551615`, []byte{110, 8, 0, 255, 255, 255, 255, 255, 255, 255, 255}},
		{`18446744073709551616`, []byte{110, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
		{`-18446744073709551616`, []byte{110, 9, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
		{`1.5`, []byte{70, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0}},
		{`1e0`, []byte{70, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}},
		{`""`, []byte{109, 0, 0, 0, 0}},
		{`"a\u00e9"`, []byte{109, 0, 0, 0, 3, 'a', 0xc3, 0xa9}},
		{`"\ud83c\udf89"`, []byte{109, 0, 0, 0, 4, 0xf0, 0x9f, 0x8e, 0x89}},
		{`"\udf89\ud83c"`, []byte{109, 0, 0, 0, 6, 0xef, 0xbf, 0xbd, 0xef, 0xbf, 0xbd}},
		{"\"a\xffb\"", []byte{109, 0, 0, 0, 5, 'a', 0xef, 0xbf, 0xbd, 'b'}},
		{`[]`, []byte{106}},
		{`[ ]`, []byte{106}},
		{`[1]`, []byte{108, 0, 0, 0, 1, 97, 1, 106}},
		{`[[]]`, []byte{108, 0, 0, 0, 1, 106, 106}},
		{`{}`, []byte{116, 0, 0, 0, 0}},
		{`{"op":1,"d":null}`, []byte{116, 0, 0, 0, 2, 109, 0, 0, 0, 2, 'o', 'p', 97, 1, 109, 0, 0, 0, 1, 'd', 115, 3, 'n', 'i', 'l'}},
	}
	var e Encoder
	for _, c := range cases {
		got, err := e.AppendFromJSON(nil, []byte(c.json))
		if err != nil {
			t.Errorf("%s: %v", c.json, err)
			continue
		}
		if want := append([]byte{131}, c.want...); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got  % x\n want % x", c.json, got, want)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	cases := []struct {
		json   string
		offset int
		text   string
	}{
		{``, 0, "end of input"},
		{`   `, 3, "end of input"},
		{`nul`, 0, "looking for a value"},
		{`[1,]`, 3, "looking for a value"},
		{`[1 2]`, 3, "after array element"},
		{`{"a" 1}`, 5, "after object key"},
		{`{"a":1,}`, 7, "object key"},
		{`{1:2}`, 1, "object key"},
		{`{"a":1}x`, 7, "after the top-level value"},
		{`"abc`, 0, "not terminated"},
		{"\"a\tb\"", 2, "control character"},
		{`"\x"`, 1, "invalid escape"},
		{`"\u12"`, 1, `\u escape`},
		{`01`, 1, "after the top-level value"},
		{`-`, 0, "no digits"},
		{`1.`, 2, "decimal point"},
		{`1e`, 2, "exponent"},
		{`1e400`, 0, "float64 range"},
		{`{"a":1,"b":2,"a":3}`, 13, "duplicate"},
		{`{"a":1,"\u0061":2}`, 7, "duplicate"},
		{`{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k3":3}`, 134, "duplicate"},
		{`[{"a":1,"a":1}]`, 8, "duplicate"},
	}
	var e Encoder
	for _, c := range cases {
		out, err := e.AppendFromJSON([]byte("keep"), []byte(c.json))
		var se *SyntaxError
		if !errors.As(err, &se) || !errors.Is(err, ErrInvalidJSON) || errors.Is(err, ErrMalformed) {
			t.Errorf("%q: got %v (%T), want a *SyntaxError matching only ErrInvalidJSON", c.json, err, err)
			continue
		}
		if string(out) != "keep" {
			t.Errorf("%q: dst changed to %q on error", c.json, out)
		}
		if se.Offset != c.offset || !strings.Contains(se.Msg, c.text) {
			t.Errorf("%q: %v; want offset %d mentioning %q", c.json, err, c.offset, c.text)
		}
		if json.Valid([]byte(c.json)) && !strings.Contains(c.text, "duplicate") && !strings.Contains(c.text, "float64") {
			t.Errorf("%q: encoding/json accepts it but the encoder does not", c.json)
		}
	}
	deep := strings.Repeat("[", DefaultMaxDepth+1) + strings.Repeat("]", DefaultMaxDepth+1)
	if _, err := e.AppendFromJSON(nil, []byte(deep)); !errors.Is(err, ErrLimit) {
		t.Errorf("nesting %d deep: got %v, want ErrLimit", DefaultMaxDepth+1, err)
	}
	ok := strings.Repeat("[", DefaultMaxDepth) + strings.Repeat("]", DefaultMaxDepth)
	if _, err := e.AppendFromJSON(nil, []byte(ok)); err != nil {
		t.Errorf("nesting %d deep: %v", DefaultMaxDepth, err)
	}
	if _, err := e.AppendFromJSON(nil, []byte(strings.Repeat("9", maxIntegerDigits+1))); !errors.Is(err, ErrLimit) {
		t.Errorf("integer of %d digits: got %v, want ErrLimit", maxIntegerDigits+1, err)
	}
}

// TestEncodeDecodeIdentity checks that JSON → term → JSON gives back the
// same value, integers up to 2^53-1 included, and the documented
// exception: larger integers come back as strings.
func TestEncodeDecodeIdentity(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"op":2,"d":{"token":"t","intents":513,"shard":[0,1],"properties":{"os":"linux"},"presence":{"since":null,"afk":false}}}`, ""},
		{`[9007199254740991,-9007199254740991,2147483648,1.0,-0.0,0.1,"\u0000\"\\"]`, ""},
		{`{"id":1234567890123456789}`, `{"id":"1234567890123456789"}`},
		{`[9007199254740992]`, `["9007199254740992"]`},
	}
	var e Encoder
	var d Decoder
	for _, c := range cases {
		want := c.want
		if want == "" {
			want = c.in
		}
		msg, err := e.AppendFromJSON(nil, []byte(c.in))
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		got, err := d.AppendJSON(nil, msg)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if diff := jsonEqual(got, []byte(want)); diff != "" {
			t.Errorf("%s: got %s, want %s (%s)", c.in, got, want, diff)
		}
	}
}

func TestAppendHelpers(t *testing.T) {
	var b []byte
	b = AppendVersion(b)
	b = AppendMapHeader(b, 6)
	b = AppendBinary(b, "t")
	b, err := AppendAtom(b, "MESSAGE_CREATE")
	if err != nil {
		t.Fatal(err)
	}
	b = AppendBinary(b, "u")
	if b, err = AppendAtom(b, "日本"); err != nil {
		t.Fatal(err)
	}
	b = AppendBinary(b, "n")
	b = AppendListHeader(b, 4)
	b = AppendNull(b)
	b = AppendBool(b, true)
	b = AppendInt(b, -9223372036854775808)
	b = AppendUint(b, 18446744073709551615)
	b = AppendEmptyList(b)
	b = AppendBinary(b, "f")
	b = AppendFloat(b, 0.25)
	b = AppendBinary(b, "e")
	b = AppendEmptyList(b)
	b = AppendBinary(b, "long")
	if b, err = AppendAtom(b, strings.Repeat("日", 255)); err != nil {
		t.Fatal(err)
	}
	got, err := decodeJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"t":"MESSAGE_CREATE","u":"日本","n":[null,true,"-9223372036854775808","18446744073709551615"],"f":0.25,"e":[],"long":"` + strings.Repeat("日", 255) + `"}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if _, err := AppendAtom(nil, strings.Repeat("a", 256)); !errors.Is(err, ErrAtom) {
		t.Errorf("256-character atom: got %v, want ErrAtom", err)
	}
	if _, err := AppendAtom(nil, "\xff"); !errors.Is(err, ErrAtom) {
		t.Errorf("invalid UTF-8 atom: got %v, want ErrAtom", err)
	}
}

func TestEncodeServerForm(t *testing.T) {
	e := Encoder{AtomKeys: true, SnowflakeInts: true}
	in := `{"id":"1234567890123456789","small":"9007199254740991","zero":"01234567890123456789","big":"18446744073709551616","text":"x","` + strings.Repeat("é", 200) + `":1}`
	got, err := e.AppendFromJSON(nil, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{131, 116, 0, 0, 0, 6,
		119, 2, 'i', 'd', 110, 8, 0, 0x15, 0x81, 0xe9, 0x7d, 0xf4, 0x10, 0x22, 0x11,
		119, 5, 's', 'm', 'a', 'l', 'l', 109, 0, 0, 0, 16}
	want = append(want, "9007199254740991"...)
	want = append(want, 119, 4, 'z', 'e', 'r', 'o', 109, 0, 0, 0, 20)
	want = append(want, "01234567890123456789"...)
	want = append(want, 119, 3, 'b', 'i', 'g', 109, 0, 0, 0, 20)
	want = append(want, "18446744073709551616"...)
	want = append(want, 119, 4, 't', 'e', 'x', 't', 109, 0, 0, 0, 1, 'x', 118, 1, 144)
	want = append(want, strings.Repeat("é", 200)...)
	want = append(want, 97, 1)
	if !bytes.Equal(got, want) {
		t.Fatalf("got  % x\nwant % x", got, want)
	}
	var d Decoder
	back, err := d.AppendJSON(nil, got)
	if err != nil || jsonEqual(back, []byte(in)) != "" {
		t.Errorf("decoded back to %s, %v", back, err)
	}
	if _, err := e.AppendFromJSON(nil, []byte(`{"`+strings.Repeat("a", 256)+`":1}`)); !errors.Is(err, ErrInvalidJSON) {
		t.Errorf("256-character key as an atom: got %v, want ErrInvalidJSON", err)
	}
	if _, err := e.AppendFromJSON(nil, []byte(`{"a":1,"b":{"c":2,"c":3}}`)); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Errorf("duplicate atom keys: got %v", err)
	}
}
