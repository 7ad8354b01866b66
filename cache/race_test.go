package cache_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gatewaykit/gateway/cache"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// TestConcurrentReaders runs readers on every query while two shards apply
// the emulator's traffic (GUILD_CREATEs again and again, member, channel,
// role, voice and presence updates); with -race this checks the locking,
// and the readers check that a guild is never seen half built: a guild
// that is available always has its @everyone role and its channels.
func TestConcurrentReaders(t *testing.T) {
	const shards = 2
	tr := gatewaytest.NewTraffic(gatewaytest.TrafficConfig{Seed: 3, Guilds: 8, ShardCount: shards, HugeEvery: -1})
	c := cache.New(nil, cache.Policy{Kinds: cache.KindAll})
	guilds := tr.Guilds()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var reads, bad atomic.Int64
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				id := cache.Snowflake(guilds[i%len(guilds)])
				g, ok := c.Guild(id)
				if ok && !g.Unavailable {
					if _, ok := c.Role(id, id); !ok {
						bad.Add(1)
					}
				}
				for _, ch := range c.Channels(id) {
					if ch.GuildID != id {
						bad.Add(1)
					}
					c.Messages(ch.ID)
				}
				for _, m := range c.Members(id) {
					c.User(m.UserID)
					c.Permissions(id, cache.Snowflake(tr.GuildChannels(uint64(id))[0]), m.UserID, 1)
					break
				}
				c.VoiceStates(id)
				c.Stats()
				reads.Add(1)
			}
		}()
	}
	var wwg sync.WaitGroup
	for s := 0; s < shards; s++ {
		wwg.Add(1)
		go func() {
			defer wwg.Done()
			fork := tr.Fork(uint64(s))
			seq := int64(0)
			send := func(typ string, d []byte) {
				seq++
				_ = c.Dispatch(ctx, &gatewayutil.Event{Shard: s, Type: typ, Seq: seq, Data: d})
			}
			for round := 0; round < 2; round++ {
				for _, id := range tr.ShardGuilds(s, shards) {
					send(event.GuildCreate, tr.GuildCreate(id))
				}
				for i := 0; i < 600; i++ {
					ev, ok := fork.NextForShard(s, shards)
					if ok {
						send(ev.Type, ev.Data)
					}
				}
			}
		}()
	}
	wwg.Wait()
	cancel()
	wg.Wait()
	if reads.Load() == 0 {
		t.Fatal("no reads ran")
	}
	if bad.Load() != 0 {
		t.Fatalf("%d reads saw a half-built guild", bad.Load())
	}
	if st := c.Stats(); st.Applied == 0 || st.DecodeErrors != 0 {
		t.Fatalf("stats %+v", st)
	}
}
