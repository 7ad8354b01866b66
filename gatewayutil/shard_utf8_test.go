package gatewayutil_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/opcode"
)

// awaitCloseCode reads the client's frames until its close frame and
// returns the code; 0 if none came.
func awaitCloseCode(c *gwConn, timeout time.Duration) int {
	_ = c.nc.SetReadDeadline(time.Now().Add(timeout))
	for {
		msgs, err := wsutil.ReadClientMessage(c.nc, nil)
		if err != nil {
			return 0
		}
		for _, m := range msgs {
			if m.OpCode == ws.OpClose {
				code, _ := ws.ParseCloseFrameData(m.Payload)
				return int(code)
			}
		}
	}
}

// A text message with invalid UTF-8 is not delivered: the shard fails the
// connection with close 1007 (RFC 6455) and resumes. Before, the message
// was delivered as if it were text.
func TestShardClosesInvalidUTF8With1007(t *testing.T) {
	var closeCode atomic.Int32
	g := startScriptedGateway(t, func(c *gwConn, n int) {
		c.hello()
		if n == 1 {
			if _, ok := c.await(int(opcode.Identify), 10*time.Second); !ok {
				return
			}
			c.ready("utf8-session", "")
			c.sendFrame(ws.OpText, true, []byte(`{"op":0,"s":2,"t":"MESSAGE_CREATE","d":{"content":"`+"\xff\xfe"+`"}}`))
			closeCode.Store(int32(awaitCloseCode(c, 10*time.Second)))
			return
		}
		if _, ok := c.await(int(opcode.Resume), 10*time.Second); ok {
			c.resumed(2)
		}
		c.drain(10 * time.Second)
	})
	var delivered atomic.Int32
	sh, err := gatewayutil.NewShard(gatewayutil.Config{
		Token:   gateway.NewToken("Bot utf8-test"),
		Intents: intents.Guilds,
		URL:     g.URL(),
		Backoff: gatewayutil.Backoff{Base: 10 * time.Millisecond, Max: 50 * time.Millisecond},
		Sink: gatewayutil.EventSinkFunc(func(ctx context.Context, e *gatewayutil.Event) error {
			if e.Type == "MESSAGE_CREATE" {
				delivered.Add(1)
			}
			return nil
		}),
	})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- sh.Run(context.Background()) }()
	waitUntil(t, 15*time.Second, "the resume", func() bool { return sh.Status().Resumes == 1 })
	_, err = sh.Close(context.Background(), closecode.Normal)
	require.NoError(t, err)
	require.NoError(t, <-done)
	assert.EqualValues(t, 1007, closeCode.Load(), "closed with 1007")
	assert.Zero(t, delivered.Load(), "the invalid message was not delivered")
}
