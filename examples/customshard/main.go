// Command customshard is a shard manager of its own, built on the sans-I/O
// protocol core (gateway.Client) instead of gatewayutil: it owns the
// sockets (gobwas/ws), the heartbeat timers and the reconnect loop, and
// gateway.Client decides what every message means and what to answer. Start
// here to fit the protocol into a runtime of your own (an event loop, a
// different WebSocket library, a cluster of processes).
//
// It runs -shards shards, identifying through a ratelimit.IdentifyLimiter
// so that no two shards of one bucket identify within 5 seconds, and prints
// every dispatch it receives. It takes no compression, for brevity.
//
//	DISCORD_TOKEN=... go run ./examples/customshard -shards 2
//
// Against the emulator:
//
//	go run ./cmd/emulator -shards 2   # prints "gateway ws://127.0.0.1:PORT/"
//	DISCORD_TOKEN=any go run ./examples/customshard -shards 2 -gateway ws://127.0.0.1:PORT/
package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/ratelimit"
)

func main() {
	gatewayURL := flag.String("gateway", "wss://gateway.discord.gg/", "gateway URL (a real bot asks GET /gateway/bot for it)")
	shards := flag.Int("shards", 1, "total shard count; this process runs them all")
	maxConcurrency := flag.Int("max-concurrency", 1, "identifies allowed per 5 s (session_start_limit.max_concurrency)")
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := run(ctx, log, *gatewayURL, *shards, *maxConcurrency, gateway.NewToken(os.Getenv("DISCORD_TOKEN"))); err != nil {
		log.Error("stopped", "err", err)
		os.Exit(1)
	}
}

// run runs every shard until ctx ends or one of them meets a fatal error
// (such as close code 4004, a wrong token), which stops them all.
func run(ctx context.Context, log *slog.Logger, gatewayURL string, shards, maxConcurrency int, token gateway.Token) error {
	if token.IsZero() {
		return errors.New("set DISCORD_TOKEN (against the emulator any value works)")
	}
	// One limiter for all shards: it hands out identify slots per bucket
	// (shard id % max_concurrency), one per 5 s window each.
	limiter, err := ratelimit.NewLocalIdentifyLimiter(maxConcurrency)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for id := range shards {
		s := &shard{id: id, count: shards, token: token, gatewayURL: gatewayURL, limiter: limiter, log: log.With("shard", id)}
		wg.Go(func() {
			if err := s.run(ctx); err != nil {
				cancel(err) // fatal: stop every shard
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
