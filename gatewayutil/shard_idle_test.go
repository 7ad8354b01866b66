package gatewayutil_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// A zlib-stream shard that goes idle (a heartbeat interval without a
// dispatch) detaches its decompressor, and events that arrive afterwards,
// small and bigger than the 32 KiB window, are decoded and delivered as if
// nothing happened.
func TestShardZlibIdleDetach(t *testing.T) {
	srv := startShardEmulator(t, gatewaytest.Config{Guilds: 2})
	ts := runShard(t, srv, func(c *gatewayutil.Config) { c.Compression = gatewayutil.CompressZlibStream })
	ts.waitConnected(t)
	ts.waitEvents(t, 3) // READY, two GUILD_CREATEs
	before := gatewayutil.ZlibDetaches()
	waitUntil(t, 10*time.Second, "the shard to detach while idle", func() bool { return gatewayutil.ZlibDetaches() > before })

	user := uint64(4242)
	for i := range 3 {
		big := make([]byte, 0, 50<<10)
		big = fmt.Appendf(big, `{"id":"%d","username":"u%d","bio":"`, user, i)
		for len(big) < (i+1)*20<<10 {
			big = fmt.Appendf(big, "word %d ", len(big))
		}
		big = append(big, `"}`...)
		require.Equal(t, 1, srv.Publish(gatewaytest.Dispatch{Type: event.UserUpdate, UserID: user, Data: big}))
		ts.waitEvents(t, 4+i)
		// Idle again before the next one.
		n := gatewayutil.ZlibDetaches()
		waitUntil(t, 10*time.Second, "another detach", func() bool { return gatewayutil.ZlibDetaches() > n })
	}
	require.Equal(t, 3, ts.check.count(event.UserUpdate))
	ts.check.mu.Lock()
	biggest := ts.check.sizes[event.UserUpdate]
	ts.check.mu.Unlock()
	require.Greater(t, biggest, 32<<10, "an event bigger than the window came after a detach")
	ts.check.requireClean(t)
	require.Zero(t, ts.Status().Reconnects, "no decompression error forced a reconnect")
}

// Every scheduled heartbeat records how late it went out, in Status and
// in the shared Config.HeartbeatLateness.
func TestShardHeartbeatLateness(t *testing.T) {
	srv := startShardEmulator(t, gatewaytest.Config{Guilds: 1})
	var late gatewayutil.Histogram
	ts := runShard(t, srv, func(c *gatewayutil.Config) { c.HeartbeatLateness = &late })
	ts.waitConnected(t)
	waitUntil(t, 10*time.Second, "three heartbeats", func() bool { return late.Count() >= 3 })
	st := ts.Status()
	require.GreaterOrEqual(t, st.HeartbeatsSent, int64(late.Count()), "every scheduled beat is counted")
	require.GreaterOrEqual(t, st.HeartbeatLate, time.Duration(0))
	require.LessOrEqual(t, late.Quantile(0.5), late.Max())
	require.Positive(t, late.Max(), "a beat cannot go out before its time")
}
