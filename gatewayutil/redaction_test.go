package gatewayutil_test

import (
	"bytes"
	"encoding"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/internal/testenv"
)

// leakForms are the forms the token could take in printed text: as is, and
// hex-encoded either case (%x, %X), with and without "Bot ".
func leakForms() []string {
	return []string{
		secretPart,
		hex.EncodeToString([]byte(secretPart)),
		strings.ToUpper(hex.EncodeToString([]byte(secretPart))),
	}
}

// requireNoToken fails if s holds the token in any of its forms.
func requireNoToken(t *testing.T, what, s string) {
	t.Helper()
	for _, f := range leakForms() {
		if i := strings.Index(s, f); i >= 0 {
			t.Fatalf("%s leaks the token: ...%s...", what, s[max(0, i-80):min(len(s), i+len(f)+20)])
		}
	}
}

// fmtVerbs are the verbs that print a value's content.
var fmtVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3v", "%-x"}

// redactionSubjects builds every value that holds the token: the token
// itself, the configurations, a Shard, a Manager, the emulator's Config and
// Server, and structs holding them in exported and unexported fields.
func redactionSubjects(t *testing.T) map[string]any {
	t.Helper()
	tok := gateway.NewToken("Bot " + secretToken)
	cfg := gatewayutil.Config{Token: tok, Intents: intents.Guilds, URL: "wss://gateway.discord.gg"}
	sh, err := gatewayutil.NewShard(cfg)
	require.NoError(t, err)
	mcfg := gatewayutil.ManagerConfig{Shard: cfg}
	m, err := gatewayutil.NewManager(mcfg)
	require.NoError(t, err)
	ecfg := gatewaytest.Config{Tokens: []string{secretToken, "other"}}
	srv, err := gatewaytest.NewServer(ecfg)
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })

	type exported struct {
		Token   gateway.Token
		Config  gatewayutil.Config
		Shard   *gatewayutil.Shard
		Manager *gatewayutil.Manager
		Server  *gatewaytest.Server
	}
	// fmt prints unexported fields by reflection, without calling their
	// methods, and with %s, %q or %x it even prints what an unexported
	// pointer points to. A Shard and a Manager keep the token masked, so
	// even that shows nothing. (The emulator's Server does not: it keeps
	// its tokens in plain strings.)
	type unexported struct {
		shard   *gatewayutil.Shard
		manager *gatewayutil.Manager
	}
	return map[string]any{
		"gateway.Token":                  tok,
		"*gateway.Token":                 &tok,
		"gatewayutil.Config":             cfg,
		"*gatewayutil.Config":            &cfg,
		"gatewayutil.ManagerConfig":      mcfg,
		"*gatewayutil.Shard":             sh,
		"*gatewayutil.Manager":           m,
		"gatewaytest.Config":             ecfg,
		"*gatewaytest.Server":            srv,
		"struct with exported fields":    exported{tok, cfg, sh, m, srv},
		"struct with unexported fields":  unexported{sh, m},
		"*struct with unexported fields": &unexported{sh, m},
		"slice of shards":                []*gatewayutil.Shard{sh},
		"map of managers":                map[string]*gatewayutil.Manager{"m": m},
		"[]any":                          []any{tok, cfg, sh, m, ecfg, srv},
	}
}

// TestTokenRedactedByEveryVerb prints every value that holds the token with
// every fmt verb, in errors (wrapped and joined), and checks that the token
// shows in none, in clear or hex.
func TestTokenRedactedByEveryVerb(t *testing.T) {
	for name, v := range redactionSubjects(t) {
		for _, verb := range fmtVerbs {
			s := fmt.Sprintf(verb, v)
			requireNoToken(t, name+" with "+verb, s)
			require.NotEmpty(t, s, "%s with %s printed nothing", name, verb)
		}
		requireNoToken(t, name+" with Sprint", fmt.Sprint(v))
		requireNoToken(t, name+" with Sprintln", fmt.Sprintln(v))
		err := fmt.Errorf("starting %v (%+v, %#v): %w", v, v, v, errors.New("boom"))
		requireNoToken(t, name+" in an error", err.Error())
		requireNoToken(t, name+" in a joined error", errors.Join(err, fmt.Errorf("%s", v)).Error())
	}
}

// TestTokenRedactedInSlog logs every value that holds the token with the
// text and JSON handlers, as an attribute, in a group and with With.
func TestTokenRedactedInSlog(t *testing.T) {
	for name, v := range redactionSubjects(t) {
		var buf bytes.Buffer
		opts := &slog.HandlerOptions{Level: slog.LevelDebug}
		for _, h := range []slog.Handler{slog.NewTextHandler(&buf, opts), slog.NewJSONHandler(&buf, opts)} {
			l := slog.New(h)
			l.Info("value", "v", v)
			l.With("v", v).Debug("with")
			l.Info("group", slog.Group("g", "v", v))
			l.Info("any", slog.Any("v", v))
			l.Info(fmt.Sprint(v))
		}
		require.Greater(t, buf.Len(), 100, name)
		requireNoToken(t, name+" in slog", buf.String())
	}
}

// TestTokenRedactedByEncoders marshals every value that holds the token
// with encoding/json (and MarshalIndent), and the token, the configuration
// and the emulator's Config with the encoders that honour
// encoding.TextMarshaler (xml, gob, msgpack).
func TestTokenRedactedByEncoders(t *testing.T) {
	for name, v := range redactionSubjects(t) {
		if b, err := json.Marshal(v); err == nil {
			requireNoToken(t, name+" in JSON", string(b))
		}
		if b, err := json.MarshalIndent(v, "", " "); err == nil {
			requireNoToken(t, name+" in indented JSON", string(b))
		}
	}
	tok := gateway.NewToken("Bot " + secretToken)
	var tm encoding.TextMarshaler = tok
	b, err := tm.MarshalText()
	require.NoError(t, err)
	requireNoToken(t, "MarshalText", string(b))
	b, err = json.Marshal(map[string]any{"token": tok, "tokens": []gateway.Token{tok}})
	require.NoError(t, err)
	requireNoToken(t, "JSON", string(b))
	require.Contains(t, string(b), "[REDACTED]")
	// A Token as a map key: encoding/json writes string-kinded keys as
	// they are, but a Token is a struct, so it asks MarshalText.
	emuTok := emulatorToken(t)
	b, err = json.Marshal(map[gateway.Token]string{tok: "v"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"[REDACTED]":"v"}`, string(b))
	b, err = json.Marshal(map[gatewaytest.Token]string{emuTok: "v"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"[REDACTED]":"v"}`, string(b))

	type holder struct {
		Token gateway.Token
		Key   gatewaytest.Token
	}
	h := holder{Token: tok, Key: emuTok}
	b, err = xml.Marshal(h)
	require.NoError(t, err)
	requireNoToken(t, "XML", string(b))
	b, err = msgpack.Marshal(h)
	require.NoError(t, err)
	requireNoToken(t, "msgpack", string(b))
	var g bytes.Buffer
	require.NoError(t, gob.NewEncoder(&g).Encode(h))
	requireNoToken(t, "gob", g.String())

	// The emulator's Config still says how many tokens it holds.
	b, err = json.Marshal(gatewaytest.Config{Tokens: []string{secretToken, "x"}})
	require.NoError(t, err)
	requireNoToken(t, "gatewaytest.Config JSON", string(b))
	assert.Contains(t, string(b), `"Tokens":["[REDACTED]","[REDACTED]"]`)
}

// failureRecorder is a testify TestingT that keeps the failure messages.
type failureRecorder struct{ msgs []string }

func (r *failureRecorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

// TestTokenRedactedInTestifyFailures makes testify fail on values that hold
// the token and checks its messages. Most print the values with %#v or %v.
// Diffs and list dumps use a reflection dumper that ignores methods: a
// Token, a Config, a Shard or a Manager (and values that point to them)
// show nothing there either, because the token is kept masked in memory.
func TestTokenRedactedInTestifyFailures(t *testing.T) {
	subjects := redactionSubjects(t)
	r := &failureRecorder{}
	for _, v := range subjects {
		assert.Nil(r, v)
		assert.Empty(r, v)
		assert.Zero(r, v)
		assert.Equal(r, v, 42)
		assert.Same(r, v, &struct{}{})
		assert.NoError(r, fmt.Errorf("wrapped: %v", v))
	}
	// Equal on two different values of the same type prints both with %#v
	// and, for structs, a dump of each; ElementsMatch dumps both lists.
	other := redactionSubjects(t)
	// (The emulator's Server is left out: it holds its tokens in plain
	// strings, which a dump shows.)
	for _, k := range []string{"*gatewayutil.Shard", "*gatewayutil.Manager", "struct with unexported fields", "*struct with unexported fields"} {
		assert.Equal(r, subjects[k], other[k])
		assert.ElementsMatch(r, []any{subjects[k]}, []any{other[k]})
		assert.Contains(r, []any{1}, subjects[k])
	}
	// Configurations that differ, in their tokens among others: testify
	// prints both and a diff of their dumps.
	tok, otherTok := gateway.NewToken("Bot "+secretToken), gateway.NewToken(secretToken+"-other")
	a := gatewayutil.Config{Token: tok, Intents: intents.Guilds}
	b := gatewayutil.Config{Token: otherTok, Intents: intents.GuildMessages}
	diffsBefore := len(r.msgs)
	assert.Equal(r, a, b)
	assert.Equal(r, &a, &b)
	assert.Equal(r, gatewayutil.ManagerConfig{Shard: a}, gatewayutil.ManagerConfig{Shard: b})
	assert.Equal(r, []gateway.Token{tok}, []gateway.Token{otherTok})
	assert.Equal(r, map[gateway.Token]int{tok: 1}, map[gateway.Token]int{otherTok: 1})
	require.Len(t, r.msgs, diffsBefore+5)
	for _, m := range r.msgs[diffsBefore:] {
		assert.Contains(t, m, "Diff:", "testify printed a diff")
	}
	require.Greater(t, len(r.msgs), 6*len(subjects), "testify did fail")
	for _, m := range r.msgs {
		requireNoToken(t, "a testify failure message", m)
	}
}

// emulatorToken returns the gatewaytest.Token the emulator recorded for a
// Shard that identified with secretToken.
func emulatorToken(t *testing.T) gatewaytest.Token {
	t.Helper()
	srv, err := gatewaytest.NewServer(gatewaytest.Config{Tokens: []string{secretToken}, TimeScale: 0.01})
	require.NoError(t, err)
	require.NoError(t, srv.Start(t.Context()))
	defer srv.Close()
	sh, err := gatewayutil.NewShard(gatewayutil.Config{Token: gateway.NewToken(secretToken), Intents: intents.Guilds, URL: srv.URL()})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- sh.Run(t.Context()) }()
	_, err = srv.WaitSessions(t.Context(), 1)
	require.NoError(t, err)
	_, err = sh.Close(t.Context(), closecode.Normal)
	require.NoError(t, err)
	require.NoError(t, <-done)
	for _, c := range srv.Conns() {
		if id := c.Record().Identify; id != nil {
			require.Equal(t, secretToken, id.Token.Reveal(), "the emulator recorded the token")
			return id.Token
		}
	}
	t.Fatal("the emulator recorded no identify")
	return gatewaytest.Token{}
}

// TestEmulatorSessionRedacted prints an emulator Session, which holds the
// token its client identified with, with every verb and in slog.
func TestEmulatorSessionRedacted(t *testing.T) {
	srv, err := gatewaytest.NewServer(gatewaytest.Config{Tokens: []string{secretToken}, TimeScale: 0.01})
	require.NoError(t, err)
	require.NoError(t, srv.Start(t.Context()))
	defer srv.Close()
	sh, err := gatewayutil.NewShard(gatewayutil.Config{Token: gateway.NewToken(secretToken), Intents: intents.Guilds, URL: srv.URL()})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- sh.Run(t.Context()) }()
	sessions, err := srv.WaitSessions(t.Context(), 1)
	require.NoError(t, err)
	sess := sessions[0]
	for _, verb := range fmtVerbs {
		requireNoToken(t, "*gatewaytest.Session with "+verb, fmt.Sprintf(verb, sess))
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("s", "session", sess)
	requireNoToken(t, "*gatewaytest.Session in slog", buf.String())
	assert.Contains(t, fmt.Sprint(sess), sess.ID(), "the description names the session")
	_, err = sh.Close(t.Context(), closecode.Normal)
	require.NoError(t, err)
	require.NoError(t, <-done)
	// A Shard that identified holds nothing in clear, not even in the
	// buffers its Identify went through. (Dumped once it stopped: a
	// dump reads its fields without its locks.)
	requireNoToken(t, "a Shard that ran, dumped by reflection", testenv.RawDump(sh))
}

// TestTokenHiddenFromReflection dumps every value of this package that
// holds the token by reflection, without calling methods, as testify's
// diffs and go-cmp do: the token is masked in memory, so even that shows
// only noise. (The emulator's Config and Server are left out: they keep
// the tokens they accept in plain strings.)
func TestTokenHiddenFromReflection(t *testing.T) {
	subjects := redactionSubjects(t)
	dumped := 0
	for name, v := range subjects {
		if strings.Contains(name, "gatewaytest") || name == "struct with exported fields" || name == "[]any" {
			continue
		}
		d := testenv.RawDump(v)
		require.NotEmpty(t, d, name)
		requireNoToken(t, name+" dumped by reflection", d)
		dumped++
	}
	require.GreaterOrEqual(t, dumped, 10)
	rec := emulatorToken(t)
	requireNoToken(t, "gatewaytest.Token dumped by reflection", testenv.RawDump(struct{ T gatewaytest.Token }{rec}))
}
