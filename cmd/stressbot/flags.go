package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
)

// options are the command line, parsed and checked. The flag names are a
// contract (README, "stressbot"): add to them, never rename.
type options struct {
	token    string
	gateway  string
	api      string
	shards   int
	shardIDs []int
	intents  intents.Intent
	encoding string
	compress gatewayutil.Compression
	duration time.Duration
	events   int64
	json     bool
	quiet    bool
	logLevel string

	emuRate           float64
	emuGuilds         int
	emuMaxConcurrency int
	chaos             float64
	seed              int64
	timeScale         float64
}

// errUsage marks a command line that cannot run: exit 2.
var errUsage = errors.New("usage")

// defaultIntents are what the emulator's traffic needs, without the
// privileged ones a new application does not have.
const defaultIntents = intents.NonPrivileged

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("stressbot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: stressbot [flags]\n\n"+
			"Soak-tests Discord gateway shards. With no token (-token or DISCORD_TOKEN) it runs\n"+
			"against an embedded emulator on 127.0.0.1; with a token, against Discord.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	var shardIDs, intentStr, compress string
	fs.StringVar(&o.token, "token", "", "bot token (default $DISCORD_TOKEN); none runs the embedded emulator")
	fs.StringVar(&o.gateway, "gateway", "", "gateway URL to dial instead of asking GET /gateway/bot")
	fs.StringVar(&o.api, "api", "", "REST base for GET /gateway/bot (default https://discord.com/api/v10)")
	fs.IntVar(&o.shards, "shards", 0, "total shard count; 0 = the recommended count")
	fs.StringVar(&shardIDs, "shard-ids", "", "shards this process runs, as 0-3 or 0,2,5 (default all)")
	fs.StringVar(&intentStr, "intents", "", "intents: names joined by | or , or a number (default all non-privileged)")
	fs.StringVar(&o.encoding, "encoding", "json", "gateway encoding: json or etf")
	fs.StringVar(&compress, "compress", "zlib-stream", "compression: zlib-stream, zstd-stream, payload or none")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long to run; 0 runs until interrupted")
	fs.Int64Var(&o.events, "events", 0, "stop after this many dispatches in total (0 = no limit)")
	fs.BoolVar(&o.json, "json", false, "print the final summary as one JSON object on the last line of stdout")
	fs.BoolVar(&o.quiet, "quiet", false, "no live progress")
	fs.StringVar(&o.logLevel, "log-level", "warn", "log level on stderr: debug, info, warn or error")
	fs.Float64Var(&o.emuRate, "emu-rate", 50, "emulator: dispatches per second per shard; 0 = as fast as the bot reads")
	fs.IntVar(&o.emuGuilds, "emu-guilds", 64, "emulator: number of guilds")
	fs.IntVar(&o.emuMaxConcurrency, "emu-max-concurrency", 16, "emulator: session_start_limit.max_concurrency")
	fs.Float64Var(&o.chaos, "chaos", 0, "emulator: mean injected faults per shard per second")
	fs.Int64Var(&o.seed, "seed", 1, "emulator: seed for traffic and chaos, so a run can be repeated")
	fs.Float64Var(&o.timeScale, "time-scale", 0.1, "emulator: multiplies protocol durations (heartbeat interval, identify window, resume window)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	if o.token == "" {
		o.token = os.Getenv("DISCORD_TOKEN")
	}
	bad := func(format string, a ...any) (*options, error) {
		return nil, fmt.Errorf("%w: "+format, append([]any{errUsage}, a...)...)
	}
	var err error
	if o.shardIDs, err = gatewayutil.ParseShardIDs(shardIDs); err != nil {
		return bad("-shard-ids: %v", err)
	}
	o.intents = defaultIntents
	if intentStr != "" {
		if o.intents, err = intents.Parse(intentStr); err != nil {
			return bad("-intents: %v", err)
		}
	}
	if o.encoding != "json" && o.encoding != "etf" {
		return bad("-encoding %q: want json or etf", o.encoding)
	}
	if o.compress, err = gatewayutil.ParseCompression(compress); err != nil {
		return bad("-compress: %v", err)
	}
	if o.compress == gatewayutil.CompressPayload && o.encoding != "json" {
		return bad("-compress payload needs -encoding json")
	}
	switch {
	case o.shards < 0:
		return bad("-shards %d: must not be negative", o.shards)
	case o.duration < 0:
		return bad("-duration %v: must not be negative", o.duration)
	case o.events < 0:
		return bad("-events %d: must not be negative", o.events)
	case o.emuRate < 0, o.chaos < 0:
		return bad("-emu-rate and -chaos must not be negative")
	case o.emuGuilds < 0:
		return bad("-emu-guilds %d: must not be negative", o.emuGuilds)
	case o.emuMaxConcurrency < 1:
		return bad("-emu-max-concurrency %d: must be at least 1", o.emuMaxConcurrency)
	case !(o.timeScale > 0) || o.timeScale > 10:
		return bad("-time-scale %v: must be in (0, 10]", o.timeScale)
	}
	for _, id := range o.shardIDs {
		if o.shards > 0 && id >= o.shards {
			return bad("-shard-ids: shard %d is outside [0, %d)", id, o.shards)
		}
	}
	if _, err := parseLevel(o.logLevel); err != nil {
		return bad("-log-level: %v", err)
	}
	return o, nil
}
