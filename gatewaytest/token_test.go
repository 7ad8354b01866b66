package gatewaytest

import (
	"bytes"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatewaykit/gateway/internal/secret"
	"github.com/gatewaykit/gateway/internal/testenv"
)

// recordedToken is a token as the emulator records it.
const recordedToken = "ZW11bGF0b3I.cmVjb3Jk.TkVWRVItUFJJTlQtVEhJUw"

// failureRecorder is a testify TestingT that keeps the failure messages.
type failureRecorder struct{ msgs []string }

func (r *failureRecorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

// TestRecordedTokenIsUnprintable prints, logs, encodes (as a value and as
// a map key), dumps by reflection and feeds to failing testify assertions
// the records that hold a client's token: it shows in none, while Reveal
// gives it back.
func TestRecordedTokenIsUnprintable(t *testing.T) {
	forms := []string{recordedToken, hex.EncodeToString([]byte(recordedToken)), strings.ToUpper(hex.EncodeToString([]byte(recordedToken)))}
	check := func(what, s string) {
		t.Helper()
		for _, f := range forms {
			if i := strings.Index(s, f); i >= 0 {
				t.Fatalf("%s leaks the token at byte %d: ...%s[token]", what, i, s[max(0, i-80):i])
			}
		}
	}
	tok := Token{masked: secret.Seal(recordedToken)}
	other := Token{masked: secret.Seal(recordedToken + "-other")}
	require.Equal(t, recordedToken, tok.Reveal())
	require.True(t, Token{}.IsZero())
	id := &IdentifyRecord{Token: tok, Shard: []int{0, 1}}
	rec := Record{ID: 1, Identify: id}
	type private struct{ tok Token }
	values := map[string]any{
		"Token": tok, "*Token": &tok, "IdentifyRecord": *id, "Record": rec, "*Record": &rec,
		"unexported field": private{tok}, "map key": map[Token]int{tok: 1}, "[]any": []any{tok, id},
	}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%08.3v", "% x"} {
			check(name+" with "+verb, fmt.Sprintf(verb, v))
		}
		var buf bytes.Buffer
		slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "v", v)
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "v", v)
		check(name+" in slog", buf.String())
		for _, enc := range []func(any) ([]byte, error){json.Marshal, xml.Marshal, msgpack.Marshal} {
			if b, err := enc(v); err == nil {
				check(name+" encoded", string(b))
			}
		}
		check(name+" dumped by reflection", testenv.RawDump(v))
	}
	b, err := json.Marshal(map[Token]string{tok: "v"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"[REDACTED]":"v"}`, string(b), "a Token as a JSON map key")
	var g bytes.Buffer
	require.NoError(t, gob.NewEncoder(&g).Encode(struct{ T Token }{tok}))
	check("gob", g.String())

	r := &failureRecorder{}
	assert.Equal(r, IdentifyRecord{Token: tok}, IdentifyRecord{Token: other})
	assert.Equal(r, &Record{Identify: &IdentifyRecord{Token: tok}}, &Record{Identify: &IdentifyRecord{Token: other}})
	assert.ElementsMatch(r, []Token{tok}, []Token{other})
	assert.Equal(r, private{tok}, private{other})
	require.Len(t, r.msgs, 4)
	for _, m := range r.msgs {
		// "masked:" is a field name only a dump by reflection prints.
		assert.Contains(t, m, "masked:", "testify dumped the values by reflection")
		check("a testify failure", m)
	}
}
