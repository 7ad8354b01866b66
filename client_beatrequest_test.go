package gateway_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway"
)

// With deferred heartbeat requests the Client writes nothing for op 1; the
// driver's Heartbeat then answers it, and is not taken for a zombie: the
// op 1 itself proved the connection alive.
func TestDeferredHeartbeatRequests(t *testing.T) {
	w := &wire{}
	c := newClient(t, gateway.WithDeferredHeartbeatRequests())
	connect(t, c, w)
	process(t, c, w, mc(7))
	require.NoError(t, c.Heartbeat(w)) // a scheduled beat, unanswered
	n := len(w.payloads)
	for range 3 {
		res := process(t, c, w, msg(1, nil, nil, "null"))
		assert.Equal(t, gateway.KindHeartbeatRequest, res.Kind)
	}
	require.Len(t, w.payloads, n, "op 1 was answered by the Client")
	require.NoError(t, c.Heartbeat(w))
	require.Len(t, w.payloads, n+1)
	assert.Equal(t, map[string]any{"op": float64(1), "d": float64(7)}, w.last(t))
}
