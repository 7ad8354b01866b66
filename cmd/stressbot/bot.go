package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
)

// emulatorToken is the token the bot and the embedded emulator share. It
// is not a secret, but it is handled like one all the same.
const emulatorToken = "stressbot-embedded-emulator"

// bot is one run: the manager, the audit and the counters.
type bot struct {
	o      *options
	stdout io.Writer
	log    *slog.Logger
	errs   atomic.Int64

	audit  *Audit
	events atomic.Int64
	enough chan struct{} // closed when -events is reached
	once   sync.Once

	latMu     sync.Mutex
	latencies []time.Duration
	acks      map[int]int64
}

func newBot(o *options, stdout, stderr io.Writer) *bot {
	b := &bot{o: o, stdout: stdout, audit: NewAudit(), enough: make(chan struct{}), acks: map[int]int64{}}
	level, _ := parseLevel(o.logLevel)
	h := slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})
	b.log = slog.New(countingHandler{next: h, errors: &b.errs})
	return b
}

// onEvent is the bot's only handler: it counts and audits every dispatch,
// inline on the shard's read path, and reads nothing else of it.
func (b *bot) onEvent(_ context.Context, e *gatewayutil.Event) {
	b.audit.Observe(e.Shard, e.Seq, e.Type == event.Ready)
	if n := b.events.Add(1); b.o.events > 0 && n >= b.o.events {
		b.once.Do(func() { close(b.enough) })
	}
}

// run starts the shards (and the emulator when there is no token), runs
// until the duration, the event count, an interrupt or a fatal error, and
// returns the summary. The error is the fatal one, if any.
func (b *bot) run(ctx context.Context) (*Summary, error) {
	o := b.o
	sum := &Summary{Encoding: o.encoding, Compress: o.compress.String(), Target: "discord"}
	if o.gateway != "" || o.api != "" {
		sum.Target = "custom gateway"
	}
	token := o.token
	scale := 1.0
	var emu *gatewaytest.Server
	if token == "" {
		token, scale, sum.Target = emulatorToken, o.timeScale, "emulator"
		var err error
		if emu, err = b.startEmulator(ctx); err != nil {
			return nil, err
		}
		defer emu.Close()
	}

	d := gatewayutil.NewDispatcher(gatewayutil.DispatchLogger(b.log), gatewayutil.HandlerTiming(false))
	d.SubscribeAll(b.onEvent)
	cfg := b.managerConfig(token, scale, d, emu)
	m, err := gatewayutil.NewManager(cfg)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := m.Start(ctx); err != nil {
		return nil, explain(err)
	}
	sum.Shards = len(m.Status())

	var deadline <-chan time.Time
	if o.duration > 0 {
		t := time.NewTimer(o.duration)
		defer t.Stop()
		deadline = t.C
	}
	p := newProgress(b.stdout, o.quiet)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var fatal error
loop:
	for {
		select {
		case <-ctx.Done():
			sum.StopReason = "interrupted"
			break loop
		case <-deadline:
			sum.StopReason = "duration"
			break loop
		case <-b.enough:
			sum.StopReason = "events"
			break loop
		case fatal = <-m.Fatal():
			sum.StopReason = "fatal error"
			break loop
		case <-tick.C:
			st := m.Status()
			b.sampleLatency(st)
			p.update(time.Since(start), st, b.audit.Totals())
		}
	}
	elapsed := time.Since(start)
	p.done()

	// Measure the running state before shutting down.
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	sum.HeapBytes = ms.HeapAlloc
	sum.Goroutines = runtime.NumGoroutine()
	final := m.Status()
	for _, s := range final {
		if s.State == gatewayutil.ShardConnected {
			sum.Ready++
		}
	}
	b.sampleLatency(final)

	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if err := m.Shutdown(sctx); err != nil && fatal == nil {
		b.log.Warn("shutdown", "err", err)
	}
	_ = d.Close(sctx)

	for _, s := range m.Status() {
		sum.BytesWire += s.BytesWire
		sum.BytesDecoded += s.BytesDecoded
		sum.Identifies += s.Identifies
		sum.Resumes += s.Resumes
		sum.Reconnects += s.Reconnects
		sum.InvalidSessions += s.InvalidSessions
		sum.Errors += s.HandlerErrors
	}
	if emu != nil {
		sum.FaultsInjected = emu.FaultsInjected()
	}
	a := b.audit.Totals()
	sum.Events, sum.Sessions = a.Events, a.Sessions
	sum.Lost, sum.Duplicated, sum.OutOfOrder = a.Lost, a.Duplicated, a.OutOfOrder
	sum.Errors += b.errs.Load()
	sum.DurationSec = elapsed.Seconds()
	if secs := elapsed.Seconds(); secs > 0 {
		sum.EventsPerSec = float64(sum.Events) / secs
		sum.WireMBPerSec = float64(sum.BytesWire) / secs / 1e6
		sum.DecodedMBPerS = float64(sum.BytesDecoded) / secs / 1e6
	}
	sum.LatencyP50Ms, sum.LatencyP99Ms = b.latencyPercentiles()
	if fatal != nil {
		fatal = explain(fatal)
		sum.FatalError = fatal.Error()
	}
	return sum, fatal
}

// startEmulator runs the embedded emulator on 127.0.0.1.
func (b *bot) startEmulator(ctx context.Context) (*gatewaytest.Server, error) {
	o := b.o
	shards := o.shards
	if shards == 0 {
		shards = 16
	}
	srv, err := gatewaytest.NewServer(gatewaytest.Config{
		Addr:           "127.0.0.1:0",
		Tokens:         []string{emulatorToken},
		Shards:         shards,
		MaxConcurrency: o.emuMaxConcurrency,
		Guilds:         o.emuGuilds,
		Traffic:        true,
		Rate:           o.emuRate,
		Chaos:          o.chaos,
		Seed:           o.seed,
		TimeScale:      o.timeScale,
		// The embedded bot may ask for any intent; -intents decides.
		AllowedPrivileged: intents.Privileged,
		Logger:            b.log.With("component", "emulator"),
	})
	if err != nil {
		return nil, fmt.Errorf("%w: emulator: %w", errUsage, err)
	}
	if err := srv.Start(ctx); err != nil {
		return nil, fmt.Errorf("starting the emulator: %w", err)
	}
	return srv, nil
}

func (b *bot) managerConfig(token string, scale float64, d *gatewayutil.Dispatcher, emu *gatewaytest.Server) gatewayutil.ManagerConfig {
	o := b.o
	scaled := func(d time.Duration) time.Duration { return time.Duration(float64(d) * scale) }
	cfg := gatewayutil.ManagerConfig{
		Shard: gatewayutil.Config{
			Token:       gateway.Token(token),
			Intents:     o.intents,
			Encoding:    o.encoding,
			Compression: o.compress,
			Sink:        d,
			Logger:      b.log,
		},
		ShardCount: o.shards,
		ShardIDs:   o.shardIDs,
		APIBase:    o.api,
		Logger:     b.log,
	}
	if emu != nil {
		cfg.APIBase = emu.APIURL()
		cfg.Shard.ResumeURLPolicy = gatewayutil.LoopbackResumeURLs
		cfg.Shard.CommandWindow = scaled(time.Minute)
		cfg.Shard.ReidentifyDelayMin, cfg.Shard.ReidentifyDelayMax = scaled(time.Second), scaled(5*time.Second)
		cfg.Shard.Backoff = gatewayutil.Backoff{Base: scaled(time.Second), Max: scaled(2 * time.Minute)}
		cfg.IdentifyWindow = scaled(5 * time.Second)
		// The emulator stamps identifies when its reader gets to them, in
		// this same process: leave room for scheduling delays.
		cfg.IdentifyMargin = max(cfg.IdentifyWindow/10, 20*time.Millisecond)
		cfg.RestartBackoff = cfg.Shard.Backoff
	} else if o.gateway != "" {
		cfg.SkipGatewayBot = true
		cfg.Shard.URL = o.gateway
		cfg.MaxConcurrency = 1
		if cfg.ShardCount == 0 {
			cfg.ShardCount = 1
		}
	}
	return cfg
}

// sampleLatency records the latest heartbeat latency of every shard whose
// ACK count moved since the last sample.
func (b *bot) sampleLatency(st []gatewayutil.Status) {
	b.latMu.Lock()
	defer b.latMu.Unlock()
	for _, s := range st {
		if s.HeartbeatAcks > b.acks[s.Shard] && s.Latency > 0 {
			b.latencies = append(b.latencies, s.Latency)
		}
		b.acks[s.Shard] = s.HeartbeatAcks
	}
}

func (b *bot) latencyPercentiles() (p50, p99 float64) {
	b.latMu.Lock()
	defer b.latMu.Unlock()
	if len(b.latencies) == 0 {
		return 0, 0
	}
	l := slices.Clone(b.latencies)
	slices.Sort(l)
	at := func(q float64) float64 {
		return float64(l[min(len(l)-1, int(q*float64(len(l))))]) / float64(time.Millisecond)
	}
	return at(0.50), at(0.99)
}

// explain makes a fatal error say what to do, naming the close code.
func explain(err error) error {
	var ce *gateway.CloseError
	if errors.As(err, &ce) {
		return fmt.Errorf("fatal gateway error: close code %d (%s): %w", int(ce.Code), hint(int(ce.Code)), err)
	}
	if errors.Is(err, gatewayutil.ErrUnauthorized) {
		return fmt.Errorf("fatal gateway error: the token was refused (401; the gateway would close with 4004 authentication failed): %w", err)
	}
	return err
}

func hint(code int) string {
	switch code {
	case 4004:
		return "authentication failed: check the token"
	case 4010:
		return "invalid shard: check -shards and -shard-ids"
	case 4011:
		return "sharding required: use more shards"
	case 4012:
		return "invalid API version"
	case 4013:
		return "invalid intents: check -intents"
	case 4014:
		return "disallowed intents: enable them in the Developer Portal or drop them from -intents"
	}
	return "the gateway refused the session"
}
