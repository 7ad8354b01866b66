package gatewayutil_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// The hostile gateway suite: the emulator ends every session as soon as it
// started (a close, op 7, op 9), or floods heartbeat requests, and a bare
// Shard and a Manager run against it for hostileRun. Everything runs at
// hostileScale of Discord's clock, the shards' timings included, so
// hostileRun is 100 s of Discord time.
const (
	hostileScale = 0.1
	hostileRun   = 10 * time.Second
	// hostileMaxConnections bounds the connections (and so the identifies
	// and resumes) one shard may make in hostileRun when every one of them
	// dies young. Backing off from 1 s (Discord time), doubling, with full
	// jitter, a shard makes about 8 attempts in 100 s; a shard that
	// reconnects at once makes thousands. 20 is also what the identify
	// window alone allows in 100 s (one per 5 s).
	hostileMaxConnections = 20
)

// hostileScaled converts a Discord-time duration to this suite's wall time.
func hostileScaled(d time.Duration) time.Duration { return time.Duration(float64(d) * hostileScale) }

// hostileShardConfig returns Discord's default shard timing, scaled. The
// identify window's margin is the measured one: the emulator stamps
// identifies late on a loaded machine.
func hostileShardConfig(t *testing.T) func(c *gatewayutil.Config) {
	window := hostileScaled(5 * time.Second)
	margin := timingMargin(t, window)
	return func(c *gatewayutil.Config) {
		c.Backoff = gatewayutil.Backoff{Base: hostileScaled(time.Second), Max: hostileScaled(2 * time.Minute)}
		c.ReidentifyDelayMin, c.ReidentifyDelayMax = hostileScaled(time.Second), hostileScaled(5*time.Second)
		c.CommandWindow = hostileScaled(time.Minute)
		c.IdentifyWindow = window + margin
	}
}

// hostileCase is one hostile behaviour.
type hostileCase struct {
	name    string
	hostile gatewaytest.Hostile
}

var hostileAfterAuth = []hostileCase{
	{"close-4009", gatewaytest.Hostile{AfterAuth: gatewaytest.HostileClose, CloseCode: closecode.SessionTimedOut}},
	{"close-4000", gatewaytest.Hostile{AfterAuth: gatewaytest.HostileClose, CloseCode: closecode.UnknownError}},
	{"reconnect", gatewaytest.Hostile{AfterAuth: gatewaytest.HostileReconnect}},
	{"invalid-session-resumable", gatewaytest.Hostile{AfterAuth: gatewaytest.HostileInvalidSessionResumable}},
	{"invalid-session", gatewaytest.Hostile{AfterAuth: gatewaytest.HostileInvalidSession}},
}

// requireWithinBudget checks the emulator's view of a hostile run: a
// bounded number of connections and identifies, and never two identifies
// of a bucket within a window.
func requireWithinBudget(t *testing.T, srv *gatewaytest.Server, shards int) {
	t.Helper()
	st := srv.Stats()
	t.Logf("%d shard(s) in %v: %d connections, %d identifies (+%d refused), %d resumes (+%d failed), %d faults",
		shards, hostileRun, st.Connections, st.Identifies, st.IdentifyRefused, st.Resumes, st.ResumesFailed, st.FaultsInjected)
	require.Positive(t, st.FaultsInjected, "the hostile behaviour never triggered")
	require.LessOrEqual(t, st.Connections, int64(shards*hostileMaxConnections), "reconnect storm: connections not bounded by backoff")
	require.LessOrEqual(t, st.Identifies+st.IdentifyRefused, int64(shards*hostileMaxConnections), "identify storm")
	if st.IdentifyRefused > 0 {
		var ids []string
		for _, c := range srv.Conns() {
			if r := c.Record(); r.Identify != nil {
				ids = append(ids, fmt.Sprintf("%s shard %v %v", r.Identify.Time.Format("05.000"), r.Identify.Shard, r.Violations))
			}
		}
		t.Errorf("an identify came within the identify window of the previous one:\n%s", strings.Join(ids, "\n"))
	}
	require.LessOrEqual(t, st.MaxIdentifiesPerBucket, 1, "two identifies of one bucket within a window")
}

// A bare Shard (no Manager, no identify limiter given) against a gateway
// that ends every session at once backs off and spends its identify budget
// at most once per identify window.
func TestHostileShardBacksOff(t *testing.T) {
	for _, hc := range hostileAfterAuth {
		t.Run(hc.name, func(t *testing.T) {
			t.Parallel()
			srv := startShardEmulator(t, gatewaytest.Config{TimeScale: hostileScale, Hostile: hc.hostile})
			ts := runShard(t, srv, hostileShardConfig(t))
			time.Sleep(hostileRun)
			_, err := ts.Close(context.Background(), closecode.Normal)
			require.NoError(t, err)
			requireWithinBudget(t, srv, 1)
			st := ts.Status()
			require.LessOrEqual(t, st.Connections, int64(hostileMaxConnections))
			require.Positive(t, st.Dispatches, "the shard never got a session started")
		})
	}
}

// A Manager against the same gateways: its shards back off too (resumes
// do not go through the identify limiter, so only backoff bounds them).
func TestHostileManagerBacksOff(t *testing.T) {
	const shards = 2
	for _, hc := range hostileAfterAuth {
		t.Run(hc.name, func(t *testing.T) {
			t.Parallel()
			srv := startShardEmulator(t, gatewaytest.Config{TimeScale: hostileScale, Hostile: hc.hostile, Shards: shards, Guilds: 4})
			cfg := gatewayutil.ManagerConfig{
				Shard:          baseConfig(srv),
				ShardCount:     shards,
				APIBase:        srv.APIURL(),
				IdentifyWindow: hostileScaled(5 * time.Second),
				IdentifyMargin: timingMargin(t, hostileScaled(5*time.Second)),
				RestartBackoff: gatewayutil.Backoff{Base: hostileScaled(time.Second), Max: hostileScaled(2 * time.Minute)},
			}
			hostileShardConfig(t)(&cfg.Shard)
			m, err := gatewayutil.NewManager(cfg)
			require.NoError(t, err)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			require.NoError(t, m.Start(ctx))
			time.Sleep(hostileRun)
			select {
			case err := <-m.Fatal():
				t.Fatalf("manager stopped: %v", err)
			default:
			}
			require.NoError(t, m.Shutdown(context.Background()))
			requireWithinBudget(t, srv, shards)
		})
	}
}

// A gateway that floods op 1 heartbeat requests gets heartbeats, but never
// more than 120 payloads in any 60 s window: requested heartbeats are
// coalesced and wait for the command limiter like every other payload.
func TestHostileHeartbeatFloodKeepsCommandLimit(t *testing.T) {
	for _, flood := range []int{4, 32} {
		t.Run(fmt.Sprintf("flood-%d-per-tick", flood), func(t *testing.T) {
			t.Parallel()
			srv := startShardEmulator(t, gatewaytest.Config{TimeScale: hostileScale, Hostile: gatewaytest.Hostile{HeartbeatFlood: flood}})
			ts := runShard(t, srv, hostileShardConfig(t))
			ts.waitConnected(t)
			time.Sleep(hostileRun)
			st := srv.Stats()
			sst := ts.Status()
			t.Logf("flood %d per tick: %d heartbeat requests sent, %d heartbeats received, at most %d payloads per window, %d connections",
				flood, st.FaultsInjected*int64(flood), st.Heartbeats, st.MaxCommandsPerWindow, st.Connections)
			for _, c := range srv.Conns() {
				rec := c.Record()
				require.NotEqual(t, closecode.RateLimited, rec.CloseSent, "closed for exceeding the command limit: %v", rec.Violations)
			}
			require.LessOrEqual(t, st.MaxCommandsPerWindow, 120, "command limit exceeded")
			require.Equal(t, int64(1), st.Connections, "the connection survived the flood")
			require.Equal(t, gatewayutil.ShardConnected, sst.State)
			require.Greater(t, st.Heartbeats, int64(10), "requested heartbeats were answered")
		})
	}
}
