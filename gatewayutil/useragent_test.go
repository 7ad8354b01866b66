package gatewayutil_test

import (
	"context"
	"net"
	"net/http"
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
)

// userAgentRun serves the emulator behind a handler that records the
// User-Agent of every WebSocket upgrade, runs a shard with the given
// configured user agent until READY, and returns what the emulator saw.
func userAgentRun(t *testing.T, configured string) []string {
	t.Helper()
	srv, err := gatewaytest.NewServer(gatewaytest.Config{TimeScale: 0.01})
	require.NoError(t, err)
	require.NoError(t, srv.Start(context.Background()))
	t.Cleanup(func() { srv.Close() })

	var mu sync.Mutex
	var seen []string
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("User-Agent"))
		mu.Unlock()
		srv.ServeHTTP(w, r)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })

	sh, err := gatewayutil.NewShard(gatewayutil.Config{
		Token:     gateway.NewToken("Bot user-agent-test"),
		Intents:   intents.Guilds,
		URL:       "ws://" + ln.Addr().String(),
		UserAgent: configured,
	})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- sh.Run(context.Background()) }()
	waitUntil(t, 10*time.Second, "READY", func() bool { return sh.Status().State == gatewayutil.ShardConnected })
	_, err = sh.Close(context.Background(), closecode.Normal)
	require.NoError(t, err)
	require.NoError(t, <-done)
	mu.Lock()
	defer mu.Unlock()
	return append([]string(nil), seen...)
}

// Without a configured user agent the upgrade carries the library's own:
// an independent Discord-compatible server closes connections without one
// (4002). Before, nothing was sent.
func TestShardSendsUserAgentByDefault(t *testing.T) {
	seen := userAgentRun(t, "")
	require.NotEmpty(t, seen)
	for _, ua := range seen {
		assert.Equal(t, gatewayutil.UserAgent, ua)
	}
	assert.Regexp(t, `^DiscordBot \(https://github\.com/gatewaykit/gateway, [0-9]+\.[0-9]+\.[0-9]+\)$`, gatewayutil.UserAgent)
}

// A configured user agent replaces it.
func TestShardSendsConfiguredUserAgent(t *testing.T) {
	seen := userAgentRun(t, "MyBot (https://example.com, 2.0)")
	require.NotEmpty(t, seen)
	for _, ua := range seen {
		assert.Equal(t, "MyBot (https://example.com, 2.0)", ua)
	}
}
