package gatewayutil_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// shardingRequiredEmulator has 4 guilds spread over the 2 shards it
// recommends, and refuses a session holding more than 2 guilds with 4011:
// one shard is too few.
func shardingRequiredEmulator(t *testing.T) *gatewaytest.Server {
	return startManagerEmulator(t, gatewaytest.Config{Guilds: 4, Shards: 2, MaxGuildsPerShard: 2})
}

func TestManagerAutoReshardOn4011(t *testing.T) {
	srv := shardingRequiredEmulator(t)
	life := newLifeLog()
	cfg := managerConfig(srv, nil)
	cfg.ShardCount = 1 // too few: the gateway answers 4011
	cfg.AutoReshard = true
	cfg.Shard.OnLifecycle = life.hook
	m, err := gatewayutil.NewManager(cfg)
	require.NoError(t, err)
	require.NoError(t, m.Start(context.Background()))
	defer func() { _ = m.Shutdown(context.Background()) }()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.Eventually(t, func() bool { return m.ShardCount() == 2 }, 30*time.Second, 10*time.Millisecond,
		"the manager resharded to the 2 shards GET /gateway/bot recommends; lifecycle %q", life.kinds())
	require.NoError(t, m.WaitReady(ctx))
	select {
	case err := <-m.Fatal():
		t.Fatalf("fatal error despite AutoReshard: %v", err)
	default:
	}
	require.Contains(t, life.kinds(), "fatal 4011", "the one-shard set met 4011")
	// The emulator saw a refused identify of [0, 1] and then sessions of
	// [0, 2] and [1, 2].
	var shards [][]int
	for _, c := range srv.Conns() {
		if r := c.Record(); r.Identify != nil && r.SessionID != "" {
			shards = append(shards, r.Identify.Shard)
		}
	}
	require.ElementsMatch(t, [][]int{{0, 2}, {1, 2}}, shards)
}

func TestManagerWithoutAutoReshardStopsOn4011(t *testing.T) {
	srv := shardingRequiredEmulator(t)
	cfg := managerConfig(srv, nil)
	cfg.ShardCount = 1
	m, err := gatewayutil.NewManager(cfg)
	require.NoError(t, err)
	require.NoError(t, m.Start(context.Background()))
	defer func() { _ = m.Shutdown(context.Background()) }()
	select {
	case err := <-m.Fatal():
		var ce *gateway.CloseError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, closecode.ShardingRequired, ce.Code)
	case <-time.After(30 * time.Second):
		t.Fatal("no fatal error after 4011")
	}
	require.Equal(t, 1, m.ShardCount())
}

// TestManagerAutoReshardFailsWhenNoMoreShardsAreRecommended: the emulator
// refuses one shard with 4011 but recommends one shard: the reshard
// cannot help, and Fatal says why, with the close code.
func TestManagerAutoReshardFailsWhenNoMoreShardsAreRecommended(t *testing.T) {
	srv := startManagerEmulator(t, gatewaytest.Config{Guilds: 4, Shards: 1, MaxGuildsPerShard: 2})
	cfg := managerConfig(srv, nil)
	cfg.AutoReshard = true
	m, err := gatewayutil.NewManager(cfg)
	require.NoError(t, err)
	require.NoError(t, m.Start(context.Background()))
	defer func() { _ = m.Shutdown(context.Background()) }()
	select {
	case err := <-m.Fatal():
		var ce *gateway.CloseError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, closecode.ShardingRequired, ce.Code)
		require.Contains(t, err.Error(), "recommends 1 shards, no more than the 1 refused")
	case <-time.After(30 * time.Second):
		t.Fatal("no fatal error")
	}
	require.Equal(t, 1, m.ShardCount())
}
