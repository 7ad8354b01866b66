package discord

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/gatewaykit/gateway/encoding"
)

// FuzzUnescape checks the run-copying unescaper against the reference one
// on every string the scanner accepts as valid UTF-8, and the reader's
// UTF-8 verdict against utf8.Valid.
func FuzzUnescape(f *testing.F) {
	for _, s := range []string{`Zo\u00eb \u2728`, `a\"b\\c\/d\n`, `\ud83d\ude00x`, `\ud83dx`, `\ud83d\u0041`, `\udc00`, "\xff\xfe\\n", `plain`, `\uD83D\uDE00`, `\uD800\uD800\uDC00`, `\ud83d\ud83d`, `\udbff\udfff`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		quoted := append(append([]byte{'"'}, raw...), '"')
		if !json.Valid(quoted) {
			return
		}
		r := encoding.NewJSONReader(quoted)
		contents, _, valid := r.StringChecked()
		if r.Err() != nil {
			t.Fatalf("reader refused a valid string %q: %v", quoted, r.Err())
		}
		if valid != utf8.Valid(contents) {
			t.Fatalf("%q: the reader says valid UTF-8 = %v", contents, valid)
		}
		want := encoding.AppendUnquoted(nil, contents)
		// appendUnescaped takes only what the reader found to be UTF-8
		// (decoder.str gives the rest to AppendUnquoted).
		if got := appendUnescaped(nil, contents); valid && !bytes.Equal(got, want) {
			t.Fatalf("%q: got %q, want %q", contents, got, want)
		}
		var std string
		if err := json.Unmarshal(quoted, &std); err != nil || std != string(want) {
			t.Fatalf("%q: encoding/json says %q (%v), reference unquoter %q", quoted, std, err, want)
		}
	})
}
