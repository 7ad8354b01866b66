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
	"github.com/gatewaykit/gateway/ratelimit"
)

// emulatorToken is the token the bot and the embedded emulator share. It
// is not a secret, but it is handled like one all the same.
const emulatorToken = "stressbot-embedded-emulator"

// bot is one run: the manager, the audit and the counters.
type bot struct {
	o           *options
	progressOut io.Writer // live progress: stderr, so stdout holds only the summary
	log         *slog.Logger
	errs        atomic.Int64

	audit  *Audit
	events atomic.Int64
	enough chan struct{} // closed when -events is reached
	once   sync.Once

	latMu     sync.Mutex
	latencies []time.Duration
	acks      map[int]int64
}

func newBot(o *options, stderr io.Writer) *bot {
	b := &bot{o: o, progressOut: stderr, audit: NewAudit(), enough: make(chan struct{}), acks: map[int]int64{}}
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
//
// On every stop, the interrupt included, the shards are closed resumably
// first and the embedded emulator only after them: the summary then shows
// every shard that was ready, and no shard sees its server vanish.
func (b *bot) run(ctx context.Context) (*Summary, error) {
	o := b.o
	sum := &Summary{Encoding: o.encoding, Compress: o.compress.String(), Target: "discord"}
	if o.gateway != "" || o.api != "" {
		sum.Target = "custom gateway"
	}
	token, apiBase := o.token, o.api
	scale := 1.0
	var emu *gatewaytest.Server
	if token == "" {
		token, scale, sum.Target = emulatorToken, o.timeScale, "emulator"
		var err error
		if emu, err = b.startEmulator(); err != nil {
			return nil, err
		}
		// Deferred first, so it runs last: after the shards are closed.
		defer emu.Close()
		apiBase = emu.APIURL()
	}
	plan, err := b.plan(ctx, token, apiBase, emu != nil)
	if err != nil {
		return nil, b.explain(err)
	}
	sum.IdentifyBudget, sum.IdentifyBudgetFrom = plan.limit.Remaining, plan.from

	d := gatewayutil.NewDispatcher(gatewayutil.DispatchLogger(b.log), gatewayutil.HandlerTiming(false))
	d.SubscribeAll(b.onEvent)
	var sink gatewayutil.EventSink = d
	var cr *cacheRun
	var restartC <-chan time.Time
	if o.cache {
		cr = newCacheRun(emu, d, plan.shards, o.shardIDs, b.settleWindow(scale))
		sink = cr.c
		if t := b.cacheRestartTicker(); t != nil {
			defer t.Stop()
			restartC = t.C
		}
	}
	cfg := b.managerConfig(token, scale, sink, emu != nil, plan)
	if cr != nil {
		cfg.Store = cr.sessions
	}
	m, err := gatewayutil.NewManager(cfg)
	if err != nil {
		return nil, err
	}
	var retired []gatewayutil.Status // counters of the managers a -cache restart replaced
	start := time.Now()
	if err := m.Start(ctx); err != nil {
		return nil, b.explain(err)
	}
	sum.Shards = len(m.Status())

	var deadline <-chan time.Time
	if o.duration > 0 {
		t := time.NewTimer(o.duration)
		defer t.Stop()
		deadline = t.C
	}
	p := newProgress(b.progressOut, o.quiet)
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
		case <-restartC:
			next, err := cr.restart(ctx, m, func(s gatewayutil.EventSink) (*gatewayutil.Manager, error) {
				cfg.Shard.Sink = s
				next, err := gatewayutil.NewManager(cfg)
				if err == nil {
					err = next.Start(ctx)
				}
				return next, err
			})
			if next != nil && next != m {
				retired = append(retired, m.Status()...)
				m = next
			}
			if o.cacheRestartEvery == 0 {
				restartC = nil // once, halfway
			}
			if err != nil {
				fatal = err
				sum.StopReason = "fatal error"
				break loop
			}
		case <-tick.C:
			st := m.Status()
			b.sampleLatency(st)
			p.update(time.Since(start), st, b.audit.Totals())
		}
	}
	if cr != nil && fatal == nil {
		cr.differences = append(cr.differences, cr.settle(ctx)...)
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

	if sum.StopReason == "interrupted" {
		b.log.Warn("interrupted: closing every session resumably", "shards", len(final))
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if err := m.Shutdown(sctx); err != nil && fatal == nil {
		b.log.Warn("shutdown", "err", err)
	}
	_ = d.Close(sctx)

	for _, s := range append(retired, m.Status()...) {
		sum.BytesWire += s.BytesWire
		sum.BytesDecoded += s.BytesDecoded
		sum.Identifies += s.Identifies
		sum.Resumes += s.Resumes
		sum.Reconnects += s.Reconnects
		sum.InvalidSessions += s.InvalidSessions
		sum.Errors += s.HandlerErrors
	}
	for _, s := range m.Status() {
		if sh := m.Shard(s.Shard); sh != nil && sh.Session().Resumable() {
			sum.ClosedResumable++
		}
	}
	if emu != nil {
		sum.FaultsInjected = emu.FaultsInjected()
	}
	a := b.audit.Totals()
	sum.Events, sum.Sessions = a.Events, a.Sessions
	sum.Lost, sum.Duplicated, sum.OutOfOrder = a.Lost, a.Duplicated, a.OutOfOrder
	sum.ProtocolDeviations, sum.DeviationExamples = a.Deviations, b.audit.DeviationExamples()
	sum.Errors += b.errs.Load()
	sum.DurationSec = elapsed.Seconds()
	if secs := elapsed.Seconds(); secs > 0 {
		sum.EventsPerSec = float64(sum.Events) / secs
		sum.WireMBPerSec = float64(sum.BytesWire) / secs / 1e6
		sum.DecodedMBPerS = float64(sum.BytesDecoded) / secs / 1e6
	}
	sum.LatencyP50Ms, sum.LatencyP99Ms = b.latencyPercentiles()
	if fatal != nil {
		fatal = b.explain(fatal)
		sum.FatalError = fatal.Error()
	}
	if cr != nil && fatal == nil {
		fatal = cr.report(sum)
	}
	return sum, fatal
}

// startEmulator runs the embedded emulator on 127.0.0.1. It is not tied to
// the run's context: an interrupt must not stop it before the shards are
// closed, so the caller closes it, last.
func (b *bot) startEmulator() (*gatewaytest.Server, error) {
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
		World:          b.emuWorld(),
		ChaosFaults:    b.emuFaults(),
		Rate:           o.emuRate,
		Chaos:          o.chaos,
		Seed:           o.seed,
		TimeScale:      o.timeScale,
		// The embedded bot may ask for any intent; -intents decides.
		AllowedPrivileged: intents.Privileged,
		Logger:            b.log.With("component", "emulator"),
	})
	if err != nil {
		return nil, usagef("emulator: %v", err)
	}
	if err := srv.Start(context.Background()); err != nil {
		return nil, fmt.Errorf("starting the emulator: %w", err)
	}
	return srv, nil
}

// managerConfig builds the Manager's configuration from the plan: the
// Manager asks GET /gateway/bot nothing itself, and enforces plan.limit.
func (b *bot) managerConfig(token string, scale float64, d gatewayutil.EventSink, emulated bool, plan gatewayPlan) gatewayutil.ManagerConfig {
	o := b.o
	scaled := func(d time.Duration) time.Duration { return time.Duration(float64(d) * scale) }
	limit := plan.limit
	cfg := gatewayutil.ManagerConfig{
		Shard: gatewayutil.Config{
			Token:       gateway.NewToken(token),
			URL:         plan.url,
			Intents:     o.intents,
			Encoding:    o.encoding,
			Compression: o.compress,
			Sink:        d,
			Logger:      b.log,
		},
		ShardCount:        plan.shards,
		ShardIDs:          o.shardIDs,
		SkipGatewayBot:    true,
		MaxConcurrency:    plan.maxConcurrency,
		SessionStartLimit: &limit,
		Logger:            b.log,
	}
	if emulated {
		cfg.Shard.ResumeURLPolicy = gatewayutil.LoopbackResumeURLs
		cfg.Shard.CommandWindow = scaled(time.Minute)
		cfg.Shard.ReidentifyDelayMin, cfg.Shard.ReidentifyDelayMax = scaled(time.Second), scaled(5*time.Second)
		cfg.Shard.Backoff = gatewayutil.Backoff{Base: scaled(time.Second), Max: scaled(2 * time.Minute)}
		cfg.IdentifyWindow = scaled(5 * time.Second)
		// The emulator stamps identifies when its reader gets to them, in
		// this same process: leave room for scheduling delays.
		cfg.IdentifyMargin = max(cfg.IdentifyWindow/10, 20*time.Millisecond)
		cfg.RestartBackoff = cfg.Shard.Backoff
	}
	return cfg
}

// sampleLatency records the latest heartbeat latency of every shard whose
// ACK count moved since the last sample.
func (b *bot) sampleLatency(st []gatewayutil.Status) {
	b.latMu.Lock()
	defer b.latMu.Unlock()
	for _, s := range st {
		if s.HeartbeatAcks > b.acks[s.Shard] {
			b.latencies = append(b.latencies, s.Latency)
		}
		b.acks[s.Shard] = s.HeartbeatAcks
	}
}

// latencyPercentiles returns the median and 99th percentile of the sampled
// heartbeat latencies in milliseconds, or nil and nil when no heartbeat was
// acknowledged: no latency is not a latency of 0.
func (b *bot) latencyPercentiles() (p50, p99 *float64) {
	b.latMu.Lock()
	defer b.latMu.Unlock()
	if len(b.latencies) == 0 {
		return nil, nil
	}
	l := slices.Clone(b.latencies)
	slices.Sort(l)
	at := func(q float64) *float64 {
		ms := float64(l[min(len(l)-1, int(q*float64(len(l))))]) / float64(time.Millisecond)
		return &ms
	}
	return at(0.50), at(0.99)
}

// explain makes a fatal error say what to do, naming the close code. Its
// message can hold text from the server (a close reason, a REST body), so
// it is made printable and bounded: a hostile server cannot write escape
// sequences to the operator's terminal or flood it.
func (b *bot) explain(err error) error {
	var ce *gateway.CloseError
	var be *ratelimit.BudgetError
	switch {
	case errors.As(err, &ce):
		err = fmt.Errorf("fatal gateway error: close code %d (%s): %w", int(ce.Code), hint(int(ce.Code)), err)
	case errors.Is(err, gatewayutil.ErrUnauthorized):
		err = fmt.Errorf("fatal gateway error: the token was refused (401; the gateway would close with 4004 authentication failed): %w", err)
	case errors.As(err, &be) || errors.Is(err, ratelimit.ErrBudgetExhausted):
		what := "the daily budget GET /gateway/bot reported"
		if b.o.gateway != "" {
			what = "this run's: -max-identifies, or GET /gateway/bot of -api"
		}
		err = fmt.Errorf("fatal: not enough identify budget (%s); stressbot stops rather than spend past it, since running Discord's out gets the token reset: %w", what, err)
	}
	return &printableError{err: err}
}

// printableError is an error whose message is safe to print: control
// characters escaped, length bounded. errors.Is and As see the original.
type printableError struct{ err error }

func (e *printableError) Error() string { return printable(e.err.Error(), maxPrintedError) }
func (e *printableError) Unwrap() error { return e.err }

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
