package discord

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/gatewaykit/gateway/encoding"
)

// FuzzUnescape checks the run-copying unescaper against the reference one
// on every string the scanner accepts.
func FuzzUnescape(f *testing.F) {
	for _, s := range []string{`Zo\u00eb \u2728`, `a\"b\\c\/d\n`, `\ud83d\ude00x`, `\ud83dx`, `\ud83d\u0041`, `\udc00`, "\xff\xfe\\n", `plain`, `\uD83D\uDE00`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		quoted := append(append([]byte{'"'}, raw...), '"')
		if !json.Valid(quoted) {
			return
		}
		r := encoding.NewJSONReader(quoted)
		contents, _ := r.String()
		if r.Err() != nil {
			t.Fatalf("reader refused a valid string %q: %v", quoted, r.Err())
		}
		want := encoding.AppendUnquoted(nil, contents)
		if got := appendUnescaped(nil, contents); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %q, want %q", contents, got, want)
		}
		var std string
		if err := json.Unmarshal(quoted, &std); err != nil || std != string(want) {
			t.Fatalf("%q: encoding/json says %q (%v), reference unquoter %q", quoted, std, err, want)
		}
	})
}
