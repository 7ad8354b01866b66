package gatewayutil_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// Before the first heartbeat ACK the latency is unknown, and HasLatency says
// so; after it, the latency is measured, even if it rounds to 0.
func TestStatusHasLatency(t *testing.T) {
	require.False(t, gatewayutil.Status{}.HasLatency())
	require.True(t, gatewayutil.Status{Latencies: []time.Duration{0}}.HasLatency(), "a measured 0 is a latency")
	require.Contains(t, gatewayutil.Status{}.String(), "latency n/a")
	require.Contains(t, gatewayutil.Status{Latency: 3 * time.Millisecond, Latencies: []time.Duration{3 * time.Millisecond}}.String(), "latency 3ms")

	srv := startShardEmulator(t, gatewaytest.Config{Guilds: 1})
	ts := runShard(t, srv, nil)
	ts.waitConnected(t)
	if st := ts.Status(); st.HeartbeatAcks == 0 {
		require.False(t, st.HasLatency(), "no ACK yet, but a latency: %v", st)
	}
	waitUntil(t, 10*time.Second, "a heartbeat ACK", func() bool { return ts.Status().HeartbeatAcks > 0 })
	st := ts.Status()
	require.True(t, st.HasLatency())
	require.Equal(t, st.Latencies[len(st.Latencies)-1], st.Latency)
	ts.check.requireClean(t)
}
