package gatewayutil_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// The stall watchdog: heartbeats acknowledged but no dispatch for
// StallIntervals intervals sets Stalled; a dispatch clears it.
func TestShardStallWatchdog(t *testing.T) {
	srv := startShardEmulator(t, gatewaytest.Config{Guilds: 1})
	ts := runShard(t, srv, func(c *gatewayutil.Config) { c.StallIntervals = 2 })
	ts.waitConnected(t)
	ts.waitEvents(t, 2) // READY, GUILD_CREATE
	require.False(t, ts.Status().Stalled)
	first := ts.Status().LastDispatch
	require.False(t, first.IsZero())
	waitUntil(t, 5*time.Second, "the watchdog to notice", func() bool { return ts.Status().Stalled })
	st := ts.Status()
	require.Equal(t, gatewayutil.ShardConnected, st.State, "a stalled shard keeps running")
	require.GreaterOrEqual(t, st.HeartbeatAcks, int64(2))
	require.Contains(t, ts.logs.String(), "no dispatch arrived")

	n := srv.Publish(gatewaytest.Dispatch{Type: "USER_UPDATE", UserID: 42, Data: []byte(`{"id":"42","username":"someone"}`)})
	require.Equal(t, 1, n, "the event reached the shard's session")
	waitUntil(t, 5*time.Second, "the watchdog to clear", func() bool { return !ts.Status().Stalled })
	require.True(t, ts.Status().LastDispatch.After(first))
	ts.check.requireClean(t)
}
