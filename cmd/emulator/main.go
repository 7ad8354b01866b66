// Command emulator runs the offline Discord gateway emulator of package
// gatewaytest as a standalone server, so bots in any language can test
// against it.
//
//	go run ./cmd/emulator [flags]
//
// On start it prints two lines on stdout,
//
//	gateway ws://HOST:PORT
//	api http://HOST:PORT/api/v10
//
// then serves until interrupted (SIGINT or SIGTERM). Logs go to stderr.
// Point a bot's gateway URL at the first line (or its REST base at the
// second: GET /gateway/bot answers with the gateway URL). The emulator
// accepts v=9 and v=10, encoding=json|etf, compress=zlib-stream|zstd-stream
// and identify compress:true, and closes with Discord's close codes when a
// client breaks the protocol.
//
// Its defaults follow Discord's timing and a new bot's limits: real time
// (-time-scale 1), max_concurrency 1, 16 guilds, 10 dispatches per second
// per shard, no chaos. stressbot's embedded emulator differs on purpose (time scaled by 0.1, 16
// buckets, 64 guilds, 50 per second, a little chaos) to show a lot in ten
// seconds; the README has the table. Every privileged intent is allowed by
// default (-privileged ALL), so any bot can connect; gatewaytest.Config
// allows none by default, like a new application. -privileged NONE gives the
// strict behaviour.
//
// Run with -h for the flags. Exit status: 0 after an interrupt, 1 when the
// server cannot start, 2 on a usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/intents"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// errUsage marks a bad command line (exit status 2).
var errUsage = errors.New("usage")

// usageError is a command-line error whose message needs no prefix.
type usageError struct{ msg string }

func (e *usageError) Error() string        { return e.msg }
func (e *usageError) Is(target error) bool { return target == errUsage }

func usagef(format string, a ...any) error { return &usageError{msg: fmt.Sprintf(format, a...)} }

// usageHeader is what -h prints before the flags.
const usageHeader = `Usage: emulator [flags]

A Discord-compatible gateway for tests: bots in any language connect to it
offline, identify, heartbeat, receive READY, GUILD_CREATE and generated
traffic, resume, and are closed with Discord's close codes when they break
the protocol. Faults can be injected at random (-chaos) and time scaled
(-time-scale), so hours of gateway life fit in a test.

On start it writes two lines on stdout, then serves until interrupted
(SIGINT or SIGTERM); logs go to stderr:

  gateway ws://HOST:PORT          the gateway URL (add ?v=10&encoding=json)
  api http://HOST:PORT/api/v10    REST base: GET /gateway and /gateway/bot

It accepts v=9 and v=10, encoding=json|etf, compress=zlib-stream|zstd-stream
and identify compress:true.

Defaults are Discord's timing and a new bot's limits, except that every
privileged intent is allowed (-privileged ALL) so any bot connects;
-privileged NONE refuses them with 4014 as Discord does for an application
that has not enabled them (gatewaytest.Config's default). stressbot's
embedded emulator uses other defaults (time scale 0.1, max_concurrency 16,
64 guilds, 50 dispatches/s, chaos 0.05); pass those flags to match it.

Exit status: 0 after an interrupt, 1 when the server cannot start, 2 on a
usage error.

Flags:
`

// run runs the emulator until ctx is done and returns the exit status: 0
// after a clean stop, 1 when the server cannot start, 2 on usage errors.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, level, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "emulator:", err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	cfg.Logger = log
	srv, err := gatewaytest.NewServer(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "emulator:", err)
		if errors.Is(err, gatewaytest.ErrConfig) {
			return 2
		}
		return 1
	}
	if err := srv.Start(ctx); err != nil {
		fmt.Fprintln(stderr, "emulator:", err)
		return 1
	}
	fmt.Fprintf(stdout, "gateway %s\napi %s\n", srv.URL(), srv.APIURL())
	<-ctx.Done()
	log.Info("shutting down", "stats", fmt.Sprintf("%+v", srv.Stats()))
	_ = srv.Close()
	return 0
}

// parseFlags reads the command line into a Config. -h prints the usage on
// stderr and returns flag.ErrHelp; any other error has not been printed.
func parseFlags(args []string, stderr io.Writer) (gatewaytest.Config, slog.Level, error) {
	var cfg gatewaytest.Config
	fs := flag.NewFlagSet("emulator", flag.ContinueOnError)
	// The flag package would print a parse error and the usage itself;
	// run prints the error once instead, and -h the usage.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:0", "address to listen on")
	tokens := fs.String("tokens", "", "accepted bot tokens, comma-separated (default: any non-empty token)")
	fs.IntVar(&cfg.Shards, "shards", 0, "recommended shard count in /gateway/bot (default: one per 1000 guilds)")
	fs.IntVar(&cfg.MaxConcurrency, "max-concurrency", 1, "session_start_limit.max_concurrency: identify buckets (shard_id % N), at least 1")
	fs.IntVar(&cfg.Guilds, "guilds", 16, "number of generated guilds; 0 for a bot in no guild")
	fs.Float64Var(&cfg.Rate, "rate", 10, "built-in dispatches per second per shard; 0 = as fast as the client reads")
	fs.BoolVar(&cfg.Traffic, "traffic", true, "send built-in traffic")
	fs.Float64Var(&cfg.Chaos, "chaos", 0, "mean random faults per session per second")
	fs.Int64Var(&cfg.Seed, "seed", 1, "seed for traffic, session ids and chaos")
	fs.Float64Var(&cfg.TimeScale, "time-scale", 1, "multiply every protocol duration by this")
	fs.DurationVar(&cfg.HeartbeatInterval, "heartbeat-interval", 41250*time.Millisecond, "heartbeat_interval sent in HELLO, before time scaling")
	privileged := fs.String("privileged", "ALL", "privileged intents the bot may use, names joined by | or ,:\n"+
		"ALL lets any bot connect; NONE refuses them with 4014 (gatewaytest.Config's default)")
	fs.IntVar(&cfg.SessionStartLimit, "session-start-limit", 1000, "session_start_limit.total per token")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, usageHeader)
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return cfg, 0, err
		}
		return cfg, 0, usagef("%v (emulator -h lists the flags)", err)
	}
	if fs.NArg() > 0 {
		return cfg, 0, usagef("unexpected arguments %q (the emulator takes flags only)", fs.Args())
	}
	switch {
	case cfg.MaxConcurrency < 1:
		return cfg, 0, usagef("-max-concurrency %d: must be at least 1 (Discord's smallest is 1: one identify per 5 s)", cfg.MaxConcurrency)
	case cfg.Shards < 0:
		return cfg, 0, usagef("-shards %d: must not be negative (0 = one per 1000 guilds)", cfg.Shards)
	case cfg.Guilds < 0:
		return cfg, 0, usagef("-guilds %d: must not be negative", cfg.Guilds)
	case cfg.Rate < 0:
		return cfg, 0, usagef("-rate %v: must not be negative (0 = as fast as the client reads)", cfg.Rate)
	case cfg.Chaos < 0:
		return cfg, 0, usagef("-chaos %v: must not be negative", cfg.Chaos)
	case cfg.SessionStartLimit < 1:
		return cfg, 0, usagef("-session-start-limit %d: must be at least 1", cfg.SessionStartLimit)
	}
	for _, t := range strings.Split(*tokens, ",") {
		if t = strings.TrimSpace(t); t != "" {
			cfg.Tokens = append(cfg.Tokens, t)
		}
	}
	in, err := intents.Parse(*privileged)
	if err != nil {
		return cfg, 0, usagef("-privileged %q: %s", *privileged, strings.TrimPrefix(err.Error(), "intents: "))
	}
	cfg.AllowedPrivileged = in & intents.Privileged // ALL means every privileged one
	if cfg.Guilds == 0 {
		cfg.Guilds = -1 // -guilds 0: a bot in no guild
	}
	if cfg.TimeScale <= 0 {
		return cfg, 0, usagef("-time-scale %v: must be positive", cfg.TimeScale)
	}
	if cfg.HeartbeatInterval <= 0 {
		return cfg, 0, usagef("-heartbeat-interval %v: must be positive", cfg.HeartbeatInterval)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return cfg, 0, usagef("-log-level %q: want debug, info, warn or error", *logLevel)
	}
	return cfg, level, nil
}
