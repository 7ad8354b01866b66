package bot_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway/bot"
	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/opcode"
)

// memberIntents can ask for all members and their presences.
const memberIntents = intents.Guilds | intents.GuildMembers | intents.GuildPresences

// hugeEmulator has two guilds, the second huge: 2500 members listed, which
// a request for all members gets back in three chunks of at most 1000.
func hugeEmulator(t *testing.T) *gatewaytest.Server {
	return startEmulator(t, gatewaytest.Config{
		Guilds:            2,
		AllowedPrivileged: intents.GuildMembers | intents.GuildPresences,
		World:             gatewaytest.TrafficConfig{HugeEvery: 2, HugeMembers: 2500},
	})
}

func TestRequestGuildMembersCollectsEveryChunk(t *testing.T) {
	srv := hugeEmulator(t)
	log := newGuildLog()
	sh := runShard(t, shardConfig(srv, memberIntents, log))
	huge := srv.Guilds()[1]
	want, presences := log.guild(huge)
	require.Greater(t, len(want), 2000, "the huge guild's GUILD_CREATE lists its 2500 members")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	got, err := bot.RequestGuildMembers(ctx, sh, discord.RequestGuildMembers{GuildID: discord.Snowflake(huge), Presences: true})
	require.NoError(t, err)
	require.Equal(t, (len(want)+999)/1000, got.Chunks, "members come in chunks of 1000")
	require.Greater(t, got.Chunks, 1)
	require.Len(t, got.Nonce, 32, "a random nonce was made up")
	require.Equal(t, discord.Snowflake(huge), got.GuildID)
	ids := make([]uint64, len(got.Members))
	for i, m := range got.Members {
		require.NotNil(t, m.User, "member %d has no user", i)
		ids[i] = uint64(m.User.ID)
	}
	require.Len(t, ids, len(want))
	require.True(t, slices.Equal(want, ids), "every member of GUILD_CREATE, in order, once")
	require.Len(t, got.Presences, presences, "the presences asked for")
	require.Empty(t, got.NotFound)
}

func TestRequestGuildMembersNotFound(t *testing.T) {
	srv := hugeEmulator(t)
	log := newGuildLog()
	sh := runShard(t, shardConfig(srv, memberIntents, log))
	g := srv.Guilds()[0]
	members, _ := log.guild(g)
	require.GreaterOrEqual(t, len(members), 1)
	known := members[:min(3, len(members))]
	missing := []uint64{1 << 40, 1<<40 + 1}
	var ask []discord.Snowflake
	for _, id := range append(slices.Clone(known), missing...) {
		ask = append(ask, discord.Snowflake(id))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	got, err := bot.RequestGuildMembers(ctx, sh, discord.RequestGuildMembers{GuildID: discord.Snowflake(g), UserIDs: ask, Nonce: "ids"})
	require.NoError(t, err)
	require.Equal(t, "ids", got.Nonce)
	var gotIDs []uint64
	for _, m := range got.Members {
		gotIDs = append(gotIDs, uint64(m.User.ID))
	}
	require.ElementsMatch(t, known, gotIDs)
	require.Equal(t, []discord.Snowflake{discord.Snowflake(missing[0]), discord.Snowflake(missing[1])}, got.NotFound)
}

// TestRequestGuildMembersTimeout: chunks 0 and 2 of 3 arrive (published
// by the emulator with the request's nonce), chunk 1 never does: at the
// deadline the error says which arrived, and matches the context's error.
func TestRequestGuildMembersTimeout(t *testing.T) {
	srv := hugeEmulator(t)
	sh := runShard(t, shardConfig(srv, memberIntents, nil))
	// A guild the emulator does not have: it answers nothing itself.
	const ghost = uint64(987654321) << 22
	const nonce = "partial"
	go func() {
		// Once the request reached the emulator, two of three chunks.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
	wait:
		for {
			for _, c := range srv.Conns() {
				for _, cmd := range c.Record().Commands {
					if cmd.Op == opcode.RequestGuildMembers {
						break wait
					}
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
		for _, i := range []int{0, 2} {
			d := fmt.Sprintf(`{"guild_id":"%d","members":[],"chunk_index":%d,"chunk_count":3,"nonce":%q}`, ghost, i, nonce)
			srv.Publish(gatewaytest.Dispatch{Type: event.GuildMembersChunk, GuildID: ghost, Data: []byte(d)})
		}
	}()
	// Long enough for the two chunks to arrive on a loaded machine; the
	// third never comes, so the test waits it out whatever the load.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := bot.RequestGuildMembers(ctx, sh, discord.RequestGuildMembers{GuildID: discord.Snowflake(ghost), UserIDs: []discord.Snowflake{42}, Nonce: nonce})
	var inc *gatewayutil.IncompleteError
	require.ErrorAs(t, err, &inc)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, gatewayutil.ErrIncomplete)
	require.Equal(t, "chunks [0 2] of 3", inc.Arrived)
	require.Contains(t, err.Error(), nonce)
}

// TestRequestGuildMembersNothingArrives: a request the gateway ignores
// ends at the deadline with "no chunk".
func TestRequestGuildMembersNothingArrives(t *testing.T) {
	srv := hugeEmulator(t)
	sh := runShard(t, shardConfig(srv, memberIntents, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := bot.RequestGuildMembers(ctx, sh, discord.RequestGuildMembers{GuildID: 1 << 40, Query: "a", Limit: 5})
	var inc *gatewayutil.IncompleteError
	require.ErrorAs(t, err, &inc)
	require.Equal(t, "no chunk", inc.Arrived)
	require.True(t, errors.Is(err, context.DeadlineExceeded))
}

// TestRequestGuildMembersRateLimited: the emulator allows one request for
// all members of a guild per window, and answers the next with
// RATE_LIMITED, which the collector returns at once.
func TestRequestGuildMembersRateLimited(t *testing.T) {
	srv := hugeEmulator(t)
	sh := runShard(t, shardConfig(srv, memberIntents, nil))
	g := discord.Snowflake(srv.Guilds()[0])
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var rl *gatewayutil.RateLimitedError
	for i := 0; i < 5; i++ {
		_, err := bot.RequestGuildMembers(ctx, sh, discord.RequestGuildMembers{GuildID: g})
		if err != nil {
			require.ErrorAs(t, err, &rl)
			break
		}
	}
	require.NotNil(t, rl, "five requests for all members in a row were all answered")
	require.Equal(t, uint64(g), rl.GuildID)
	require.Equal(t, 8, rl.Opcode)
	require.Positive(t, rl.RetryAfter)
}
