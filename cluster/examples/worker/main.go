// Command worker handles a bot's events away from its gateway connections.
// The nodes (examples/node, run with -events live or durable) keep the
// shards connected to Discord and publish every event on NATS; workers
// subscribe to them and run the bot's handlers. Run as many workers as the
// load needs, each with its own -instance: the workers of one -group share
// the shards between them, and each shard's events are handled by one worker
// at a time, in order. Add or stop a worker and the shards are shared again.
//
//	go run ./examples/node -nats nats://127.0.0.1:4222 -instance a -events durable
//	go run ./examples/worker -nats nats://127.0.0.1:4222 -instance w1 -shards 4 -events durable
//	go run ./examples/worker -nats nats://127.0.0.1:4222 -instance w2 -shards 4 -events durable
//
// -events must match the nodes': live events reach only the workers running
// at that moment (lowest latency, at most once); durable events wait in a
// JetStream stream until a worker acknowledges them, so a worker that stops
// or dies loses none. -shards is the bot's total shard count, as the nodes
// use it. A worker needs no Discord token: it never talks to Discord.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gatewaykit/gateway/cluster"
	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/nats-io/nats.go/jetstream"
)

func main() {
	natsURL := flag.String("nats", "nats://127.0.0.1:4222", "URL of the NATS server the nodes use")
	app := flag.String("app", "mybot", "the bot's name in NATS, as the nodes' -app")
	group := flag.String("group", "handlers", "the service this worker belongs to: its workers share the shards")
	instance := flag.String("instance", "", "this worker's name, unique in the group: letters, digits, '-' and '_' (required)")
	shards := flag.Int("shards", 0, "the bot's total shard count, as the nodes use it (required)")
	events := flag.String("events", "durable", "how the nodes publish events: live or durable")
	flag.Parse()

	// Logs go to stderr; the bot's own output to stdout.
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	// ctx ends on the first SIGINT (Ctrl-C) or SIGTERM; the worker then
	// finishes the events in hand and gives its shards up.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := run(ctx, log, *natsURL, *app, *group, *instance, *shards, *events); err != nil {
		log.Error("worker stopped", "err", err)
		os.Exit(1)
	}
	log.Info("worker stopped: the other workers of the group take its shards")
}

func run(ctx context.Context, log *slog.Logger, natsURL, app, group, instance string, shards int, events string) error {
	if instance == "" {
		return errors.New("set -instance: a name unique in the group, such as the host's")
	}
	if shards <= 0 {
		return errors.New("set -shards: the bot's total shard count")
	}
	var mode cluster.EventMode
	switch events {
	case "live":
		mode = cluster.Live
	case "durable":
		mode = cluster.Durable
	default:
		return fmt.Errorf("-events %q: want live or durable, as the nodes publish", events)
	}

	// 1. Connect to NATS and open the bot's buckets, as a node does; the
	// workers keep their shard leases and announce themselves there.
	nc, err := cluster.Connect(natsURL, group+"-"+instance)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	buckets, err := cluster.Open(ctx, js, cluster.Config{App: app})
	if err != nil {
		return fmt.Errorf("open the cluster's buckets: %w", err)
	}

	// 2. The bot's handlers, in a local Dispatcher exactly as on a node: the
	// Consumer feeds it the events of this worker's shards. On decodes each
	// MESSAGE_CREATE into a *discord.MessageCreate.
	d := gatewayutil.NewDispatcher()
	gatewayutil.On(d, event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event, m *discord.MessageCreate) {
		fmt.Printf("worker %s: shard %d: message %v in %v: %s\n", instance, e.Shard, m.ID, m.ChannelID, m.Content)
	})

	// 3. The consumer. It shares the shards among the group's live workers,
	// takes a lease on each of its own and handles each shard's events one
	// after the other. Types tells live nodes what to publish.
	consumer, err := cluster.NewConsumer(ctx, buckets, nc, cluster.ConsumerConfig{
		Group:      group,
		Instance:   instance,
		ShardCount: shards,
		Dispatcher: d,
		Mode:       mode,
		Types:      []string{event.MessageCreate},
		Logger:     log,
	})
	if err != nil {
		return err
	}
	fmt.Printf("worker %s running in group %s, %d shards in the bot\n", instance, group, shards)

	// Run returns when ctx ends, after the events in hand are handled (and,
	// durable, acknowledged) and its shards given up.
	runErr := consumer.Run(ctx)
	closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(runErr, d.Close(closeCtx))
}
