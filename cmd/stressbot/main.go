// Command stressbot soak-tests Discord gateway shards: it runs a shard
// Manager against an embedded emulator (no token needed) or against Discord,
// shows live progress, and ends with a summary that includes an exactly-once
// audit of every session's sequence numbers.
//
//	go run ./cmd/stressbot                                  # 16 shards, emulator, 10 s
//	go run ./cmd/stressbot -shards 32 -chaos 0.2 -duration 60s -json
//	DISCORD_TOKEN=... go run ./cmd/stressbot -duration 1h   # against Discord
//
// Live progress goes to stderr and the summary to stdout, so
// "stressbot -json | jq ." works. Ctrl-C (SIGINT) or SIGTERM closes every
// shard resumably, then the embedded emulator, prints the summary and
// exits 0; a second Ctrl-C quits at once.
//
// Exit status: 0 after a clean stop, 1 on a fatal gateway error (the
// message names the close code), 2 on a usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole program, minus the process: tests call it directly.
// stdout receives the summary only (with -json, exactly one JSON object);
// progress, logs and errors go to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "stressbot: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// After the first interrupt the signals get their default action
		// back: a second Ctrl-C ends the process at once, while the first
		// one's graceful shutdown is still running.
		<-ctx.Done()
		stop()
	}()
	b := newBot(o, stderr)
	sum, err := b.run(ctx)
	if sum != nil {
		if o.json {
			_ = sum.WriteJSON(stdout)
		} else {
			_ = sum.WriteTable(stdout)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "stressbot: %v\n", err)
		if errors.Is(err, errUsage) {
			return 2
		}
		return 1
	}
	return 0
}
