package gatewayutil_test

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// A bot in a few lines: a Dispatcher with a typed handler, a Manager that
// asks GET /gateway/bot for the shard count and identify limits, and the
// intents computed from what the handlers subscribe to. Here the gateway is
// the local emulator; against Discord, leave APIBase empty.
func ExampleManager() {
	emu, err := gatewaytest.NewServer(gatewaytest.Config{Shards: 4, MaxConcurrency: 4, Guilds: 8, TimeScale: 0.01})
	if err != nil {
		log.Fatal(err)
	}
	if err := emu.Start(context.Background()); err != nil {
		log.Fatal(err)
	}
	defer emu.Close()

	d := gatewayutil.NewDispatcher()
	type guild struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	var mu sync.Mutex
	shardsSeen := map[int]int{}
	all := make(chan struct{})
	gatewayutil.On(d, event.GuildCreate, func(ctx context.Context, e *gatewayutil.Event, g *guild) {
		mu.Lock()
		defer mu.Unlock()
		shardsSeen[e.Shard]++
		if n := shardsSeen[0] + shardsSeen[1] + shardsSeen[2] + shardsSeen[3]; n == 8 {
			close(all)
		}
	})
	fmt.Println("intents:", d.Intents())

	m, err := gatewayutil.NewManager(gatewayutil.ManagerConfig{
		Shard: gatewayutil.Config{
			Token:           gateway.NewToken("my-bot-token"),
			Intents:         d.Intents(),
			Compression:     gatewayutil.CompressZlibStream,
			Sink:            d,
			ResumeURLPolicy: gatewayutil.LoopbackResumeURLs, // the emulator's resume URL is local
		},
		APIBase:        emu.APIURL(),
		IdentifyWindow: 50 * time.Millisecond, // the emulator's 5 s window, time-scaled
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := m.Start(context.Background()); err != nil {
		log.Fatal(err)
	}
	<-all
	fmt.Println("shards:", m.ShardCount(), "guilds per shard:", shardsSeen)
	fmt.Println("shutdown:", m.Shutdown(context.Background()))
	// Output:
	// intents: GUILDS
	// shards: 4 guilds per shard: map[0:2 1:2 2:2 3:2]
	// shutdown: <nil>
}
