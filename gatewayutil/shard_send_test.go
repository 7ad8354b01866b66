package gatewayutil_test

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/opcode"
	"github.com/gatewaykit/gateway/ratelimit"
)

// Shards sharing an identify limiter never identify two at a time in one
// bucket, as the emulator's records confirm.
func TestShardsShareIdentifyLimiter(t *testing.T) {
	const shards = 6
	// A 500 ms window (time scale 0.1): scheduling delays on a loaded
	// machine stay small beside it.
	const scale = 0.1
	srv := startShardEmulator(t, gatewaytest.Config{Guilds: 12, Shards: shards, MaxConcurrency: 2, TimeScale: scale})
	window := time.Duration(float64(ratelimit.DefaultIdentifyWindow) * scale)
	// The emulator times an identify when it arrives; the limiter when it
	// was sent. Leave a margin for the delays in between, measured.
	margin := timingMargin(t, window)
	lim, err := ratelimit.NewLocalIdentifyLimiter(2, ratelimit.WithIdentifyWindow(window+margin))
	require.NoError(t, err)
	var all []*testShard
	for id := range shards {
		all = append(all, runShard(t, srv, func(c *gatewayutil.Config) {
			c.ShardID, c.ShardCount = id, shards
			c.IdentifyLimiter = lim
		}))
	}
	for _, ts := range all {
		ts.waitConnected(t)
	}
	// From the emulator's records: identifies of one bucket arrive at
	// least a window apart, and none was refused.
	st := srv.Stats()
	require.Zero(t, st.IdentifyRefused, "no identify was refused for concurrency")
	for _, ts := range all {
		ts.check.requireClean(t)
		require.Equal(t, int64(1), ts.Status().Identifies)
	}
	lastByBucket := map[int]time.Time{}
	conns := srv.Conns()
	sort.Slice(conns, func(i, j int) bool { return conns[i].Record().Identify.Time.Before(conns[j].Record().Identify.Time) })
	for _, c := range conns {
		rec := c.Record()
		require.Empty(t, rec.Violations)
		b := rec.Identify.Shard[0] % 2
		if last, ok := lastByBucket[b]; ok {
			require.GreaterOrEqual(t, rec.Identify.Time.Sub(last), window, "bucket %d identified twice within a window", b)
		}
		lastByBucket[b] = rec.Identify.Time
	}
	ls := lim.Stats()
	require.Equal(t, shards, ls.Granted)
	require.Equal(t, shards, ls.Succeeded, "every ticket was released on READY")
	for _, c := range srv.Conns() {
		rec := c.Record()
		require.NotNil(t, rec.Identify)
		require.Len(t, rec.Identify.Shard, 2)
		require.Equal(t, shards, rec.Identify.Shard[1])
	}
}

// An exhausted daily budget stops Run rather than risk a token reset.
func TestShardIdentifyBudgetExhausted(t *testing.T) {
	srv := startShardEmulator(t, gatewaytest.Config{})
	lim, err := ratelimit.NewLocalIdentifyLimiter(1, ratelimit.WithSessionStartLimit(ratelimit.SessionStartLimit{Total: 1000, Remaining: 0, ResetAfter: time.Hour, MaxConcurrency: 1}))
	require.NoError(t, err)
	ts := runShard(t, srv, func(c *gatewayutil.Config) { c.IdentifyLimiter = lim })
	var err2 error
	select {
	case err2 = <-ts.errc:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
	require.ErrorIs(t, err2, ratelimit.ErrBudgetExhausted)
	for _, c := range srv.Conns() {
		require.Nil(t, c.Record().Identify, "no identify was sent")
	}
}

func TestShardSend(t *testing.T) {
	srv := startShardEmulator(t, gatewaytest.Config{Guilds: 2})
	ts := runShard(t, srv, nil)
	ctx := context.Background()

	// Send waits for the connection to be ready.
	presence := []byte(`{"since":null,"activities":[],"status":"idle","afk":false}`)
	require.NoError(t, ts.Send(ctx, opcode.PresenceUpdate, presence))
	c := ts.liveConn(t)
	waitUntil(t, 5*time.Second, "the command to arrive", func() bool {
		for _, cmd := range c.Record().Commands {
			if cmd.Op == opcode.PresenceUpdate {
				return true
			}
		}
		return false
	})

	big := []byte(`{"since":null,"activities":[{"name":"` + strings.Repeat("x", 4100) + `","type":0}],"status":"idle","afk":false}`)
	require.ErrorIs(t, ts.Send(ctx, opcode.PresenceUpdate, big), gateway.ErrPayloadTooLarge)
	require.ErrorIs(t, ts.Send(ctx, opcode.Identify, []byte(`{}`)), gateway.ErrNotCommand)
	require.ErrorIs(t, ts.Send(ctx, opcode.Heartbeat, []byte(`1`)), gateway.ErrNotCommand)
	require.Error(t, ts.Send(ctx, opcode.PresenceUpdate, []byte(`{not json`)))
	require.Empty(t, c.Record().Violations)
}

// A flood of commands is held to the limit, with room left for
// heartbeats: the connection survives and the emulator never sees more
// than the limit in a window.
func TestShardSendRateLimit(t *testing.T) {
	srv := startShardEmulator(t, gatewaytest.Config{Guilds: 2})
	// The shard pads the window by 5% for network delays: 3 s of Discord's
	// 60 s, but only 30 ms at this time scale, less than the emulator's
	// stamping lag on a loaded machine. Pad it by the measured lag instead.
	window := time.Duration(float64(60*time.Second) * testScale)
	ts := runShard(t, srv, func(c *gatewayutil.Config) { c.CommandWindow = window + timingMargin(t, window) })
	ts.waitConnected(t)
	c := ts.liveConn(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	presence := []byte(`{"since":null,"activities":[],"status":"online","afk":false}`)
	var wg sync.WaitGroup
	var mu sync.Mutex
	sent := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if err := ts.Send(ctx, opcode.PresenceUpdate, presence); err != nil {
					return
				}
				mu.Lock()
				sent++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	rec := c.Record()
	require.False(t, c.Closed(), "not disconnected for rate limiting")
	require.Empty(t, rec.Violations)
	require.LessOrEqual(t, rec.MaxCommandsPerWindow, 120)
	require.Greater(t, sent, 200, "the flood went on for several windows")
	require.Equal(t, int64(1), ts.Status().Connections)
	require.GreaterOrEqual(t, rec.HeartbeatCount, 3, "heartbeats went through the flood")
}

// The token never shows up in logs at debug level, errors, Status or
// String, through identify, resume, failure and close.
func TestShardTokenNeverLeaks(t *testing.T) {
	srv := startShardEmulator(t, trafficConfig)
	logs := &shardLogBuffer{}
	ts := runShard(t, srv, func(c *gatewayutil.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	ts.waitEvents(t, 30)
	require.NoError(t, ts.liveConn(t).InjectReconnect())
	waitUntil(t, 5*time.Second, "resume", func() bool { return ts.Status().Resumes == 1 })
	require.NoError(t, ts.liveConn(t).InjectClose(closecode.InvalidSeq))
	waitUntil(t, 5*time.Second, "identify", func() bool { return ts.Status().Identifies == 2 })
	require.NoError(t, ts.liveConn(t).InjectClose(closecode.AuthenticationFailed))
	err := <-ts.errc
	require.Error(t, err)
	sess, _ := ts.Close(context.Background(), closecode.Normal)
	everything := strings.Join([]string{
		logs.String(), err.Error(), fmt.Sprintf("%v %+v %#v", err, err, err),
		fmt.Sprintf("%v %+v", ts.Status(), ts.Status()), ts.String(), fmt.Sprintf("%+v", sess),
	}, "\n")
	require.Contains(t, logs.String(), "identify sent", "debug logs were captured")
	require.NotContains(t, everything, testToken)
	require.NotContains(t, everything, testToken[:24], "not even the token's first part")
}
