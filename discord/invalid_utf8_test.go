package discord_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/encoding"
)

// stringEnds returns the offset of the closing quote of every string in
// the JSON text d, keys included.
func stringEnds(t *testing.T, d []byte) []int {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(d))
	var ends []int
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return ends
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := tok.(string); ok {
			ends = append(ends, int(dec.InputOffset())-1)
		}
	}
}

// TestInvalidUTF8InAnyStringIsReplaced puts bytes that are not UTF-8 into
// every string of a MESSAGE_CREATE in turn, alone and next to an escape,
// and decodes it. Invalid UTF-8 never fails a decode by itself (each bad
// byte becomes U+FFFD, as encoding/json and this project's envelope
// decoder do), so the decode must give exactly what it gives when the
// same place holds U+FFFD itself: the same error for a field that must be
// an ID, a number or a timestamp, and otherwise the same value, whose
// encoding is valid UTF-8. Whether the reader or the decoder checks the
// UTF-8 of a string, no invalid byte may reach a decoded value.
func TestInvalidUTF8InAnyStringIsReplaced(t *testing.T) {
	d := messageCreateD(t)
	ends := stringEnds(t, d)
	if len(ends) < 80 {
		t.Fatalf("found %d strings in the MESSAGE_CREATE, expected about 90", len(ends))
	}
	cases := []struct{ bad, good string }{}
	for _, bad := range []string{
		"\xff",
		"x\xc3",            // a sequence cut short at the end
		"\xe2\x9c(",        // cut short before ASCII
		"\xed\xa0\x80",     // a surrogate written as UTF-8
		"\xff\\n\\u00e9",   // next to escapes
		"\\\"\xc0\xaf\\\\", // an overlong '/' between escapes
	} {
		cases = append(cases, struct{ bad, good string }{bad, replaceInvalidBytes(bad)})
	}
	failures, kept := 0, 0
	for _, c := range cases {
		for _, end := range ends {
			insert := func(s string) []byte {
				return append(append(append([]byte(nil), d[:end]...), s...), d[end:]...)
			}
			var bad, good discord.MessageCreate
			errBad := bad.DecodeJSON(insert(c.bad))
			errGood := good.DecodeJSON(insert(c.good))
			if (errBad == nil) != (errGood == nil) {
				t.Fatalf("%q before offset %d: decode error %v, with U+FFFD there %v", c.bad, end, errBad, errGood)
			}
			if errBad != nil {
				failures++
				if !errors.Is(errBad, encoding.ErrMalformed) {
					t.Fatalf("%q before offset %d: error %v is not encoding.ErrMalformed", c.bad, end, errBad)
				}
				continue
			}
			// The nonce is Raw: it keeps its JSON text as received,
			// bytes and all, as json.RawMessage does.
			if !bytes.Equal(bad.Nonce, good.Nonce) {
				if !bytes.Equal(bad.Nonce, bytes.Replace(good.Nonce, []byte(c.good), []byte(c.bad), 1)) {
					t.Fatalf("%q before offset %d: nonce %q, with U+FFFD there %q", c.bad, end, bad.Nonce, good.Nonce)
				}
				kept++
				bad.Nonce = good.Nonce
			}
			// Compared as decoded, not re-encoded: the encoder would
			// itself replace bytes that are not UTF-8.
			if !reflect.DeepEqual(bad, good) {
				t.Fatalf("%q before offset %d: decoded\n%+v\nwith U+FFFD there\n%+v", c.bad, end, bad, good)
			}
			if s, ok := invalidString(reflect.ValueOf(bad)); ok {
				t.Fatalf("%q before offset %d: decoded string %q is not UTF-8", c.bad, end, s)
			}
		}
	}
	// Only the nonce, one string, is Raw in this message.
	if kept > len(cases) {
		t.Fatalf("%d decodes kept invalid UTF-8 as received; only the nonce (Raw) should", kept)
	}
	// IDs, timestamps and enums refuse a replaced byte; free text takes it.
	if failures == 0 || failures == len(cases)*len(ends) {
		t.Fatalf("%d of %d decodes failed: expected the ID and timestamp fields, and only those, to fail", failures, len(cases)*len(ends))
	}
}

// invalidString returns a string held in v (in any field, element or
// pointer) that is not valid UTF-8.
func invalidString(v reflect.Value) (string, bool) {
	switch v.Kind() {
	case reflect.String:
		return v.String(), !utf8.ValidString(v.String())
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return invalidString(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if s, ok := invalidString(v.Field(i)); ok {
				return s, true
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return "", false // Raw and other bytes: not text
		}
		for i := range v.Len() {
			if s, ok := invalidString(v.Index(i)); ok {
				return s, true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if s, ok := invalidString(it.Value()); ok {
				return s, true
			}
		}
	}
	return "", false
}

// replaceInvalidBytes replaces each byte of s that does not start a valid
// UTF-8 sequence with U+FFFD, as encoding/json does when it decodes.
func replaceInvalidBytes(s string) string {
	var b []byte
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		if r == utf8.RuneError && n == 1 {
			b = utf8.AppendRune(b, utf8.RuneError)
		} else {
			b = append(b, s[:n]...)
		}
		s = s[n:]
	}
	return string(b)
}
