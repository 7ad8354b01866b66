package gatewayutil

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
)

// reshardOnShardingRequired handles a shard of set that stopped with err
// when ManagerConfig.AutoReshard is on and err is close code 4011
// (sharding required): it starts, once per set, a reshard to the count
// GET /gateway/bot recommends, and reports true: the shard's goroutine
// ends, and the new set replaces it (the old set's other shards, which
// meet the same code, join the same reshard). It reports false for
// anything else, which then takes its usual course.
func (m *Manager) reshardOnShardingRequired(set *shardSet, err error) bool {
	var ce *gateway.CloseError
	if !m.cfg.AutoReshard || !errors.As(err, &ce) || ce.Code != closecode.ShardingRequired {
		return false
	}
	m.mu.Lock()
	if m.closing || m.set != set || m.autoResharding[set] {
		// Shutting down, an old set, or its reshard already started.
		done := m.closing || m.autoResharding[set]
		m.mu.Unlock()
		return done
	}
	if m.autoResharding == nil {
		m.autoResharding = make(map[*shardSet]bool)
	}
	m.autoResharding[set] = true
	ctx := m.runCtx
	m.mu.Unlock()
	m.log.Warn("gateway requires more shards (close 4011); resharding to the recommended count", "shard_count", set.count)
	go func() {
		if err := m.autoReshard(ctx, set, err); err != nil {
			m.log.Error("automatic reshard failed", "err", err)
			select {
			case m.fatal <- err:
			default:
			}
		}
	}()
	return true
}

// autoReshard asks GET /gateway/bot for the recommended shard count and
// reshards to it.
func (m *Manager) autoReshard(ctx context.Context, set *shardSet, cause error) error {
	if m.cfg.ShardIDs != nil {
		return fmt.Errorf("gatewayutil: cannot reshard automatically a manager that runs only shards %v of %d (another process runs the rest): %w", m.cfg.ShardIDs, set.count, cause)
	}
	gb, err := FetchGatewayBot(ctx, m.cfg.HTTPClient, m.cfg.APIBase, m.token.Open())
	if err != nil {
		return fmt.Errorf("gatewayutil: automatic reshard after %w: %w", cause, err)
	}
	if gb.Shards <= set.count {
		return fmt.Errorf("gatewayutil: automatic reshard: GET /gateway/bot recommends %d shards, no more than the %d refused: %w", gb.Shards, set.count, cause)
	}
	if err := m.Reshard(ctx, gb.Shards, nil); err != nil {
		return fmt.Errorf("gatewayutil: automatic reshard to %d shards: %w", gb.Shards, err)
	}
	return nil
}
