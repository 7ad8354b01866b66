package cluster_test

import (
	"context"
	"log"
	"os"
	"os/signal"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/cluster"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
	"github.com/nats-io/nats.go/jetstream"
)

// One node of a bot's cluster: run the same program on every machine with
// its own instance id. Interrupting it drains the node (its shards are resumed
// by the others, spending no identify).
func ExampleNode() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	token := os.Getenv("DISCORD_TOKEN")

	gb, err := gatewayutil.FetchGatewayBot(ctx, nil, "", token)
	if err != nil {
		log.Fatal(err)
	}
	nc, err := cluster.Connect("nats://127.0.0.1:4222", "node-a")
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		log.Fatal(err)
	}
	b, err := cluster.Open(ctx, js, cluster.Config{App: "mybot"})
	if err != nil {
		log.Fatal(err)
	}
	lim, err := cluster.NewIdentifyLimiter(b, cluster.IdentifyConfig{
		MaxConcurrency: gb.SessionStartLimit.MaxConcurrency,
		Instance:       "node-a",
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := lim.UpdateBudget(ctx, gb.SessionStartLimit); err != nil {
		log.Fatal(err)
	}
	events := gatewayutil.NewDispatcher()
	node, err := cluster.NewNode(b, cluster.NodeConfig{
		Instance:   "node-a",
		Capacity:   500,
		ShardCount: gb.Shards,
		Limiter:    lim,
		Shard: gatewayutil.Config{
			Token:   gateway.NewToken(token),
			Intents: intents.Guilds | intents.GuildMessages,
			URL:     gb.URL,
			Sink:    events,
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := node.Run(ctx); err != nil {
		log.Fatal(err)
	}
}
