package gatewayutil_test

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
)

// A shard that cannot connect says so at warning level, with the cause,
// once failures repeat, and only once however fast they come; Status
// carries the last error, when it happened and the failure count.
func TestShardRepeatedFailuresWarnOnce(t *testing.T) {
	// A port nothing listens on: every dial is refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	logs := &shardLogBuffer{}
	sh, err := gatewayutil.NewShard(gatewayutil.Config{
		Token:   gateway.NewToken("Bot " + testToken),
		Intents: intents.Guilds,
		URL:     "ws://" + addr,
		Backoff: gatewayutil.Backoff{Base: time.Millisecond, Max: 5 * time.Millisecond},
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- sh.Run(ctx) }()
	waitUntil(t, 10*time.Second, "20 failed attempts", func() bool { return sh.Status().Failures >= 20 })
	// Before stopping it: the stop cancels the dial in progress, and that
	// becomes the last error.
	st := sh.Status()
	cancel()
	<-errc

	out := logs.String()
	require.Equal(t, 1, strings.Count(out, "level=WARN"), "one warning for the whole storm:\n%s", out)
	require.Contains(t, out, "keep failing")
	require.Contains(t, out, "refused", "the warning names the cause")
	require.NotContains(t, out, testToken)

	require.Error(t, st.LastError)
	require.Contains(t, st.LastError.Error(), "refused")
	require.WithinDuration(t, time.Now(), st.LastErrorAt, 10*time.Second)
	require.GreaterOrEqual(t, st.Failures, 20)
	require.Zero(t, st.Connections, "no connection was ever opened")
}

// A connection that stayed up for StableAfter resets the failure count; one
// that ended sooner counts as a failure even though it reached READY.
func TestShardStableAfterResetsBackoff(t *testing.T) {
	for _, tc := range []struct {
		name         string
		stableAfter  time.Duration
		wantFailures int
	}{
		{"stable", 20 * time.Millisecond, 0},
		{"young", time.Hour, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startShardEmulator(t, gatewaytest.Config{})
			ts := runShard(t, srv, func(c *gatewayutil.Config) { c.StableAfter = tc.stableAfter })
			ts.waitConnected(t)
			if tc.wantFailures == 0 {
				time.Sleep(4 * tc.stableAfter) // outlive StableAfter
			}
			require.NoError(t, ts.liveConn(t).InjectClose(closecode.UnknownError))
			waitUntil(t, 10*time.Second, "a resume", func() bool {
				st := ts.Status()
				return st.Resumes == 1 && st.State == gatewayutil.ShardConnected
			})
			st := ts.Status()
			require.Equal(t, tc.wantFailures, st.Failures)
			require.ErrorContains(t, st.LastError, "4000")
		})
	}
}
