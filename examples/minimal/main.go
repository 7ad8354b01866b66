// Command minimal is the smallest useful bot: it runs every shard Discord
// recommends and prints each message it sees.
//
// Against Discord (enable the Message Content intent for your application in
// the Developer Portal first):
//
//	DISCORD_TOKEN=... go run ./examples/minimal
//
// Against the emulator, with no token of yours needed:
//
//	go run ./cmd/emulator -privileged MESSAGE_CONTENT   # prints "api http://127.0.0.1:PORT/api/v10"
//	DISCORD_TOKEN=any go run ./examples/minimal -api http://127.0.0.1:PORT/api/v10
//
// Stop it with Ctrl-C: the shards close so that their sessions could be
// resumed, and the program exits 0.
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

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
)

func main() {
	api := flag.String("api", gatewayutil.DefaultAPIBase, "REST API base URL to ask GET /gateway/bot (the emulator prints its own)")
	flag.Parse()

	// ctx ends on Ctrl-C (SIGINT) or SIGTERM; everything below stops then.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := run(ctx, *api, gateway.NewToken(os.Getenv("DISCORD_TOKEN"))); err != nil {
		slog.Error("minimal bot stopped", "err", err)
		os.Exit(1)
	}
}

// readme:begin
// run is the whole bot: handlers on a Dispatcher, shards under a Manager.
func run(ctx context.Context, api string, token gateway.Token) error {
	if token.IsZero() {
		return errors.New("set DISCORD_TOKEN (against the emulator any value works)")
	}
	d := gatewayutil.NewDispatcher()
	gatewayutil.On(d, event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event, m *discord.MessageCreate) {
		// discord has a payload type for every dispatch, decoded without reflection.
		// Runs on the shard's read goroutine, in order; keep it quick.
		fmt.Printf("shard %d: %s in %s: %s\n", e.Shard, m.Author.Username, m.ChannelID, m.Content)
	})

	cfg := gatewayutil.ManagerConfig{
		Shard: gatewayutil.Config{
			Token:       token,
			Intents:     d.Intents() | intents.MessageContent, // what the handlers need, no more
			Compression: gatewayutil.CompressZlibStream,
			Sink:        d, // every event goes to the Dispatcher
		},
		APIBase: api, // GET /gateway/bot says how many shards, where, how fast
	}
	if api != gatewayutil.DefaultAPIBase {
		// The emulator hands out resume URLs on 127.0.0.1.
		cfg.Shard.ResumeURLPolicy = gatewayutil.LoopbackResumeURLs
	}
	m, err := gatewayutil.NewManager(cfg)
	if err != nil {
		return err
	}
	return m.Run(ctx) // until ctx ends; then every shard closes resumably
}

// readme:end
