package gateway_test

import (
	"bytes"
	"encoding/base64"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/internal/testenv"
)

// tokenSecret is the part of testToken that must never show.
var tokenSecret = strings.TrimPrefix(testToken, "MTIzNDU2Nzg5.")

// leakChecker fails t when a text holds the secret in clear, hex (either
// case) or base64: the forms printers and encoders turn bytes into.
func leakChecker(t *testing.T, secret string) func(what, s string) {
	forms := []string{
		secret,
		hex.EncodeToString([]byte(secret)),
		strings.ToUpper(hex.EncodeToString([]byte(secret))),
		base64.StdEncoding.EncodeToString([]byte(secret))[:len(secret)*4/3-4],
	}
	return func(what, s string) {
		t.Helper()
		for _, f := range forms {
			if i := strings.Index(s, f); i >= 0 {
				// Show where, not the token.
				t.Fatalf("%s leaks the token at byte %d: ...%s[token]", what, i, s[max(0, i-80):i])
			}
		}
	}
}

// tokenHolders are values that hold a Token in every way a program could:
// as itself, behind pointers, in exported and unexported fields, in
// slices, as map values and map keys, in interfaces and next to a Client.
func tokenHolders(t *testing.T) map[string]any {
	tok := gateway.NewToken("Bot " + testToken)
	c := newClient(t, gateway.WithToken(tok.Reveal()))
	type exported struct {
		Token gateway.Token
		Name  string
	}
	type unexported struct {
		token  gateway.Token
		client *gateway.Client
	}
	type nested struct {
		Inner  exported
		Ptr    *gateway.Token
		Any    any
		List   []gateway.Token
		ByName map[string]gateway.Token
		ByKey  map[gateway.Token]string
	}
	return map[string]any{
		"Token":                          tok,
		"*Token":                         &tok,
		"*Client":                        c,
		"struct with an exported Token":  exported{tok, "x"},
		"struct with unexported fields":  unexported{tok, c},
		"*struct with unexported fields": &unexported{tok, c},
		"nested":                         nested{exported{tok, "x"}, &tok, tok, []gateway.Token{tok}, map[string]gateway.Token{"a": tok}, map[gateway.Token]string{tok: "v"}},
		"map keyed by Token":             map[gateway.Token]int{tok: 1},
		"map of any":                     map[any]any{tok: tok},
		"[]any":                          []any{tok, &tok, c},
	}
}

// tokenVerbs are fmt verbs and flag combinations, those that print a value
// and those meant for other kinds (which print it with a complaint).
var tokenVerbs = []string{
	"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "% x", "%#x", "%d", "%08.3v",
	"%-40s", "%+q", "%#q", "%o", "%b", "%c", "%U", "%e", "%g", "%t", "%10.200s",
}

// TestTokenIsUnprintable prints values holding a Token with every fmt
// verb, in errors, with both slog handlers, with encoding/json (values and
// map keys), xml, gob and msgpack, in testify's failure messages and diffs,
// and dumps them by reflection; the token shows in none. The Identify and
// Resume payloads still carry it, and the encoded Session does not.
func TestTokenIsUnprintable(t *testing.T) {
	check := leakChecker(t, tokenSecret)
	holders := tokenHolders(t)
	for name, v := range holders {
		for _, verb := range tokenVerbs {
			check(name+" with "+verb, fmt.Sprintf(verb, v))
		}
		check(name+" with Sprint", fmt.Sprint(v, v))
		check(name+" with Sprintln", fmt.Sprintln(v))
		err := fmt.Errorf("starting %v (%+v, %#v, %s): %w", v, v, v, v, errors.New("boom"))
		check(name+" in an error", err.Error())
		check(name+" in a joined error", errors.Join(err, fmt.Errorf("%q", v)).Error())
		check(name+" in a reflect.Value", fmt.Sprintf("%v %+v", reflect.ValueOf(v), reflect.ValueOf(v)))

		var buf bytes.Buffer
		for _, h := range []slog.Handler{slog.NewTextHandler(&buf, nil), slog.NewJSONHandler(&buf, nil)} {
			l := slog.New(h)
			l.Info("x", "v", v)
			l.With("v", v).Info("with")
			l.Info("group", slog.Group("g", "v", v))
			l.Info("any", slog.Any("v", v))
		}
		require.Greater(t, buf.Len(), 100, name)
		check(name+" in slog", buf.String())

		for _, enc := range []func(any) ([]byte, error){json.Marshal, xmlOrNothing, msgpack.Marshal} {
			if b, err := enc(v); err == nil {
				check(name+" encoded", string(b))
			}
		}
		check(name+" dumped by reflection", testenv.RawDump(v))
	}

	// encoding/json writes a string-kinded map key as it is, without
	// asking MarshalText: a Token is not string-kinded, so it asks.
	tok := gateway.NewToken("Bot " + testToken)
	b, err := json.Marshal(map[gateway.Token]gateway.Token{tok: tok})
	require.NoError(t, err)
	assert.JSONEq(t, `{"[REDACTED]":"[REDACTED]"}`, string(b))
	type exported struct{ T gateway.Token }
	var g bytes.Buffer
	require.NoError(t, gob.NewEncoder(&g).Encode(exported{tok}))
	check("gob", g.String())
	assert.Contains(t, g.String(), "[REDACTED]")
}

// xmlOrNothing marshals v with encoding/xml, which refuses maps.
func xmlOrNothing(v any) ([]byte, error) { return xml.Marshal(v) }

// testifyRecorder is a testify TestingT that keeps the failure messages.
type testifyRecorder struct{ msgs []string }

func (r *testifyRecorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

// TestTokenHiddenFromTestifyDiffs fails testify assertions on values that
// hold different tokens. testify prints the values with %#v, and for
// structs, maps and slices it adds a diff of dumps made by reflection
// without calling methods (its vendored copy of go-spew, internal so not
// testable directly): neither shows either token.
func TestTokenHiddenFromTestifyDiffs(t *testing.T) {
	check := leakChecker(t, tokenSecret)
	other := "OTg3NjU0MzIx.ANOTHER-SECRET-abc"
	checkOther := leakChecker(t, strings.TrimPrefix(other, "OTg3NjU0MzIx."))
	a, b := gateway.NewToken("Bot "+testToken), gateway.NewToken(other)
	type config struct {
		Token   gateway.Token
		Name    string
		private gateway.Token
	}
	r := &testifyRecorder{}
	assert.Equal(r, config{a, "x", a}, config{b, "y", b})
	assert.Equal(r, &config{a, "x", a}, &config{b, "y", b})
	assert.Equal(r, []gateway.Token{a}, []gateway.Token{b})
	assert.Equal(r, map[gateway.Token]int{a: 1}, map[gateway.Token]int{b: 1})
	assert.Equal(r, a, b)
	assert.EqualValues(r, config{a, "x", a}, config{b, "y", b})
	assert.Exactly(r, config{a, "x", a}, config{b, "y", b})
	assert.ElementsMatch(r, []config{{a, "x", a}}, []config{{b, "y", b}})
	assert.Contains(r, []gateway.Token{a}, b)
	assert.Zero(r, a)
	assert.Empty(r, config{a, "x", a})
	assert.NoError(r, fmt.Errorf("with %v: %w", a, errors.New("boom")))
	require.Len(t, r.msgs, 12, "every assertion failed")
	diffs := 0
	for _, m := range r.msgs {
		check("a testify failure", m)
		checkOther("a testify failure", m)
		if strings.Contains(m, "Diff:") {
			diffs++
		}
	}
	assert.GreaterOrEqual(t, diffs, 4, "testify printed its reflection diffs")

	// Equal tokens are equal, to testify and to ==.
	assert.Equal(t, a, gateway.NewToken("Bot "+testToken))
	assert.True(t, a == gateway.NewToken("Bot "+testToken))
	assert.NotEqual(t, a, b)
}

// TestTokenRevealAndDecode: Reveal gives back what NewToken got, the zero
// Token is empty, a configuration file can carry a token (UnmarshalText),
// and decoding what encoding a Token produced fails instead of yielding
// the placeholder as a token.
func TestTokenRevealAndDecode(t *testing.T) {
	tok := gateway.NewToken("Bot " + testToken)
	assert.Equal(t, "Bot "+testToken, tok.Reveal())
	assert.False(t, tok.IsZero())
	assert.True(t, gateway.Token{}.IsZero())
	assert.Empty(t, gateway.Token{}.Reveal())

	var cfg struct{ Token gateway.Token }
	require.NoError(t, json.Unmarshal([]byte(`{"Token":"Bot `+testToken+`"}`), &cfg))
	assert.Equal(t, tok, cfg.Token)
	out, err := json.Marshal(cfg)
	require.NoError(t, err)
	err = json.Unmarshal(out, &cfg)
	require.Error(t, err, "decoding a redacted token")
	assert.Contains(t, err.Error(), "placeholder")
	leakChecker(t, tokenSecret)("the decode error", err.Error())
}

// TestTokenReachesOnlyThePayloads: a Client made with a Token's revealed
// value sends it in Identify and Resume (without "Bot "), and the encoded
// Session does not hold it.
func TestTokenReachesOnlyThePayloads(t *testing.T) {
	check := leakChecker(t, tokenSecret)
	tok := gateway.NewToken("Bot " + testToken)
	c := newClient(t, gateway.WithToken(tok.Reveal()))
	w := &wire{}
	process(t, c, w, hello)
	assert.Equal(t, testToken, w.last(t)["d"].(map[string]any)["token"], "Identify")
	process(t, c, w, ready)
	sess := c.Session()
	b, err := sess.MarshalBinary()
	require.NoError(t, err)
	check("encoded session", string(b))
	r := newClient(t, gateway.WithToken(tok.Reveal()), gateway.WithSession(sess))
	process(t, r, w, hello)
	assert.Equal(t, testToken, w.last(t)["d"].(map[string]any)["token"], "Resume")
}
