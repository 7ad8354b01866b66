package gatewayutil_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/opcode"
)

// TestShardRedactsTokenEchoedInCloseReason: a hostile gateway closes right
// after Identify with the token in its close reason. The shard's error, its
// Status and its logs show the reason with the token replaced.
func TestShardRedactsTokenEchoedInCloseReason(t *testing.T) {
	gw := startScriptedGateway(t, func(c *gwConn, n int) {
		c.hello()
		if _, ok := c.await(int(opcode.Identify), 5*time.Second); !ok {
			return
		}
		reason := "bad token " + secretToken
		c.sendFrame(ws.OpClose, true, ws.NewCloseFrameBody(ws.StatusCode(closecode.UnknownError), reason))
		c.drain(time.Second)
	})
	var logs bytes.Buffer
	sh, err := gatewayutil.NewShard(gatewayutil.Config{
		Token:        gateway.NewToken("Bot " + secretToken),
		Intents:      intents.Guilds,
		URL:          gw.URL(),
		AllowPlainWS: true,
		Logger:       slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Backoff:      gatewayutil.Backoff{Base: time.Hour, Max: time.Hour},
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- sh.Run(ctx) }()
	waitUntil(t, 10*time.Second, "the close to be seen", func() bool { return sh.Status().LastError != nil })
	cancel()
	<-done
	last := sh.Status().LastError.Error()
	require.Contains(t, last, "bad token [REDACTED]", "the reason is kept, without the token")
	requireNoToken(t, "Status().LastError", last)
	requireNoToken(t, "the shard's logs", logs.String())
}
