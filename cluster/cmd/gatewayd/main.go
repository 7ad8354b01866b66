// Command gatewayd is one node of a cluster that runs a bot's shards across
// processes and machines, coordinated through NATS JetStream: run one per
// machine, all pointing at the same NATS.
//
//	gatewayd -nats nats://10.0.0.5:4222 -instance $(hostname) -capacity 500 -metrics :9100
//
// Without -nats it starts an embedded NATS server (one machine, no set-up);
// without -token (or DISCORD_TOKEN) it runs against an embedded gateway
// emulator. SIGINT or SIGTERM drains the node: its shards close resumably,
// their sessions are written and their leases released, so the other nodes
// resume them without spending an identify.
//
// With -nodes N it is instead an offline soak test: N nodes in one process,
// each with its own NATS connection, sockets and leases, against the
// emulator, a random node killed abruptly every -kill-every and restarted,
// every session audited at the end. The last line of stdout with -json is the
// summary; the exit status is 0 after a clean run, 1 when the audit fails,
// 2 on a usage error.
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
	"syscall"
	"time"
)

// options are the command line.
type options struct {
	natsURL    string
	natsStore  string
	token      string
	app        string
	prefix     string
	shards     int
	capacity   int
	instance   string
	metrics    string
	jsonOut    bool
	quiet      bool
	intents    string
	maxConc    int
	timeScale  float64
	emuRate    float64
	nodes      int
	killEvery  time.Duration
	duration   time.Duration
	chaos      float64
	seed       int64
	leaseTTL   time.Duration
	flushEvery time.Duration
	workers    int
	durable    bool
	traffic    bool
	flushSet   bool // -flush given: the soak keeps it
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "gatewayd:", err)
		return 2
	}
	level := slog.LevelInfo
	if o.quiet {
		level = slog.LevelWarn
	}
	var log *slog.Logger
	if o.jsonOut {
		log = slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	} else {
		log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.nodes > 0 {
		return runSoak(ctx, o, stdout, log)
	}
	if err := runNode(ctx, o, log); err != nil {
		log.Error("gatewayd stopped", "err", err)
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("gatewayd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.natsURL, "nats", "", "NATS URL; empty starts an embedded NATS server on 127.0.0.1")
	fs.StringVar(&o.natsStore, "nats-store", "", "store directory of the embedded NATS server (default: a temporary directory)")
	fs.StringVar(&o.token, "token", "", "bot token (default $DISCORD_TOKEN); empty runs against an embedded emulator")
	fs.StringVar(&o.app, "app", "bot", "application name: the key prefix shared by every node of the bot")
	fs.StringVar(&o.prefix, "prefix", "gateway", "KV bucket name prefix")
	fs.IntVar(&o.shards, "shards", 0, "total shard count (0 = recommended by GET /gateway/bot)")
	fs.IntVar(&o.capacity, "capacity", 1000, "most shards this node runs")
	fs.StringVar(&o.instance, "instance", "", "this node's id, unique in the cluster (default: host name)")
	fs.StringVar(&o.metrics, "metrics", "", "serve /metrics and /healthz on this address (e.g. 127.0.0.1:9100)")
	fs.BoolVar(&o.jsonOut, "json", false, "JSON logs; in a soak, the summary as one JSON object on the last line of stdout")
	fs.BoolVar(&o.quiet, "quiet", false, "log warnings and errors only")
	fs.StringVar(&o.intents, "intents", "", "intents, names joined by | or , or a number (default: guilds and guild messages)")
	fs.IntVar(&o.maxConc, "max-concurrency", 4, "emulator: identify max_concurrency")
	fs.Float64Var(&o.timeScale, "time-scale", 0, "emulator: multiply protocol windows (default 1, soak 0.1)")
	fs.Float64Var(&o.emuRate, "emu-rate", 20, "soak: dispatches per second per shard")
	fs.IntVar(&o.nodes, "nodes", 0, "soak: run N nodes in this process against the emulator")
	fs.DurationVar(&o.killEvery, "kill-every", 0, "soak: kill a random node abruptly this often, then restart it")
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "soak: how long to run")
	fs.Float64Var(&o.chaos, "chaos", 0, "soak: mean emulator faults per shard per second")
	fs.Int64Var(&o.seed, "seed", 1, "soak: seed of the emulator and of the kills")
	fs.DurationVar(&o.leaseTTL, "lease-ttl", 0, "lease and membership TTL (default 15 s; soak 3 s)")
	fs.IntVar(&o.workers, "workers", 0, "soak: also run M workers consuming the events over NATS (audited at their handlers)")
	fs.BoolVar(&o.durable, "durable", false, "soak: publish events into the durable JetStream stream (default live, core NATS)")
	fs.DurationVar(&o.flushEvery, "flush", time.Second, "most staleness of a stored sequence number (soak default 200 ms)")
	fs.BoolVar(&o.traffic, "traffic", false, "soak: count the embedded NATS server's messages per KV bucket (a tap subscription on every subject)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	fs.Visit(func(f *flag.Flag) { o.flushSet = o.flushSet || f.Name == "flush" })
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.token == "" {
		o.token = os.Getenv("DISCORD_TOKEN")
	}
	switch {
	case o.nodes < 0:
		return o, errors.New("-nodes must be 0 or more")
	case o.shards < 0:
		return o, errors.New("-shards must be 0 or more")
	case o.capacity < 1:
		return o, errors.New("-capacity must be at least 1")
	case o.maxConc < 1:
		return o, errors.New("-max-concurrency must be at least 1")
	case o.timeScale < 0 || o.chaos < 0 || o.emuRate < 0:
		return o, errors.New("-time-scale, -chaos and -emu-rate must not be negative")
	case o.duration <= 0:
		return o, errors.New("-duration must be positive")
	case o.killEvery < 0 || o.leaseTTL < 0 || o.flushEvery <= 0:
		return o, errors.New("-kill-every and -lease-ttl must not be negative, -flush must be positive")
	case o.nodes > 0 && o.token != "":
		return o, errors.New("-nodes (the soak) runs against the embedded emulator only: no -token")
	}
	if o.instance == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			h = "node"
		}
		o.instance = sanitize(h)
	}
	return o, nil
}

// sanitize keeps the characters a key token may hold.
func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '-'
		}
	}
	return string(b)
}
