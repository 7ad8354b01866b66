package etf

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzETFDecode feeds arbitrary bytes to the decoder. Whatever the input:
// no panic, and an error is a *SyntaxError matching ErrMalformed. When it
// decodes, the output is valid JSON no more than a few times the input's
// size, and it survives a round trip: encoding that JSON back into a term
// and decoding it again gives the very same text. (Integers beyond 2^53-1
// are already strings after the first decode, atoms already strings,
// tuples arrays, so nothing changes meaning on the second pass.) The only
// JSON the encoder may refuse is an object with duplicate keys, which
// the decoder passes through from a map with, say, the atom a and the
// binary "a" as keys.
func FuzzETFDecode(f *testing.F) {
	for _, fx := range loadFixtures(f) {
		f.Add(fx.etf)
	}
	f.Add([]byte{131, 108, 0xff, 0xff, 0xff, 0xff, 97, 1, 106})
	f.Add([]byte{131, 116, 0, 0, 0, 2, 119, 1, 'a', 97, 1, 109, 0, 0, 0, 1, 'a', 97, 2})
	var d, d2 Decoder
	var e Encoder
	f.Fuzz(func(t *testing.T, msg []byte) {
		out, err := d.AppendJSON(nil, msg)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v (%T) is not a *SyntaxError matching ErrMalformed", err, err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("invalid JSON output %q", out)
		}
		if len(msg) > 1 && msg[1] != TagCompressed && len(out) > 6*len(msg)+8 {
			t.Fatalf("%d bytes of JSON from %d bytes of input", len(out), len(msg))
		}
		again, err := e.AppendFromJSON(nil, out)
		if err != nil {
			if strings.Contains(err.Error(), "duplicate object key") {
				return
			}
			t.Fatalf("the encoder refuses the decoder's output %q: %v", out, err)
		}
		out2, err := d2.AppendJSON(nil, again)
		if err != nil {
			t.Fatalf("decoding the re-encoded %q: %v", out, err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("round trip changed the JSON:\n first  %q\n second %q", out, out2)
		}
	})
}
