package gatewayutil_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// lifeLog records a shard's lifecycle notifications.
type lifeLog struct {
	mu     sync.Mutex
	events []gatewayutil.Lifecycle
	wake   chan struct{}
}

func newLifeLog() *lifeLog { return &lifeLog{wake: make(chan struct{}, 1)} }

func (l *lifeLog) hook(e gatewayutil.Lifecycle) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *lifeLog) kinds() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, len(l.events))
	for i, e := range l.events {
		out[i] = e.Kind.String()
		if e.Code != 0 {
			out[i] += fmt.Sprintf(" %d", int(e.Code))
		}
		if e.Kind == gatewayutil.LifecycleConnecting && e.Resume {
			out[i] += " (resume)"
		}
	}
	return out
}

// waitFor waits until n notifications arrived.
func (l *lifeLog) waitFor(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if k := l.kinds(); len(k) >= n {
			return k
		}
		select {
		case <-l.wake:
		case <-deadline:
			t.Fatalf("want %d lifecycle notifications, have %q", n, l.kinds())
		}
	}
}

func TestLifecycleNotifications(t *testing.T) {
	srv := startShardEmulator(t, gatewaytest.Config{Guilds: 2})
	life := newLifeLog()
	ts := runShard(t, srv, func(c *gatewayutil.Config) { c.OnLifecycle = life.hook })
	require.Equal(t, []string{"connecting", "ready", "guilds ready"}, life.waitFor(t, 3))

	sessions, err := srv.WaitSessions(context.Background(), 1)
	require.NoError(t, err)
	require.NoError(t, sessions[0].InjectClose(closecode.UnknownError))
	require.Equal(t, []string{"connecting", "ready", "guilds ready",
		"disconnected 4000", "reconnecting", "connecting (resume)", "resumed"}, life.waitFor(t, 7))

	// 4004 is fatal: the shard stops, and says so.
	require.Eventually(t, func() bool { return ts.Status().State == gatewayutil.ShardConnected }, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, sessions[0].InjectClose(closecode.AuthenticationFailed))
	got := life.waitFor(t, 9)
	require.Equal(t, []string{"disconnected 4004", "fatal 4004"}, got[7:])
	life.mu.Lock()
	fatal := life.events[8]
	life.mu.Unlock()
	var ce *gateway.CloseError
	require.ErrorAs(t, fatal.Err, &ce)
	require.Equal(t, closecode.AuthenticationFailed, ce.Code)
	require.Equal(t, ts.ID(), fatal.Shard)
	require.Error(t, <-ts.errc)
}

func TestWaitGuildsReadyNamesTheGuildThatNeverArrives(t *testing.T) {
	srv := startShardEmulator(t, gatewaytest.Config{Guilds: 4})
	ghost := srv.Guilds()[2]
	srv.WithholdGuildCreate(ghost)
	life := newLifeLog()
	ts := runShard(t, srv, func(c *gatewayutil.Config) { c.OnLifecycle = life.hook })
	life.waitFor(t, 2) // connecting, ready

	// The other three arrive right after READY; the ghost never does.
	require.Eventually(t, func() bool { return ts.check.count("GUILD_CREATE") == 3 }, 10*time.Second, 5*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := ts.WaitGuildsReady(ctx)
	var nr *gatewayutil.GuildsNotReadyError
	require.ErrorAs(t, err, &nr)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.True(t, nr.ReadySeen)
	require.Equal(t, []uint64{ghost}, nr.Missing)
	require.Equal(t, 4, nr.Total)
	require.Contains(t, err.Error(), fmt.Sprint(ghost))
	require.NotContains(t, life.kinds(), "guilds ready")
}

func TestWaitGuildsReadyBeforeReady(t *testing.T) {
	srv := startShardEmulator(t, gatewaytest.Config{Guilds: 1})
	cfg := baseConfig(srv)
	sh, err := gatewayutil.NewShard(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err = sh.WaitGuildsReady(ctx)
	var nr *gatewayutil.GuildsNotReadyError
	require.ErrorAs(t, err, &nr)
	require.False(t, nr.ReadySeen)
	require.Contains(t, err.Error(), "no READY yet")
}

func TestManagerWaitReady(t *testing.T) {
	srv := startManagerEmulator(t, gatewaytest.Config{Guilds: 4, Shards: 2})
	m, err := gatewayutil.NewManager(managerConfig(srv, nil))
	require.NoError(t, err)
	require.ErrorIs(t, m.WaitReady(context.Background()), gatewayutil.ErrManagerNotStarted)
	require.NoError(t, m.Start(context.Background()))
	defer func() { _ = m.Shutdown(context.Background()) }()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, m.WaitReady(ctx))
	for _, st := range m.Status() {
		require.NotZero(t, st.Identifies, "shard %d", st.Shard)
	}
}

// TestManagerWaitReadyNamesTheShardsNotReady: with max_concurrency 1 and
// an identify window of an hour, shard 0 identifies and shard 1 waits
// for its slot past the deadline.
func TestManagerWaitReadyNamesTheShardsNotReady(t *testing.T) {
	srv := startManagerEmulator(t, gatewaytest.Config{Guilds: 4, Shards: 2})
	cfg := managerConfig(srv, nil)
	cfg.IdentifyWindow = time.Hour // the second shard waits an hour for its slot
	m, err := gatewayutil.NewManager(cfg)
	require.NoError(t, err)
	require.NoError(t, m.Start(context.Background()))
	defer func() { _ = m.Shutdown(context.Background()) }()
	// Shard 0 identifies first and is READY; then shard 1 has to wait.
	require.Eventually(t, func() bool { return m.Status()[0].State == gatewayutil.ShardConnected }, 20*time.Second, 5*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = m.WaitReady(ctx)
	var nr *gatewayutil.NotReadyError
	require.ErrorAs(t, err, &nr)
	require.Equal(t, []int{1}, nr.Shards)
	require.Equal(t, 2, nr.Of)
	require.True(t, errors.Is(err, context.DeadlineExceeded))
	require.Contains(t, err.Error(), "1 of 2 shards not ready [1]")
}

func TestManagerWaitGuildsReadyNamesTheMissingGuild(t *testing.T) {
	srv := startManagerEmulator(t, gatewaytest.Config{Guilds: 4, Shards: 2, MaxConcurrency: 2})
	ghost := srv.Guilds()[3] // on shard 3 % 2 = 1
	srv.WithholdGuildCreate(ghost)
	m, err := gatewayutil.NewManager(managerConfig(srv, nil))
	require.NoError(t, err)
	require.NoError(t, m.Start(context.Background()))
	defer func() { _ = m.Shutdown(context.Background()) }()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, m.WaitReady(ctx))
	require.NoError(t, m.Shard(0).WaitGuildsReady(ctx), "shard 0 has both its guilds")

	short, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	err = m.WaitGuildsReady(short)
	var nr *gatewayutil.GuildsNotReadyError
	require.ErrorAs(t, err, &nr)
	require.Equal(t, 1, nr.Shard)
	require.Equal(t, []uint64{ghost}, nr.Missing)
	require.Equal(t, 2, nr.Total)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}
