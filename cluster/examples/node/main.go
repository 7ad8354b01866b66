// Command node is one node of a bot whose shards run on several processes or
// machines, coordinated through NATS JetStream. Run the same program on every
// machine, each with its own -instance; the nodes share the shards between
// them, one identify schedule and one daily identify budget, and keep every
// shard's session in NATS. SIGINT or SIGTERM drains the node: its shards are
// closed so that their sessions stay resumable, and the other nodes resume
// them at once, spending no identify and losing no event.
//
//	nats-server -js -sd /var/lib/nats &
//	DISCORD_TOKEN=... go run ./examples/node -nats nats://127.0.0.1:4222 -instance a -capacity 500
//	DISCORD_TOKEN=... go run ./examples/node -nats nats://127.0.0.1:4222 -instance b -capacity 500
//
// Against the emulator (the emulator from the repository's root, the nodes
// from cluster/), with a NATS server as above:
//
//	go run ./cmd/emulator -shards 4 -max-concurrency 2   # prints "api http://127.0.0.1:PORT/api/v10"
//	DISCORD_TOKEN=any go run ./examples/node -api http://127.0.0.1:PORT/api/v10 -instance a
//	DISCORD_TOKEN=any go run ./examples/node -api http://127.0.0.1:PORT/api/v10 -instance b
//
// Stop one with Ctrl-C: the other prints "resumed" for each of its shards.
//
// With -events live or -events durable the node also publishes every
// dispatch of its shards on NATS, for workers (examples/worker) to handle.
//
// cmd/gatewayd is the same node with metrics, health checks and an embedded
// NATS server; this program keeps to the steps a bot needs.
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

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/cluster"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
	"github.com/nats-io/nats.go/jetstream"
)

func main() {
	natsURL := flag.String("nats", "nats://127.0.0.1:4222", "URL of the NATS server (JetStream enabled) every node of the bot uses")
	instance := flag.String("instance", "", "this node's name, unique in the cluster: letters, digits, '-' and '_' (required)")
	capacity := flag.Int("capacity", 1000, "most shards this node runs")
	app := flag.String("app", "mybot", "the bot's name in NATS, the same on every node")
	api := flag.String("api", gatewayutil.DefaultAPIBase, "REST API base URL to ask GET /gateway/bot (the emulator prints its own)")
	shards := flag.Int("shards", 0, "total shard count, the same on every node; 0 uses the count Discord recommends")
	events := flag.String("events", "off", "publish every dispatch on NATS for workers (examples/worker): live, durable or off")
	flag.Parse()

	// Logs go to stderr; the bot's own output to stdout.
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	// ctx ends on the first SIGINT (Ctrl-C) or SIGTERM (what systemd,
	// Docker and Kubernetes send to stop a process); the node then drains.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	opts := options{natsURL: *natsURL, instance: *instance, capacity: *capacity, app: *app, api: *api, shards: *shards, events: *events}
	if err := run(ctx, log, opts, gateway.NewToken(os.Getenv("DISCORD_TOKEN"))); err != nil {
		log.Error("node stopped", "err", err)
		os.Exit(1)
	}
	log.Info("node drained: the other nodes resume its shards")
}

// options are the command line.
type options struct {
	natsURL, instance, app, api string
	events                      string // live, durable or off
	capacity, shards            int
}

// message is the part of MESSAGE_CREATE this bot reads.
type message struct {
	ID      string `json:"id"`
	GuildID string `json:"guild_id"`
}

func run(ctx context.Context, log *slog.Logger, o options, token gateway.Token) error {
	if token.IsZero() {
		return errors.New("set DISCORD_TOKEN (against the emulator any value works)")
	}
	if o.instance == "" {
		return errors.New("set -instance: a name unique in the cluster, such as the host's")
	}
	if o.events != "off" && o.events != "live" && o.events != "durable" {
		return fmt.Errorf("-events %q: want live, durable or off", o.events)
	}

	// 1. Ask Discord how to connect: the gateway URL, the recommended shard
	// count, and the session start limit (how many identifies are left
	// today, and max_concurrency: how many may start together).
	gb, err := gatewayutil.FetchGatewayBot(ctx, nil, o.api, token.Reveal())
	if err != nil {
		return err
	}
	shardCount := o.shards
	if shardCount == 0 {
		shardCount = gb.Shards
	}

	// 2. Connect to NATS. cluster.Connect sets the options the cluster
	// relies on (reconnect for ever, never buffer a write while
	// disconnected). It closes at the very end, after the drain.
	nc, err := cluster.Connect(o.natsURL, o.instance)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}

	// 3. Open the bot's key-value buckets (the first node creates them):
	// identify slots, the daily budget, members, shard leases and sessions.
	// Every node must use the same cluster.Config.
	buckets, err := openBuckets(ctx, js, cluster.Config{App: o.app})
	if err != nil {
		return err
	}

	// 4. The identify limiter every node shares: at most one identify per
	// shard_id % max_concurrency bucket per 5 s across the whole cluster,
	// and each identify taken from one daily budget stored in NATS.
	// UpdateBudget records what Discord just said is left.
	limiter, err := cluster.NewIdentifyLimiter(buckets, cluster.IdentifyConfig{
		MaxConcurrency: gb.SessionStartLimit.MaxConcurrency,
		Instance:       o.instance,
		Logger:         log,
	})
	if err != nil {
		return err
	}
	if err := limiter.UpdateBudget(ctx, gb.SessionStartLimit); err != nil {
		return fmt.Errorf("store the session start budget: %w", err)
	}

	// 5. The bot's handlers: the same on every node, since any node may run
	// any shard.
	d := gatewayutil.NewDispatcher()
	// READY means the shard identified: a new session.
	gatewayutil.On(d, event.Ready, func(ctx context.Context, e *gatewayutil.Event, _ *struct{}) {
		fmt.Printf("shard %d ready: new session\n", e.Shard)
	})
	// RESUMED means the shard continued a session, here usually one that
	// another node ran until it drained or died.
	gatewayutil.On(d, event.Resumed, func(ctx context.Context, e *gatewayutil.Event, _ *struct{}) {
		fmt.Printf("shard %d resumed\n", e.Shard)
	})
	// PerGuild runs this handler on worker goroutines, in order within each
	// guild and in parallel across guilds.
	gatewayutil.On(d, event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event, m *message) {
		fmt.Printf("shard %d: message %s in guild %s\n", e.Shard, m.ID, m.GuildID)
	}, gatewayutil.Deliver(gatewayutil.PerGuild))

	shardTemplate := gatewayutil.Config{
		Token:       token,
		URL:         gb.URL,
		Intents:     d.Intents(), // what the handlers need
		Compression: gatewayutil.CompressZlibStream,
		Sink:        d,
		Logger:      log,
	}
	if o.api != gatewayutil.DefaultAPIBase {
		// The emulator hands out resume URLs on 127.0.0.1.
		shardTemplate.ResumeURLPolicy = gatewayutil.LoopbackResumeURLs
	}

	// Optionally, publish every dispatch on NATS too, for workers
	// (examples/worker) to handle: live events go only to the types some
	// worker asked for, at most once; durable ones are kept in a JetStream
	// stream until the workers acknowledge them. The workers read message
	// content, a privileged intent (switch it on in the developer portal).
	var events *cluster.Publisher
	if o.events != "off" {
		mode := cluster.Live
		if o.events == "durable" {
			mode = cluster.Durable
		}
		events, err = cluster.NewPublisher(ctx, buckets, nc, cluster.PublisherConfig{Mode: mode, Logger: log})
		if err != nil {
			return err
		}
		defer events.Close()
		shardTemplate.Intents |= intents.GuildMessages | intents.MessageContent
	}

	// 6. The node. It announces itself with its capacity, computes from the
	// live members which shards are its own (every node computes the same
	// answer), takes a lease on each, and runs it: resuming the session
	// stored in NATS if there is one, identifying through the limiter
	// otherwise. It writes each shard's session to NATS as it goes, so
	// whichever node runs the shard next resumes it.
	node, err := cluster.NewNode(buckets, cluster.NodeConfig{
		Instance:   o.instance,
		Capacity:   o.capacity,
		ShardCount: shardCount,
		Limiter:    limiter,
		Shard:      shardTemplate,
		Logger:     log,
		Events:     events, // nil when -events is off
		// A shard taken over resumes from the last sequence number stored.
		// After a drain that is exact; after a crash, events the dead node
		// handled since its last write (at most a second's worth) come
		// again: deduplicate by (shard, session, seq) where that matters.
		OnTakeover: func(shard int, s gateway.Session) {
			fmt.Printf("shard %d taken over: resuming its session from seq %d\n", shard, s.Seq)
		},
	})
	if err != nil {
		return err
	}
	fmt.Printf("node %s running, %d shards in the bot, capacity %d\n", o.instance, shardCount, o.capacity)

	// Run returns when ctx ends, after the drain: every shard closed with a
	// close code that keeps its session resumable, its final session
	// written, its lease released, the node gone from the members. Or
	// earlier, on an error no node can recover from, such as a wrong token.
	runErr := node.Run(ctx)

	// Let the identify limiter and the PerGuild workers finish before NATS
	// closes.
	limiter.Wait()
	closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(runErr, d.Close(closeCtx))
}

// openBuckets opens the buckets, trying again for half a minute: nodes
// started together race to create them, and NATS may still be starting.
func openBuckets(ctx context.Context, js jetstream.JetStream, cfg cluster.Config) (*cluster.Buckets, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		b, err := cluster.Open(ctx, js, cfg)
		if err == nil {
			return b, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("open the cluster's buckets: %w", err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}
