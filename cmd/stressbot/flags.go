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
// contract other tools rely on: add to them, never rename.
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

	// maxIdentifies caps the identifies of a run whose daily budget is
	// unknown; maxIdentifiesSet says the flag was given, which makes it
	// cap a known budget too.
	maxIdentifies    int
	maxIdentifiesSet bool

	emuRate           float64
	emuGuilds         int
	emuMaxConcurrency int
	chaos             float64
	seed              int64
	timeScale         float64

	// cache puts a state cache in front of the dispatcher and compares it
	// with the embedded emulator's world at the end; cacheRestartEvery is
	// how often the manager restarts from the cache's snapshots (0: once,
	// halfway through -duration).
	cache             bool
	cacheRestartEvery time.Duration
}

// defaultIntents are what the emulator's traffic needs, without the
// privileged ones a new application does not have.
const defaultIntents = intents.NonPrivileged

// defaultMaxIdentifies is how many identifies a run may spend when nothing
// tells it the daily budget: a custom -gateway without a reachable -api. A
// gateway that closes every session right after READY then stops the run
// after this many, not after a day's budget (Discord's default is 1000,
// and running it out gets the token reset).
const defaultMaxIdentifies = 100

// defaultChaos is the embedded emulator's fault rate when -chaos is not
// given: enough that the default 10-second run of 16 shards resumes and
// re-identifies (a few faults per run), little enough that the run stays
// a picture of a healthy fleet.
const defaultChaos = 0.05

// parseFlags reads and checks the command line. -h prints the usage on
// stderr and returns flag.ErrHelp; every other error matches errUsage and
// has not been printed yet.
func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("stressbot", flag.ContinueOnError)
	// The flag package would print a parse error and the whole usage
	// itself; run prints the error once instead, and -h the usage.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var shardIDs, intentStr, compress string
	fs.StringVar(&o.token, "token", "", "bot token (default $DISCORD_TOKEN); none runs the embedded emulator")
	fs.StringVar(&o.gateway, "gateway", "", "gateway URL to dial instead of the one GET /gateway/bot names; the identify budget then\n"+
		"comes from GET /gateway/bot of -api if given, else from -max-identifies")
	fs.StringVar(&o.api, "api", "", "REST base for GET /gateway/bot (default https://discord.com/api/v10)")
	fs.IntVar(&o.shards, "shards", 0, "total shard count; 0 = the recommended count")
	fs.StringVar(&shardIDs, "shard-ids", "", "shards this process runs, as 0-3 or 0,2,5 (default all)")
	fs.StringVar(&intentStr, "intents", "", "intents: names joined by | or , or a number (default all non-privileged)")
	fs.StringVar(&o.encoding, "encoding", "json", "gateway encoding: json or etf")
	fs.StringVar(&compress, "compress", "zlib-stream", "compression: zlib-stream, zstd-stream, payload or none")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long to run; 0 runs until interrupted")
	fs.Int64Var(&o.events, "events", 0, "stop after this many dispatches in total (0 = no limit)")
	fs.BoolVar(&o.json, "json", false, "print the summary as one JSON object, alone on stdout (progress and logs go to stderr)")
	fs.BoolVar(&o.quiet, "quiet", false, "no live progress on stderr")
	fs.StringVar(&o.logLevel, "log-level", "warn", "log level on stderr: debug, info, warn or error")
	fs.IntVar(&o.maxIdentifies, "max-identifies", defaultMaxIdentifies,
		"most identifies this run may spend when the daily budget is unknown (-gateway without a reachable -api);\n"+
			"given explicitly, it also caps a budget that GET /gateway/bot reports (not used with the embedded emulator)")
	fs.Float64Var(&o.emuRate, "emu-rate", 50, "emulator: dispatches per second per shard; 0 = as fast as the bot reads")
	fs.IntVar(&o.emuGuilds, "emu-guilds", 64, "emulator: number of guilds")
	fs.IntVar(&o.emuMaxConcurrency, "emu-max-concurrency", 16, "emulator: session_start_limit.max_concurrency")
	fs.Float64Var(&o.chaos, "chaos", defaultChaos, "emulator: mean injected faults per shard per second; 0 for none")
	fs.Int64Var(&o.seed, "seed", 1, "emulator: seed for traffic and chaos, so a run can be repeated")
	fs.Float64Var(&o.timeScale, "time-scale", 0.1, "emulator: multiplies protocol durations (heartbeat interval, identify window, resume window)")
	fs.BoolVar(&o.cache, "cache", false, "keep a state cache in front of the dispatcher and end by comparing it with the embedded emulator's\n"+
		"world field by field (cache_differences; any difference exits 1); the emulator's traffic then changes its\n"+
		"world as it is sent, and the default intents are all of them (embedded emulator only)")
	fs.DurationVar(&o.cacheRestartEvery, "cache-restart-every", 0, "with -cache: restart the shards every so often, the cache saved with the sessions and restored\n"+
		"before they resume; 0 = once, halfway through -duration")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stderr, fs)
			return nil, err
		}
		return nil, usagef("%v (stressbot -h lists the flags)", err)
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected arguments %q (stressbot takes flags only)", fs.Args())
	}
	fs.Visit(func(f *flag.Flag) { o.maxIdentifiesSet = o.maxIdentifiesSet || f.Name == "max-identifies" })
	if o.token == "" {
		o.token = os.Getenv("DISCORD_TOKEN")
	}
	bad := func(format string, a ...any) (*options, error) {
		return nil, usagef(format, a...)
	}
	var err error
	if o.shardIDs, err = gatewayutil.ParseShardIDs(shardIDs); err != nil {
		return nil, flagError("shard-ids", shardIDs, err)
	}
	o.intents = defaultIntents
	if o.cache && intentStr == "" {
		o.intents = intents.All
	}
	if intentStr != "" {
		if o.intents, err = intents.Parse(intentStr); err != nil {
			return nil, flagError("intents", intentStr, err)
		}
	}
	if o.encoding != "json" && o.encoding != "etf" {
		return bad("-encoding %q: want json or etf", o.encoding)
	}
	if o.compress, err = gatewayutil.ParseCompression(compress); err != nil {
		return nil, flagError("compress", compress, err)
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
	case o.maxIdentifies < 1:
		return bad("-max-identifies %d: must be at least 1", o.maxIdentifies)
	case o.cacheRestartEvery < 0:
		return bad("-cache-restart-every %v: must not be negative", o.cacheRestartEvery)
	case o.cache && (o.token != "" || o.gateway != "" || o.api != ""):
		return bad("-cache compares the cache with the embedded emulator's world: it takes no -token, -gateway or -api")
	}
	for _, id := range o.shardIDs {
		if o.shards > 0 && id >= o.shards {
			return bad("-shard-ids: shard %d is outside [0, %d)", id, o.shards)
		}
	}
	if _, err := parseLevel(o.logLevel); err != nil {
		return nil, flagError("log-level", o.logLevel, err)
	}
	return o, nil
}

// printUsage writes what stressbot is and its flags.
func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `Usage: stressbot [flags]

Soak-tests Discord gateway shards. With no token (-token or DISCORD_TOKEN) it runs
against an embedded emulator on 127.0.0.1; with a token, against Discord (or the
gateway that -gateway or -api names). Live progress goes to stderr; the summary to
stdout (with -json, as one JSON object, the last line). Ctrl-C closes every session
resumably and prints the summary.

Exit status: 0 after a clean stop, 1 on a fatal gateway error, 2 on a usage error.

Flags:
`)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}
