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
// Flags:
//
//	-addr 127.0.0.1:0          address to listen on
//	-tokens a,b                accepted bot tokens (default: any non-empty token)
//	-shards N                  recommended shard count in /gateway/bot (default from -guilds)
//	-max-concurrency N         session_start_limit.max_concurrency (default 1)
//	-guilds N                  generated guilds (default 16)
//	-rate N                    built-in dispatches per second per shard; 0 = as fast as the client reads (default 10)
//	-traffic                   send built-in traffic (default true)
//	-chaos F                   mean random faults per session per second (default 0)
//	-seed N                    seed for traffic, session ids and chaos (default 1)
//	-time-scale F              multiply every protocol duration by F (default 1)
//	-heartbeat-interval D      heartbeat_interval sent in HELLO, before scaling (default 41.25s)
//	-privileged LIST           privileged intents the bot may use, e.g. GUILD_MEMBERS|MESSAGE_CONTENT (default ALL)
//	-session-start-limit N     session_start_limit.total per token (default 1000)
//	-log-level LEVEL           debug, info, warn or error (default info)
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

// parseFlags reads the command line into a Config.
func parseFlags(args []string, stderr io.Writer) (gatewaytest.Config, slog.Level, error) {
	var cfg gatewaytest.Config
	fs := flag.NewFlagSet("emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:0", "address to listen on")
	tokens := fs.String("tokens", "", "accepted bot tokens, comma-separated (default: any non-empty token)")
	fs.IntVar(&cfg.Shards, "shards", 0, "recommended shard count in /gateway/bot (default: one per 1000 guilds)")
	fs.IntVar(&cfg.MaxConcurrency, "max-concurrency", 1, "session_start_limit.max_concurrency")
	fs.IntVar(&cfg.Guilds, "guilds", 16, "number of generated guilds")
	fs.Float64Var(&cfg.Rate, "rate", 10, "built-in dispatches per second per shard; 0 = as fast as the client reads")
	fs.BoolVar(&cfg.Traffic, "traffic", true, "send built-in traffic")
	fs.Float64Var(&cfg.Chaos, "chaos", 0, "mean random faults per session per second")
	fs.Int64Var(&cfg.Seed, "seed", 1, "seed for traffic, session ids and chaos")
	fs.Float64Var(&cfg.TimeScale, "time-scale", 1, "multiply every protocol duration by this")
	fs.DurationVar(&cfg.HeartbeatInterval, "heartbeat-interval", 41250*time.Millisecond, "heartbeat_interval sent in HELLO, before time scaling")
	privileged := fs.String("privileged", "ALL", "privileged intents the bot may use (names joined by | or ,; NONE for none)")
	fs.IntVar(&cfg.SessionStartLimit, "session-start-limit", 1000, "session_start_limit.total per token")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return cfg, 0, err
	}
	if fs.NArg() > 0 {
		return cfg, 0, fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	for _, t := range strings.Split(*tokens, ",") {
		if t = strings.TrimSpace(t); t != "" {
			cfg.Tokens = append(cfg.Tokens, t)
		}
	}
	in, err := intents.Parse(*privileged)
	if err != nil {
		return cfg, 0, fmt.Errorf("%w: -privileged: %w", errUsage, err)
	}
	cfg.AllowedPrivileged = in & intents.Privileged // ALL means every privileged one
	if cfg.Guilds == 0 {
		cfg.Guilds = -1 // -guilds 0: a bot in no guild
	}
	if cfg.TimeScale <= 0 {
		return cfg, 0, fmt.Errorf("%w: -time-scale must be positive", errUsage)
	}
	if cfg.HeartbeatInterval <= 0 {
		return cfg, 0, fmt.Errorf("%w: -heartbeat-interval must be positive", errUsage)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return cfg, 0, fmt.Errorf("%w: -log-level: %w", errUsage, err)
	}
	return cfg, level, nil
}
