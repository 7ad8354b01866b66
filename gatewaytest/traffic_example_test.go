package gatewaytest_test

import (
	"encoding/json"
	"fmt"

	"github.com/gatewaykit/gateway/gatewaytest"
)

// ExampleTraffic generates a small world spread over two shards and feeds
// each shard only the events it would receive.
func ExampleTraffic() {
	tr := gatewaytest.NewTraffic(gatewaytest.TrafficConfig{Seed: 42, Guilds: 8, ShardCount: 2})

	// READY lists the guilds a shard owns; each then gets a GUILD_CREATE.
	for shard := 0; shard < 2; shard++ {
		ids := tr.ShardGuilds(shard, 2)
		fmt.Printf("shard %d owns %d guilds, first GUILD_CREATE valid: %v\n",
			shard, len(ids), json.Valid(tr.GuildCreate(ids[0])))
	}

	// A fork per shard keeps each shard's sequence reproducible.
	shard1 := tr.Fork(1)
	ev, _ := shard1.NextForShard(1, 2)
	fmt.Println(ev.Type, "on shard", (ev.GuildID>>22)%2, "valid:", json.Valid(ev.Data))

	first := tr.Next()
	fmt.Println("first event:", first.Type, json.Valid(first.Data))
	// Output:
	// shard 0 owns 4 guilds, first GUILD_CREATE valid: true
	// shard 1 owns 4 guilds, first GUILD_CREATE valid: true
	// GUILD_MEMBER_UPDATE on shard 1 valid: true
	// first event: GUILD_MEMBER_UPDATE true
}
