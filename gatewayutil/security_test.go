package gatewayutil_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/opcode"
)

// secretToken is the token of the security tests. Its last segment is
// distinctive enough that finding it anywhere means the token leaked.
const (
	secretToken = "c2VjdXJpdHktdGVzdA.c2VjcmV0.TUFZLU5FVkVSLUFQUEVBUi1JTi1BTlktT1VUUFVU"
	secretPart  = "TUFZLU5FVkVSLUFQUEVBUi1JTi1BTlktT1VUUFVU"
)

// leakWatch gathers every piece of text a test produced, to check that the
// token is in none.
type leakWatch struct {
	mu    sync.Mutex
	texts []string
	logs  bytes.Buffer
}

func (w *leakWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.logs.Write(p)
}

// add records the text forms of values: every fmt verb that could reveal
// a field, and JSON.
func (w *leakWatch) add(vs ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, v := range vs {
		if v == nil {
			continue
		}
		w.texts = append(w.texts, fmt.Sprintf("%v|%+v|%#v|%s|%q", v, v, v, v, v))
		if err, ok := v.(error); ok {
			for e := err; e != nil; e = errors.Unwrap(e) {
				w.texts = append(w.texts, e.Error())
			}
		}
		if b, err := json.Marshal(v); err == nil {
			w.texts = append(w.texts, string(b))
		}
	}
}

// status records a shard's status and String output.
func (w *leakWatch) status(sh *gatewayutil.Shard) gatewayutil.Status {
	st := sh.Status()
	w.add(st, st.String(), st.LastError, sh.String(), sh.Session(), sh.Session().String())
	return st
}

func (w *leakWatch) requireNoLeak(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	all := append([]string{w.logs.String()}, w.texts...)
	for _, s := range all {
		for _, secret := range []string{secretToken, secretPart} {
			if i := strings.Index(s, secret); i >= 0 {
				t.Fatalf("the token leaked: ...%s...", s[max(0, i-200):min(len(s), i+len(secret)+50)])
			}
		}
	}
	require.Greater(t, w.logs.Len(), 1000, "debug logs were written")
}

// logger returns a debug-level logger writing text and JSON records to w.
func (w *leakWatch) logger() *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelDebug, AddSource: true}
	return slog.New(multiHandler{slog.NewTextHandler(w, opts), slog.NewJSONHandler(w, opts)})
}

// multiHandler sends each record to several handlers.
type multiHandler []slog.Handler

func (m multiHandler) Enabled(ctx context.Context, l slog.Level) bool { return true }

func (m multiHandler) Handle(ctx context.Context, r slog.Record) error {
	for _, h := range m {
		_ = h.Handle(ctx, r.Clone())
	}
	return nil
}

func (m multiHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(multiHandler, len(m))
	for i, h := range m {
		out[i] = h.WithAttrs(as)
	}
	return out
}

func (m multiHandler) WithGroup(name string) slog.Handler {
	out := make(multiHandler, len(m))
	for i, h := range m {
		out[i] = h.WithGroup(name)
	}
	return out
}

// TestTokenNeverLeaks runs shards and a Manager at debug level through
// identify, every kind of resume, op 9 both ways, a zombie connection, a
// close with a resumable code and a new shard resuming the session, a
// resume of an unknown session, a wrong token (4004) and the REST call of a
// Manager with a wrong token, and checks that the token is nowhere: not in
// the logs (text and JSON), the errors, Status, String outputs, Sessions or
// printed configurations. The emulator's own logs and records are checked
// too.
func TestTokenNeverLeaks(t *testing.T) {
	w := &leakWatch{}
	srv, err := gatewaytest.NewServer(gatewaytest.Config{
		Tokens: []string{secretToken}, Guilds: 2,
		TimeScale: 0.01, HeartbeatGrace: 40 * time.Second, Logger: w.logger(),
	})
	require.NoError(t, err)
	require.NoError(t, srv.Start(context.Background()))
	defer srv.Close()
	scaled := func(d time.Duration) time.Duration { return d / 100 }

	cfg := gatewayutil.Config{
		Token:              gateway.NewToken("Bot " + secretToken),
		Intents:            intents.Guilds | intents.GuildMessages,
		URL:                srv.URL(),
		Logger:             w.logger(),
		ResumeURLPolicy:    gatewayutil.LoopbackResumeURLs,
		HelloTimeout:       2 * time.Second,
		ReadyTimeout:       3 * time.Second,
		CloseTimeout:       time.Second,
		CommandWindow:      scaled(time.Minute),
		Backoff:            gatewayutil.Backoff{Base: 10 * time.Millisecond, Max: 100 * time.Millisecond},
		ReidentifyDelayMin: 10 * time.Millisecond,
		ReidentifyDelayMax: 20 * time.Millisecond,
	}
	w.add(cfg, cfg.String(), cfg.Token, &cfg)
	sh, err := gatewayutil.NewShard(cfg)
	require.NoError(t, err)
	runErr := make(chan error, 1)
	go func() { runErr <- sh.Run(context.Background()) }()
	connected := func(what string, ok func(st gatewayutil.Status) bool) {
		t.Helper()
		waitUntil(t, 15*time.Second, what, func() bool {
			st := w.status(sh)
			return st.State == gatewayutil.ShardConnected && ok(st)
		})
	}
	connected("READY", func(st gatewayutil.Status) bool { return st.Identifies == 1 })
	live := func() *gatewaytest.Conn {
		id := sh.Session().ID
		for _, s := range srv.Sessions() {
			if s.ID() == id && s.Conn() != nil {
				return s.Conn()
			}
		}
		t.Fatal("no live connection")
		return nil
	}
	resumes := int64(0)
	for _, fault := range []func(c *gatewaytest.Conn) error{
		func(c *gatewaytest.Conn) error { return c.InjectInvalidSession(true) },
		(*gatewaytest.Conn).DropTCP,
		(*gatewaytest.Conn).InjectReconnect,
		func(c *gatewaytest.Conn) error { return c.InjectClose(closecode.UnknownError) },
		func(c *gatewaytest.Conn) error { return c.WithholdACKs(true) },
	} {
		require.NoError(t, fault(live()))
		resumes++
		connected("a resume", func(st gatewayutil.Status) bool { return st.Resumes == resumes })
	}
	assert.EqualValues(t, 1, sh.Status().Zombies, "the withheld ACKs made a zombie")
	require.NoError(t, live().InjectInvalidSession(false))
	connected("a new identify after op 9 false", func(st gatewayutil.Status) bool { return st.Identifies == 2 })
	sess, err := sh.Close(context.Background(), closecode.Resumable)
	require.NoError(t, err)
	w.add(sess, err, <-runErr)
	w.status(sh)

	// A new shard resumes the session, then one resumes a session the
	// gateway does not know (op 9, identify).
	for _, s := range []gateway.Session{sess, {ID: "no-such-session", Seq: 7, ShardCount: 1}} {
		c := cfg
		c.Session = s
		sh2, err := gatewayutil.NewShard(c)
		require.NoError(t, err)
		go func() { runErr <- sh2.Run(context.Background()) }()
		waitUntil(t, 15*time.Second, "the second shard connected", func() bool {
			return w.status(sh2).State == gatewayutil.ShardConnected
		})
		s2, err := sh2.Close(context.Background(), closecode.Normal)
		w.add(s2, err, <-runErr)
		w.status(sh2)
	}

	// A wrong token: 4004, fatal.
	bad := cfg
	bad.Token = gateway.NewToken("Bot " + secretToken + "x")
	sh3, err := gatewayutil.NewShard(bad)
	require.NoError(t, err)
	err = sh3.Run(context.Background())
	require.ErrorIs(t, err, gateway.CodeError(closecode.AuthenticationFailed))
	w.add(err)
	w.status(sh3)

	// A Manager: GET /gateway/bot with a wrong token, then a real run.
	mcfg := gatewayutil.ManagerConfig{Shard: bad, APIBase: srv.APIURL(), IdentifyWindow: scaled(5 * time.Second), Logger: w.logger()}
	m, err := gatewayutil.NewManager(mcfg)
	require.NoError(t, err)
	err = m.Start(context.Background())
	require.Error(t, err)
	w.add(err, mcfg, &mcfg)
	mcfg.Shard = cfg
	m, err = gatewayutil.NewManager(mcfg)
	require.NoError(t, err)
	require.NoError(t, m.Start(context.Background()))
	waitUntil(t, 15*time.Second, "the manager's shard", func() bool {
		st := m.Status()
		return len(st) == 1 && st[0].State == gatewayutil.ShardConnected
	})
	require.NoError(t, m.Restart(context.Background(), 0))
	require.NoError(t, m.Shutdown(context.Background()))
	for _, st := range m.Status() {
		w.add(st, st.String(), st.LastError)
	}
	w.add(mcfg, &mcfg)

	// The emulator's records hold the token only as its redacting type.
	for _, c := range srv.Conns() {
		r := c.Record()
		w.add(r, r.String())
		if r.Identify != nil {
			w.add(r.Identify, *r.Identify, string(r.Identify.Raw))
		}
	}
	w.requireNoLeak(t)
}

// resumeURLRun runs a shard whose gateway hands out resumeURL in READY and
// then sends op 7, and reports where the shard went to resume: every
// address it dialed, and the gateway's connections.
func resumeURLRun(t *testing.T, resumeURL string, policy gatewayutil.ResumeURLPolicy) (dialed []string, g *scriptedGateway, logs string) {
	t.Helper()
	var mu sync.Mutex
	var g2 *scriptedGateway
	g2 = startScriptedGateway(t, func(c *gwConn, n int) {
		c.hello()
		if n == 1 {
			if _, ok := c.await(int(opcode.Identify), 10*time.Second); !ok {
				return
			}
			u := strings.ReplaceAll(resumeURL, "$SELF", g2.Addr())
			c.ready("url-session", u)
			c.sendEnv(opcode.Reconnect, 0, "", "")
		} else if d, ok := c.await(int(opcode.Resume), 10*time.Second); ok {
			var r struct {
				SessionID string `json:"session_id"`
				Seq       int64
			}
			_ = json.Unmarshal(d, &r)
			if r.SessionID == "url-session" {
				c.resumed(r.Seq + 1)
			}
		}
		c.drain(20 * time.Second)
	})
	g = g2
	buf := &shardLogBuffer{}
	sh, err := gatewayutil.NewShard(gatewayutil.Config{
		Token:           gateway.NewToken(secretToken),
		Intents:         intents.Guilds,
		URL:             g.URL(),
		ResumeURLPolicy: policy,
		Logger:          slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Backoff:         gatewayutil.Backoff{Base: 10 * time.Millisecond, Max: 50 * time.Millisecond},
		NetDial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			mu.Lock()
			dialed = append(dialed, addr)
			mu.Unlock()
			host, _, _ := net.SplitHostPort(addr)
			if ip := net.ParseIP(host); ip == nil || !ip.Equal(net.IPv4(127, 0, 0, 1)) {
				// Tests never leave 127.0.0.1.
				return nil, fmt.Errorf("no network in tests: %s", addr)
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- sh.Run(context.Background()) }()
	waitUntil(t, 15*time.Second, "the resume", func() bool { return sh.Status().Resumes == 1 })
	_, err = sh.Close(context.Background(), closecode.Normal)
	require.NoError(t, err)
	require.NoError(t, <-done)
	mu.Lock()
	defer mu.Unlock()
	return append([]string(nil), dialed...), g, buf.String()
}

// READY's resume_gateway_url comes from the server. With the default
// policy, a URL that is not wss:// on a Discord host (on its default port,
// without user info) is never dialed, whatever it looks like: the shard
// resumes on the gateway URL it was configured with, and says why in the
// logs.
func TestResumeURLRefusesHostileURLs(t *testing.T) {
	evil := startScriptedGateway(t, func(c *gwConn, n int) { c.hello(); c.drain(5 * time.Second) })
	for _, hostile := range []string{
		"ws://" + evil.Addr(),
		"wss://" + evil.Addr(),
		"ws://$SELF", // even the gateway's own address, over plain ws://
		"wss://evil.example",
		"wss://gateway.discord.gg.evil.example",
		"wss://discord.gg@evil.example",
		"wss://gateway.discord.gg@" + evil.Addr(),
		"wss://evil.example/gateway.discord.gg",
		"wss://evil.example?h=gateway.discord.gg",
		"ws://gateway.discord.gg",
		"wss://gateway.discord.gg:8443",
		"https://gateway.discord.gg",
		"wss://xn--discord-gg-1234.example",
		"javascript:alert(1)",
		"wss://",
		"",
	} {
		t.Run(hostile, func(t *testing.T) {
			dialed, g, logs := resumeURLRun(t, hostile, gatewayutil.DiscordResumeURLs)
			for _, a := range dialed {
				assert.Equal(t, g.Addr(), a, "the shard dialed %s", a)
			}
			assert.Len(t, dialed, 2, "identify, then resume on the configured URL")
			assert.Equal(t, []string{"/", "/"}, g.Paths())
			if hostile != "" {
				assert.Contains(t, logs, "resume_gateway_url", "the refusal is logged")
			}
		})
	}
	assert.Zero(t, evil.conns.Load(), "nobody connected to the hostile host")
}

// What the policy allows is followed: a Discord host with the default
// policy (dialed first; here the dial fails, as the test has no network,
// and the shard falls back to the configured URL), loopback with
// LoopbackResumeURLs, any host a custom policy allows.
func TestResumeURLFollowsAllowedURLs(t *testing.T) {
	t.Run("discord host", func(t *testing.T) {
		dialed, g, _ := resumeURLRun(t, "wss://gateway-us-east1-b.discord.gg", gatewayutil.DiscordResumeURLs)
		require.Len(t, dialed, 3)
		assert.Equal(t, []string{g.Addr(), "gateway-us-east1-b.discord.gg:443", g.Addr()}, dialed)
	})
	t.Run("loopback allowed by the configuration", func(t *testing.T) {
		dialed, g, _ := resumeURLRun(t, "ws://$SELF/resume-here", gatewayutil.LoopbackResumeURLs)
		assert.Equal(t, []string{g.Addr(), g.Addr()}, dialed)
		assert.Equal(t, []string{"/", "/resume-here"}, g.Paths(), "the resume went to resume_gateway_url")
	})
	t.Run("a host a custom policy allows", func(t *testing.T) {
		other := startScriptedGateway(t, func(c *gwConn, n int) {
			c.hello()
			if _, ok := c.await(int(opcode.Resume), 10*time.Second); ok {
				c.resumed(2)
			}
			c.drain(10 * time.Second)
		})
		allowOther := func(u *url.URL) bool { return u.Scheme == "ws" && u.Host == other.Addr() }
		dialed, g, _ := resumeURLRun(t, "ws://"+other.Addr()+"/other", allowOther)
		assert.Equal(t, []string{g.Addr(), other.Addr()}, dialed)
		assert.Equal(t, []string{"/other"}, other.Paths())
	})
}

// The emulator and the standalone programs listen on loopback unless told
// otherwise.
func TestEmulatorListensOnLoopback(t *testing.T) {
	srv, err := gatewaytest.NewServer(gatewaytest.Config{})
	require.NoError(t, err)
	defer srv.Close()
	addr, ok := srv.Addr().(*net.TCPAddr)
	require.True(t, ok)
	assert.True(t, addr.IP.Equal(net.IPv4(127, 0, 0, 1)), "listening on %v", addr)
	for _, u := range []string{srv.URL(), srv.ResumeURL(), srv.APIURL()} {
		pu, err := url.Parse(u)
		require.NoError(t, err)
		assert.Equal(t, "127.0.0.1", pu.Hostname(), u)
	}
	assert.Equal(t, "127.0.0.1:0", srv.Config().Addr)
}
