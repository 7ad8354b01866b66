package gateway_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway"
)

// TestTokenIsUnprintable prints a Token, and a Client holding it (directly
// and through an unexported field, which fmt prints by reflection), with
// every verb, slog handler and encoder, and checks that the token shows in
// none — while the Identify and Resume payloads still carry it, and the
// encoded Session does not.
func TestTokenIsUnprintable(t *testing.T) {
	secret := strings.TrimPrefix(testToken, "MTIzNDU2Nzg5.")
	forms := []string{secret, hex.EncodeToString([]byte(secret)), strings.ToUpper(hex.EncodeToString([]byte(secret)))}
	check := func(what, s string) {
		t.Helper()
		for _, f := range forms {
			if i := strings.Index(s, f); i >= 0 {
				// Show where, not the token.
				t.Fatalf("%s leaks the token at byte %d: ...%s[token]", what, i, s[max(0, i-80):i])
			}
		}
	}
	tok := gateway.Token("Bot " + testToken)
	c := newClient(t, gateway.WithToken(string(tok)))
	type holder struct {
		client *gateway.Client
		token  gateway.Token
	}
	type exported struct{ Token gateway.Token }
	for _, v := range []any{tok, &tok, c, holder{c, ""}, &holder{c, ""}, exported{tok}, []any{tok, c}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%08.3v"} {
			check(fmt.Sprintf("%T with %s", v, verb), fmt.Sprintf(verb, v))
		}
		var buf bytes.Buffer
		slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "v", v)
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "v", v)
		check(fmt.Sprintf("%T in slog", v), buf.String())
	}
	for _, m := range []func(any) ([]byte, error){json.Marshal, func(v any) ([]byte, error) { return tok.MarshalText() }, func(v any) ([]byte, error) { return tok.MarshalBinary() }} {
		b, err := m(exported{tok})
		require.NoError(t, err)
		check("encoded", string(b))
		assert.Contains(t, string(b), "[REDACTED]")
	}

	// testify dumps values with their methods disabled when it compares
	// lists, following pointers: the Client keeps the token masked, so
	// even that shows nothing.
	rec := &testifyRecorder{}
	assert.ElementsMatch(rec, []any{&holder{c, ""}, c}, []any{1})
	assert.Equal(rec, holder{c, ""}, holder{})
	require.Len(t, rec.msgs, 2)
	for _, m := range rec.msgs {
		check("testify failure", m)
	}

	// The payloads still carry the real token.
	w := &wire{}
	process(t, c, w, hello)
	assert.Equal(t, testToken, w.last(t)["d"].(map[string]any)["token"], "Identify")
	process(t, c, w, ready)
	sess := c.Session()
	b, err := sess.MarshalBinary()
	require.NoError(t, err)
	check("encoded session", string(b))
	r := newClient(t, gateway.WithToken(string(tok)), gateway.WithSession(sess))
	process(t, r, w, hello)
	assert.Equal(t, testToken, w.last(t)["d"].(map[string]any)["token"], "Resume")
}

// testifyRecorder is a testify TestingT that keeps the failure messages.
type testifyRecorder struct{ msgs []string }

func (r *testifyRecorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}
