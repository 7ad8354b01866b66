package bot_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway/bot"
	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/opcode"
)

// runManager runs a Manager of shards shards against srv until the test
// ends, and waits until all are READY. Give the emulator a max_concurrency
// of shards: each shard then identifies in a bucket of its own, and the
// emulator's identify-window check cannot trip on a loaded machine.
func runManager(t *testing.T, srv *gatewaytest.Server, shards int) *gatewayutil.Manager {
	t.Helper()
	scale := srv.Config().TimeScale
	m, err := gatewayutil.NewManager(gatewayutil.ManagerConfig{
		Shard:          shardConfig(srv, intents.NonPrivileged, nil),
		ShardCount:     shards,
		APIBase:        srv.APIURL(),
		IdentifyWindow: time.Duration(float64(5*time.Second) * scale),
		IdentifyMargin: time.Duration(float64(time.Second) * scale),
	})
	require.NoError(t, err)
	require.NoError(t, m.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = m.Shutdown(ctx)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, m.WaitReady(ctx))
	return m
}

// commandsByShard returns, for each shard id, the op codes the emulator
// recorded from that shard's connections.
func commandsByShard(srv *gatewaytest.Server) map[int][]opcode.Opcode {
	out := map[int][]opcode.Opcode{}
	for _, c := range srv.Conns() {
		r := c.Record()
		if r.Identify == nil || len(r.Identify.Shard) != 2 {
			continue
		}
		for _, cmd := range r.Commands {
			if cmd.Op != opcode.Heartbeat && cmd.Op != opcode.Identify {
				out[r.Identify.Shard[0]] = append(out[r.Identify.Shard[0]], cmd.Op)
			}
		}
	}
	return out
}

func violations(srv *gatewaytest.Server) []string {
	var out []string
	for _, c := range srv.Conns() {
		for _, v := range c.Record().Violations {
			out = append(out, v.String())
		}
	}
	return out
}

func TestBroadcastPresenceReachesEveryShard(t *testing.T) {
	srv := startEmulator(t, gatewaytest.Config{Guilds: 6, Shards: 3, MaxConcurrency: 3})
	m := runManager(t, srv, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p := discord.UpdatePresence{Status: discord.StatusIdle, Since: 1700000000000, AFK: true,
		Activities: []discord.PresenceActivity{{Name: "the \"gateway\"", Type: 0}, {Name: "custom", Type: 4, State: "testing"}}}
	require.NoError(t, m.Broadcast(ctx, p))
	require.Eventually(t, func() bool {
		got := commandsByShard(srv)
		for id := range 3 {
			if len(got[id]) != 1 || got[id][0] != opcode.PresenceUpdate {
				return false
			}
		}
		return true
	}, 10*time.Second, 10*time.Millisecond, "each of the 3 shards sent exactly one op 3: %v", commandsByShard(srv))
	require.Empty(t, violations(srv), "the emulator validates op 3 and found nothing wrong")
}

func TestUpdateVoiceStateGoesToTheGuildsShard(t *testing.T) {
	srv := startEmulator(t, gatewaytest.Config{Guilds: 6, Shards: 3, MaxConcurrency: 3})
	m := runManager(t, srv, 3)
	g := srv.Guilds()[4]
	owner := gatewayutil.ShardForGuild(g, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, m.SendGuildCommand(ctx, discord.UpdateVoiceState{GuildID: discord.Snowflake(g), SelfDeaf: true}))
	require.Eventually(t, func() bool {
		got := commandsByShard(srv)
		return len(got[owner]) == 1 && got[owner][0] == opcode.VoiceStateUpdate
	}, 10*time.Second, 10*time.Millisecond)
	got := commandsByShard(srv)
	for id := range 3 {
		if id != owner {
			require.Empty(t, got[id], "shard %d does not own guild %d", id, g)
		}
	}
	require.Empty(t, violations(srv), "op 4 reached the shard that owns the guild, in a valid shape")
}

func TestRequestSoundboardSoundsAndChannelInfo(t *testing.T) {
	srv := startEmulator(t, gatewaytest.Config{Guilds: 3})
	sh := runShard(t, shardConfig(srv, intents.Guilds, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var ids []discord.Snowflake
	for _, g := range srv.Guilds() {
		ids = append(ids, discord.Snowflake(g))
	}
	sounds, err := bot.RequestSoundboardSounds(ctx, sh, discord.RequestSoundboardSounds{GuildIDs: ids})
	require.NoError(t, err)
	require.Len(t, sounds, len(ids))
	for i, s := range sounds {
		require.Equal(t, ids[i], s.GuildID, "answers in the order asked")
	}

	info, err := bot.RequestChannelInfo(ctx, sh, discord.RequestChannelInfo{GuildID: ids[1]})
	require.NoError(t, err)
	require.Equal(t, ids[1], info.GuildID)
	require.Empty(t, violations(srv))
}

func TestCommandErrorsSayWhatRefused(t *testing.T) {
	srv := startEmulator(t, gatewaytest.Config{Guilds: 1})

	t.Run("invalid", func(t *testing.T) {
		sh, err := gatewayutil.NewShard(shardConfig(srv, intents.Guilds, nil))
		require.NoError(t, err)
		err = sh.SendCommand(context.Background(), discord.UpdatePresence{Status: "busy"})
		var ce *gatewayutil.CommandError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, opcode.PresenceUpdate, ce.Op)
		require.ErrorIs(t, err, gatewayutil.ErrInvalidCommand)
		require.ErrorIs(t, err, discord.ErrInvalidCommand)
		require.Contains(t, err.Error(), `"busy"`)
	})
	t.Run("not connected", func(t *testing.T) {
		sh, err := gatewayutil.NewShard(shardConfig(srv, intents.Guilds, nil))
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err = sh.SendCommand(ctx, discord.UpdatePresence{})
		require.ErrorIs(t, err, gatewayutil.ErrShardNotConnected)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		var ce *gatewayutil.CommandError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, gatewayutil.ShardIdle, ce.State)
	})
	t.Run("limited", func(t *testing.T) {
		cfg := shardConfig(srv, intents.Guilds, nil)
		// 10 commands a minute, the heartbeats' share kept apart: the
		// limiter refuses long before the window ends.
		cfg.CommandLimit, cfg.CommandWindow = 10, time.Minute
		sh := runShard(t, cfg)
		var err error
		sent := 0
		for sent = 0; sent < 20; sent++ {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			err = sh.SendCommand(ctx, discord.UpdatePresence{})
			cancel()
			if err != nil {
				break
			}
		}
		require.ErrorIs(t, err, gatewayutil.ErrCommandLimited, "after %d commands", sent)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Less(t, sent, 10)
		require.Contains(t, err.Error(), "10 per 1m0s")
		require.False(t, errors.Is(err, gatewayutil.ErrShardNotConnected))
	})
	t.Run("closed", func(t *testing.T) {
		sh, err := gatewayutil.NewShard(shardConfig(srv, intents.Guilds, nil))
		require.NoError(t, err)
		_, _ = sh.Close(context.Background(), 1000)
		err = sh.SendCommand(context.Background(), discord.UpdatePresence{})
		require.ErrorIs(t, err, gatewayutil.ErrShardClosed)
		require.NotContains(t, err.Error(), testToken)
	})
}
