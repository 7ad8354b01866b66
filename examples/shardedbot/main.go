// Command shardedbot is a bot built to be restarted: it runs its shards under
// a Manager, keeps their sessions in files, and on SIGINT or SIGTERM closes
// every shard so that its session stays resumable and saves it. Started
// again within a few minutes, it resumes each shard where it stopped: the
// events sent meanwhile are replayed, and no identify (of the 1,000 a day
// Discord allows) is spent.
//
//	DISCORD_TOKEN=... go run ./examples/shardedbot -sessions /var/lib/mybot
//
// Against the emulator:
//
//	go run ./cmd/emulator -shards 2 -max-concurrency 2   # prints "api http://127.0.0.1:PORT/api/v10"
//	DISCORD_TOKEN=any go run ./examples/shardedbot -api http://127.0.0.1:PORT/api/v10
//
// Press Ctrl-C, start it again, and it prints "resumed" for every shard.
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
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewayutil"
)

func main() {
	api := flag.String("api", gatewayutil.DefaultAPIBase, "REST API base URL to ask GET /gateway/bot (the emulator prints its own)")
	sessions := flag.String("sessions", "sessions", "directory keeping each shard's session between runs")
	shards := flag.Int("shards", 0, "total shard count; 0 uses the count Discord recommends")
	flag.Parse()

	// Logs go to stderr; the bot's own output to stdout.
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	// ctx ends on the first SIGINT (Ctrl-C) or SIGTERM (what systemd,
	// Docker and Kubernetes send to stop a process).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := run(ctx, log, *api, *sessions, *shards, gateway.NewToken(os.Getenv("DISCORD_TOKEN"))); err != nil {
		log.Error("bot stopped", "err", err)
		os.Exit(1)
	}
	log.Info("bot stopped; its sessions are saved and the next run resumes them")
}

// ready is the part of READY this bot reads.
type ready struct {
	SessionID string `json:"session_id"`
}

// message is the part of MESSAGE_CREATE this bot reads.
type message struct {
	ID      string `json:"id"`
	GuildID string `json:"guild_id"`
}

func run(ctx context.Context, log *slog.Logger, api, sessionDir string, shards int, token gateway.Token) error {
	if token.IsZero() {
		return errors.New("set DISCORD_TOKEN (against the emulator any value works)")
	}
	// One file per shard in sessionDir. A restart loads them and resumes.
	store, err := gatewayutil.NewFileSessionStore(sessionDir)
	if err != nil {
		return err
	}

	d := gatewayutil.NewDispatcher()
	// READY means the shard identified: a new session.
	gatewayutil.On(d, event.Ready, func(ctx context.Context, e *gatewayutil.Event, r *ready) {
		fmt.Printf("shard %d identified: new session\n", e.Shard)
	})
	// RESUMED means the shard resumed its old session: what was sent while
	// the bot was away has just been replayed, in order.
	gatewayutil.On(d, event.Resumed, func(ctx context.Context, e *gatewayutil.Event, _ *struct{}) {
		fmt.Printf("shard %d resumed\n", e.Shard)
	})
	// PerGuild runs this handler on worker goroutines, in order within each
	// guild and in parallel across guilds, so a slow handler does not hold
	// up the shard's socket.
	gatewayutil.On(d, event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event, m *message) {
		fmt.Printf("shard %d: message %s in guild %s\n", e.Shard, m.ID, m.GuildID)
	}, gatewayutil.Deliver(gatewayutil.PerGuild))

	cfg := gatewayutil.ManagerConfig{
		Shard: gatewayutil.Config{
			Token:       token,
			Intents:     d.Intents(), // GUILD_MESSAGES and DIRECT_MESSAGES: what the handlers need
			Compression: gatewayutil.CompressZlibStream,
			Sink:        d,
			Logger:      log,
		},
		ShardCount: shards,
		APIBase:    api,
		Store:      store,
		Logger:     log,
	}
	if api != gatewayutil.DefaultAPIBase {
		// The emulator hands out resume URLs on 127.0.0.1.
		cfg.Shard.ResumeURLPolicy = gatewayutil.LoopbackResumeURLs
	}
	m, err := gatewayutil.NewManager(cfg)
	if err != nil {
		return err
	}

	// Run returns when ctx ends, after closing every shard with a close
	// code that keeps its session resumable and saving the sessions in the
	// store; or earlier, on a fatal error such as a wrong token.
	runErr := m.Run(ctx)

	// Let the PerGuild workers finish what they already received.
	closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(runErr, d.Close(closeCtx))
}
