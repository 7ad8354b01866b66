package gatewayutil_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/internal/testenv"
	"github.com/gatewaykit/gateway/opcode"
)

// The chaos soak: a Manager runs many shards against the emulator while the
// emulator injects every survivable fault at random (seeded), on a scaled
// clock. The defaults are the CI run (≲ 60 s under -race on two cores);
// the flags make it a long soak:
//
//	go test ./gatewayutil/ -run '^TestChaosSoak$' -soak.duration=10m -v
//
// The flags are read only by this file's tests. With SOAK_HEAPPROFILE set to
// a file name, the soak writes a heap profile there at the end of the run,
// before shutting down: the emulator runs in the same process and holds
// most of the heap (replay buffers, huge payloads, its compressors), so
// `go tool pprof -focus=gatewayutil` on it tells what the shards hold.
var (
	soakDuration  = flag.Duration("soak.duration", 20*time.Second, "chaos soak: how long the shards run under chaos")
	soakShards    = flag.Int("soak.shards", 64, "chaos soak: number of shards")
	soakChaos     = flag.Float64("soak.chaos", 1.5, "chaos soak: mean faults per session per second")
	soakSeed      = flag.Int64("soak.seed", 1, "chaos soak: the emulator's seed (traffic, session ids, fault times and kinds)")
	soakScale     = flag.Float64("soak.scale", 0.1, "chaos soak: the emulator's time scale (0.1: 500 ms identify windows, 4.1 s heartbeats)")
	soakRate      = flag.Float64("soak.rate", 10, "chaos soak: dispatches per second per session")
	soakCompress  = flag.String("soak.compress", "zlib-stream", "chaos soak: transport compression (none, zlib-stream, zstd-stream, payload)")
	soakEncoding  = flag.String("soak.encoding", "json", "chaos soak: json or etf")
	soakMinFaults = flag.Int64("soak.minfaults", 500, "chaos soak: the fewest injected faults the run must see")
)

// soakToken is the soak's bot token; handled like a real one.
const soakToken = "c29hay10ZXN0.Zm9yLXRoZS1jaGFvcy1zb2Fr.bm90LWEtcmVhbC10b2tlbg"

// soakMaxConcurrency is the emulator's max_concurrency: 16 identify buckets.
const soakMaxConcurrency = 16

// soakWorld is the emulator of a soak: many shards, built-in traffic, chaos
// from every survivable fault, and no huge guilds (FaultHugePayload sends
// huge messages already, without making every identify slow).
func soakWorld(shards int, chaos float64, faults []gatewaytest.FaultKind) gatewaytest.Config {
	scale := *soakScale
	return gatewaytest.Config{
		Tokens:         []string{soakToken},
		Shards:         shards,
		MaxConcurrency: soakMaxConcurrency,
		Guilds:         2 * shards,
		World:          gatewaytest.TrafficConfig{HugeEvery: -1},
		Traffic:        true,
		Rate:           *soakRate,
		Chaos:          chaos,
		ChaosFaults:    faults,
		Seed:           *soakSeed,
		TimeScale:      scale,
		// Re-identifies after op 9 add up over a long soak: the daily
		// budget (24 h × scale) must not be what stops it.
		SessionStartLimit: 1 << 20,
		// Half an interval of grace (2 s at scale 0.1): a heartbeat on a
		// loaded 2-core machine under -race can be late by more than
		// Discord's quarter. Later than that is excused only when the
		// scheduling lag the soak measured explains it
		// (soakHeartbeatExcused).
		HeartbeatGrace: 20 * time.Second,
		// Keep every connection's record for the checks at the end.
		History: 1 << 20,
	}
}

// soakManagerConfig configures a Manager for a soak emulator: every
// duration scaled like the emulator's clock.
func soakManagerConfig(srv *gatewaytest.Server, sink gatewayutil.EventSink, logger *slog.Logger) (gatewayutil.ManagerConfig, error) {
	scale := srv.Config().TimeScale
	scaled := func(d time.Duration) time.Duration { return time.Duration(float64(d) * scale) }
	comp, err := gatewayutil.ParseCompression(*soakCompress)
	if err != nil {
		return gatewayutil.ManagerConfig{}, err
	}
	window := scaled(5 * time.Second)
	return gatewayutil.ManagerConfig{
		Shard: gatewayutil.Config{
			Token:           gateway.NewToken("Bot " + soakToken),
			Intents:         intents.NonPrivileged,
			Encoding:        *soakEncoding,
			Compression:     comp,
			Sink:            sink,
			Logger:          logger,
			ResumeURLPolicy: gatewayutil.LoopbackResumeURLs,
			CommandWindow:   scaled(time.Minute) + soakCommandPad,
			// Five below Discord's 120, as discord.js keeps for itself: on
			// a loaded 2-core machine the emulator's stamps can bunch more
			// than the padded window covers.
			CommandLimit:       115,
			ReidentifyDelayMin: scaled(time.Second),
			ReidentifyDelayMax: scaled(5 * time.Second),
			Backoff:            gatewayutil.Backoff{Base: scaled(time.Second), Max: scaled(2 * time.Minute)},
		},
		APIBase:        srv.APIURL(),
		IdentifyWindow: window,
		IdentifyMargin: soakIdentifyMargin,
		RestartBackoff: gatewayutil.Backoff{Base: scaled(time.Second), Max: scaled(2 * time.Minute)},
	}, nil
}

// Discord, and the emulator, apply the identify window and the command
// window to arrival times; the emulator stamps a payload when its
// per-connection reader gets to it, which with 64 shards under -race on two
// busy cores (go test runs two packages at once) has been seen up to 1.4 s
// after the bytes arrived. If the first payload of a window is
// stamped late by d, the window looks shorter by d. On Discord's real clock
// the Manager's identify margin (250 ms) and the shard's 5% command-window
// padding (3 s) absorb network jitter; scaled down 10×, they would not absorb
// this, so the soak pads both windows instead:
//
//   - soakIdentifyMargin is added to the 500 ms identify window. It is also
//     the tolerance of the check on arrival gaps. It costs identify
//     throughput (one per bucket per 900 ms), which the re-identifies
//     chaos causes (about 0.7 per bucket per second at 1.5 faults per
//     session per second) must stay under.
//   - soakCommandPad is added to the 6 s command window. It costs nothing
//     the soak measures.
const (
	soakIdentifyMargin = 400 * time.Millisecond
	soakCommandPad     = 2 * time.Second
)

// soakAudit is the soak's EventSink: it checks every dispatch of every
// shard. A session starts at READY (s = 1, session_id from its data) and
// every later dispatch of the shard, RESUMED and replayed events included,
// must carry the next sequence number of that session: a larger one means
// events were lost, a smaller or equal one that they were repeated or
// reordered.
type soakAudit struct {
	manager atomic.Pointer[gatewayutil.Manager]

	mu        sync.Mutex
	shards    map[int]*soakSession    // each shard's current session
	sessions  map[string]*soakSession // every session seen, by id
	events    int64
	readies   int64
	resumed   int64
	lost      int64
	repeated  int64
	problems  []string
	nproblems int
}

// soakSession is what the audit knows of one session.
type soakSession struct {
	id      string
	shard   int
	last    int64 // sequence number of the last dispatch delivered
	events  int64
	resumes int
}

func newSoakAudit() *soakAudit {
	return &soakAudit{shards: map[int]*soakSession{}, sessions: map[string]*soakSession{}}
}

func (a *soakAudit) problem(format string, args ...any) {
	a.nproblems++
	if len(a.problems) < 40 {
		a.problems = append(a.problems, fmt.Sprintf(format, args...))
	}
}

// Dispatch implements gatewayutil.EventSink.
func (a *soakAudit) Dispatch(_ context.Context, e *gatewayutil.Event) error {
	var resumedID string
	if e.Type == event.Resumed {
		// The shard resumed a session: it must be the one it had.
		if m := a.manager.Load(); m != nil {
			if sh := m.Shard(e.Shard); sh != nil {
				resumedID = sh.Session().ID
			}
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events++
	if len(e.Data) == 0 || (e.Data[0] != '{' && e.Data[0] != '[' && e.Data[0] != 'n') {
		a.problem("shard %d: %s #%d: data is not JSON: %q", e.Shard, e.Type, e.Seq, e.Data[:min(len(e.Data), 20)])
	}
	if e.Type == event.Ready {
		a.readies++
		var ready struct {
			SessionID string `json:"session_id"`
		}
		if err := json.Unmarshal(e.Data, &ready); err != nil || ready.SessionID == "" {
			a.problem("shard %d: READY without a session_id (%v)", e.Shard, err)
		}
		if e.Seq != 1 {
			a.problem("shard %d: READY has s=%d, want 1", e.Shard, e.Seq)
		}
		if _, dup := a.sessions[ready.SessionID]; dup {
			a.problem("shard %d: READY repeats session %s", e.Shard, ready.SessionID)
		}
		s := &soakSession{id: ready.SessionID, shard: e.Shard, last: e.Seq, events: 1}
		a.sessions[s.id] = s
		a.shards[e.Shard] = s
		return nil
	}
	s := a.shards[e.Shard]
	if s == nil {
		a.problem("shard %d: %s #%d before any READY", e.Shard, e.Type, e.Seq)
		return nil
	}
	if e.Type == event.Resumed {
		a.resumed++
		s.resumes++
		if resumedID != "" && resumedID != s.id {
			a.problem("shard %d: RESUMED session %s, but the shard's session was %s", e.Shard, resumedID, s.id)
		}
	}
	s.events++
	switch {
	case e.Seq == s.last+1:
	case e.Seq > s.last+1:
		a.lost += e.Seq - s.last - 1
		a.problem("shard %d session %s: lost %d dispatches before %s #%d", e.Shard, s.id, e.Seq-s.last-1, e.Type, e.Seq)
	default:
		a.repeated++
		a.problem("shard %d session %s: %s #%d repeated or out of order (last was %d)", e.Shard, s.id, e.Type, e.Seq, s.last)
	}
	s.last = max(s.last, e.Seq)
	return nil
}

// current returns a shard's session id and last sequence number.
func (a *soakAudit) current(shard int) (string, int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s := a.shards[shard]; s != nil {
		return s.id, s.last
	}
	return "", 0
}

// soakLog is a slog handler that keeps what the soak checks: when each
// shard sent Identify (the client's side of the identify schedule), and
// errors. It also checks that no record carries the token.
type soakLog struct {
	attrs []slog.Attr
	st    *soakLogState
}

type soakLogState struct {
	mu         sync.Mutex
	identifies map[int][]time.Time // shard → when "identify sent" was logged
	messages   map[string]int      // info and above, by message
	errors     []string
	records    int64
	leaks      int
}

func newSoakLog() *soakLog {
	return &soakLog{st: &soakLogState{identifies: map[int][]time.Time{}, messages: map[string]int{}}}
}

func (h *soakLog) Enabled(context.Context, slog.Level) bool { return true }

func (h *soakLog) WithAttrs(as []slog.Attr) slog.Handler {
	return &soakLog{attrs: append(slices.Clip(h.attrs), as...), st: h.st}
}

func (h *soakLog) WithGroup(string) slog.Handler { return h }

func (h *soakLog) Handle(_ context.Context, r slog.Record) error {
	shard := -1
	var text strings.Builder
	text.WriteString(r.Message)
	visit := func(a slog.Attr) bool {
		if a.Key == "shard" {
			if n, ok := a.Value.Resolve().Any().(int64); ok {
				shard = int(n)
			}
		}
		fmt.Fprintf(&text, " %s=%v", a.Key, a.Value.Resolve())
		return true
	}
	for _, a := range h.attrs {
		visit(a)
	}
	r.Attrs(visit)
	st := h.st
	st.mu.Lock()
	defer st.mu.Unlock()
	st.records++
	if strings.Contains(text.String(), soakToken) {
		st.leaks++
	}
	if r.Message == "identify sent" && shard >= 0 {
		st.identifies[shard] = append(st.identifies[shard], r.Time)
	}
	if r.Level >= slog.LevelInfo {
		st.messages[r.Level.String()+" "+r.Message]++
	}
	if r.Level >= slog.LevelError && len(st.errors) < 20 {
		st.errors = append(st.errors, text.String())
	}
	return nil
}

// goroutineStacks returns every goroutine's stack, by goroutine id.
func goroutineStacks() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		head, _, _ := strings.Cut(g, " [")
		if id, ok := strings.CutPrefix(head, "goroutine "); ok {
			out[id] = g
		}
	}
	return out
}

// requireNoGoroutinesSince polls for a few seconds until every goroutine
// that did not exist in before has ended, and fails with the stacks of
// those that remain.
func requireNoGoroutinesSince(t testing.TB, before map[string]string) {
	t.Helper()
	var left []string
	for range 500 {
		left = left[:0]
		for id, stack := range goroutineStacks() {
			if _, ok := before[id]; !ok && !strings.Contains(stack, "requireNoGoroutinesSince") {
				left = append(left, stack)
			}
		}
		if len(left) == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	sort.Strings(left)
	t.Errorf("%d goroutines left after shutdown:\n%s", len(left), strings.Join(left[:min(len(left), 20)], "\n\n"))
}

// soakCommands keeps the command limiter of some shards busy: each sends
// presence updates back to back, as fast as its limiter allows, for as
// long as ctx lasts.
func soakCommands(ctx context.Context, m *gatewayutil.Manager, ids []int, sent *atomic.Int64) *sync.WaitGroup {
	presence := []byte(`{"since":null,"activities":[],"status":"online","afk":false}`)
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			for ctx.Err() == nil {
				sh := m.Shard(id)
				if sh == nil {
					return
				}
				if err := sh.Send(ctx, opcode.PresenceUpdate, presence); err == nil {
					sent.Add(1)
				} else if errors.Is(err, gatewayutil.ErrShardClosed) {
					// The manager replaced the shard: take the new one.
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
	return &wg
}

// soakFigures are what a soak reports.
type soakFigures struct {
	duration      time.Duration
	faults        int64
	faultsByKind  map[string]int
	events        int64
	readies       int64
	resumed       int64
	identifies    int64
	resumes       int64
	connections   int64
	commands      int64
	maxCommands   int
	lost          int64
	repeated      int64
	maxHeapInuse  uint64
	heapAfterGC   uint64
	goroutinesRun int
}

func (f soakFigures) String() string {
	kinds := make([]string, 0, len(f.faultsByKind))
	for k, n := range f.faultsByKind {
		kinds = append(kinds, fmt.Sprintf("%s=%d", k, n))
	}
	sort.Strings(kinds)
	return fmt.Sprintf("duration %v: faults %d (%s); dispatches %d; READY %d; RESUMED %d; identifies %d; resumes %d; connections %d; commands sent %d (at most %d in a window); lost %d; repeated/reordered %d; heap in use max %.1f MiB, %.1f MiB after GC; %d goroutines while running",
		f.duration.Round(time.Second), f.faults, strings.Join(kinds, " "), f.events, f.readies, f.resumed, f.identifies, f.resumes, f.connections, f.commands,
		f.maxCommands, f.lost, f.repeated, float64(f.maxHeapInuse)/(1<<20), float64(f.heapAfterGC)/(1<<20), f.goroutinesRun)
}

// TestChaosSoak runs the shards of a Manager under random survivable faults
// and checks that no dispatch is lost, repeated or reordered within any
// session, that identifies respect max_concurrency and the commands the
// 120-per-window limit, that nothing fatal happened, and that nothing is
// left running afterwards.
func TestChaosSoak(t *testing.T) {
	before := goroutineStacks()
	// The lag probe measures how late goroutines wake up while the soak
	// runs; the checks that depend on timing take their margins from it.
	lag := testenv.StartLagProbe(soakLagPeriod)
	defer lag.Stop()
	shards := *soakShards
	srv, err := gatewaytest.NewServer(soakWorld(shards, *soakChaos, nil))
	require.NoError(t, err)
	require.NoError(t, srv.Start(context.Background()))
	emulatorOpen := true
	defer func() {
		if emulatorOpen {
			_ = srv.Close()
		}
	}()
	require.Equal(t, gatewaytest.SurvivableFaults, srv.Config().ChaosFaults, "chaos picks from every survivable fault")
	cfg := srv.Config()
	t.Logf("soak: %d shards, chaos %.2f faults/session/s, seed %d, time scale %v, %v/%v, %.0f dispatches/s/session, for %v",
		shards, cfg.Chaos, cfg.Seed, cfg.TimeScale, *soakEncoding, *soakCompress, cfg.Rate, *soakDuration)

	audit := newSoakAudit()
	logs := newSoakLog()
	mcfg, err := soakManagerConfig(srv, audit, slog.New(logs))
	require.NoError(t, err)
	m, err := gatewayutil.NewManager(mcfg)
	require.NoError(t, err)
	audit.manager.Store(m)
	start := time.Now()
	require.NoError(t, m.Start(context.Background()))

	// Every eighth shard sends commands as fast as its limiter lets it.
	var senders []int
	for id := 0; id < shards; id += 8 {
		senders = append(senders, id)
	}
	var commands atomic.Int64
	cmdCtx, stopCommands := context.WithCancel(context.Background())
	cmdWG := soakCommands(cmdCtx, m, senders, &commands)

	var fig soakFigures
	var ms runtime.MemStats
	// Run for the duration, then on until the emulator has injected the
	// minimum number of faults (a loaded machine keeps shards longer
	// between connections, where no fault can hit them), for at most
	// eight times the duration: under -race with the two cores busy with
	// other work (load 12-18), 2.5 times ended at 280-487 faults, since
	// the emulator injects faults per second of connected session time.
	tick := time.NewTicker(250 * time.Millisecond)
	progress := time.Now()
	var fatal error
run:
	for {
		select {
		case fatal = <-m.Fatal():
			break run
		case <-tick.C:
			if d := time.Since(start); d >= *soakDuration && (srv.FaultsInjected() >= *soakMinFaults || d >= 8**soakDuration) {
				break run
			}
			runtime.ReadMemStats(&ms)
			fig.maxHeapInuse = max(fig.maxHeapInuse, ms.HeapInuse)
			if time.Since(progress) >= time.Minute {
				progress = time.Now()
				st := srv.Stats()
				t.Logf("%v: %d faults, %d dispatches, %d identifies, %d resumes, heap in use %.1f MiB",
					time.Since(start).Round(time.Second), st.FaultsInjected, audit.eventsSoFar(), st.Identifies, st.Resumes, float64(ms.HeapInuse)/(1<<20))
			}
		}
	}
	tick.Stop()
	require.NoError(t, fatal, "no fatal error under survivable faults")
	fig.duration = time.Since(start)

	// Nothing may be missing at the end either: each shard's session must
	// catch up with what the emulator assigned to it by now. A session
	// the emulator invalidates meanwhile (chaos goes on) is excused: its
	// unsent events are gone by design, and the shard starts a new one.
	type target struct {
		id  string
		seq int64
	}
	targets := map[int]target{}
	alive := map[string]*gatewaytest.Session{}
	for _, s := range srv.Sessions() {
		alive[s.ID()] = s
	}
	for id := range shards {
		sid, _ := audit.current(id)
		if s := alive[sid]; s != nil && s.Alive() {
			targets[id] = target{sid, s.Seq()}
		}
	}
	behind := func() []string {
		var out []string
		for id, tg := range targets {
			sid, last := audit.current(id)
			if sid == tg.id && last < tg.seq {
				out = append(out, fmt.Sprintf("shard %d session %s at %d of %d", id, sid, last, tg.seq))
			}
		}
		sort.Strings(out)
		return out
	}
	catchUp := time.Now().Add(30 * time.Second)
	for len(behind()) > 0 && time.Now().Before(catchUp) {
		time.Sleep(20 * time.Millisecond)
	}
	assert.Empty(t, behind(), "sessions that never received what the emulator sent them")
	assert.GreaterOrEqual(t, len(targets), shards/2, "most shards had a live session to check at the end")

	runtime.GC()
	runtime.ReadMemStats(&ms)
	fig.heapAfterGC = ms.HeapAlloc
	if p := os.Getenv("SOAK_HEAPPROFILE"); p != "" {
		f, _ := os.Create(p)
		_ = pprof.WriteHeapProfile(f)
		_ = f.Close()
	}
	fig.goroutinesRun = runtime.NumGoroutine()
	for _, st := range m.Status() {
		assert.NotEqual(t, gatewayutil.ShardStopped, st.State, "shard %d stopped under survivable faults", st.Shard)
		fig.identifies += st.Identifies
		fig.resumes += st.Resumes
		fig.connections += st.Connections
		if st.HandlerErrors != 0 {
			t.Errorf("shard %d: %d handler errors", st.Shard, st.HandlerErrors)
		}
	}

	stopCommands()
	cmdWG.Wait()
	require.NoError(t, m.Shutdown(context.Background()))
	fig.commands = commands.Load()
	stats := srv.Stats()
	conns := srv.Conns()
	require.NoError(t, srv.Close())
	emulatorOpen = false
	lag.Stop() // before the goroutine check: it is one
	requireNoGoroutinesSince(t, before)
	t.Logf("soak %s", lag.Summary())

	audit.mu.Lock()
	fig.events, fig.readies, fig.resumed = audit.events, audit.readies, audit.resumed
	fig.lost, fig.repeated = audit.lost, audit.repeated
	problems, nproblems := audit.problems, audit.nproblems
	audit.mu.Unlock()
	fig.faults = stats.FaultsInjected
	fig.maxCommands = stats.MaxCommandsPerWindow
	fig.faultsByKind = map[string]int{}
	for _, c := range conns {
		for _, f := range c.Record().Faults {
			fig.faultsByKind[f.Kind.String()]++
		}
	}
	t.Logf("soak figures: %v", fig)

	// Dispatches: none lost, repeated or reordered within a session.
	assert.Zero(t, nproblems, "audit problems (first %d): %s", len(problems), strings.Join(problems, "\n"))
	assert.Zero(t, fig.lost, "dispatches lost")
	assert.Zero(t, fig.repeated, "dispatches repeated or reordered")
	assert.GreaterOrEqual(t, fig.faults, *soakMinFaults, "injected faults")
	for _, k := range gatewaytest.SurvivableFaults {
		if fig.duration >= 10*time.Second {
			assert.Positive(t, fig.faultsByKind[k.String()], "fault %v never injected", k)
		}
	}
	checkSoakAgainstEmulator(t, audit, conns)
	checkSoakIdentifies(t, logs, conns, stats, cfg, mcfg, lag)

	// Commands: never more than 120 in a window, on any connection.
	assert.LessOrEqual(t, stats.MaxCommandsPerWindow, 120, "command limit")
	assert.Positive(t, fig.commands, "the command senders sent something")
	// Nothing the client did broke a rule, and no fatal code was ever sent
	// or retried.
	var violations []string
	excused, lateHeartbeats := 0, 0
	for _, c := range conns {
		r := c.Record()
		for _, v := range r.Violations {
			if soakViolationExcused(r, v) {
				excused++
				continue
			}
			if ok, why := soakHeartbeatExcused(r, v, cfg, lag); ok {
				excused++
				lateHeartbeats++
				t.Logf("conn %d: %v: excused, %s", r.ID, v, why)
				continue
			} else if why != "" {
				v.Reason += " (" + why + ")"
			}
			var faults []string
			for _, f := range r.Faults {
				faults = append(faults, fmt.Sprintf("%v(%s) %v before", f.Kind, f.Detail, v.Time.Sub(f.Time).Round(time.Millisecond)))
			}
			violations = append(violations, fmt.Sprintf("conn %d: %v (close sent %d; faults: %s)", r.ID, v, int(r.CloseSent), strings.Join(faults, ", ")))
		}
		assert.False(t, r.CloseSent.Fatal(), "conn %d: the emulator sent fatal close %d", r.ID, int(r.CloseSent))
		assert.NotEqual(t, closecode.RateLimited, r.CloseSent, "conn %d: closed for sending too fast", r.ID)
	}
	assert.Empty(t, violations, "protocol violations")
	// Shards heartbeat: most connections that outlived the deadline had
	// heartbeats, whatever the lag excused.
	beating, lived := soakHeartbeatsSeen(conns, cfg)
	assert.GreaterOrEqual(t, beating, lived/2, "connections with heartbeats, of %d that outlived interval + grace", lived)
	t.Logf("%d of %d connections that outlived interval + grace had heartbeats", beating, lived)
	t.Logf("%d violations recorded, all excused: identifies the emulator refused (checked above), commands in flight when op 9 arrived, and %d timeouts (4009: heartbeat late, or not reading) the measured scheduling lag explains", excused, lateHeartbeats)

	logs.st.mu.Lock()
	t.Logf("shard logs at info and above: %v", logs.st.messages)
	assert.Zero(t, logs.st.leaks, "log records carrying the token")
	assert.Empty(t, logs.st.errors, "error logs")
	logs.st.mu.Unlock()
}

// soakViolationExcused reports whether a violation the emulator recorded is
// one a correct client cannot always avoid:
//   - an identify refused for concurrency (no close code): the emulator
//     stamped a pair of identifies closer than they were sent, which
//     checkSoakIdentifies checks against its tolerance;
//   - a command (4003) that arrived after the emulator sent op 9 (true or
//     false) on the connection: the shard sent it before it could read the
//     op 9 (a big message may be ahead of it in the socket), and after op 9
//     the connection is no longer authenticated, on Discord too. The shard
//     resumes or identifies again on a new connection, as the audit
//     confirms.
func soakViolationExcused(r gatewaytest.Record, v gatewaytest.Violation) bool {
	switch v.Code {
	case 0:
		return strings.Contains(v.Reason, "identify per")
	case closecode.NotAuthenticated:
		for _, f := range r.Faults {
			invalid := f.Kind == gatewaytest.FaultInvalidSession || f.Kind == gatewaytest.FaultInvalidSessionResumable
			if invalid && !f.Time.After(v.Time) {
				return true
			}
		}
	}
	return false
}

// soakLagPeriod is how often the soak's lag probe wakes up.
const soakLagPeriod = 5 * time.Millisecond

// soakLagHops is how many goroutine wake-ups a heartbeat waits for between
// its due time and the emulator's check that it came, at least: the
// shard's heartbeat timer, the write of the payload, the emulator's reader.
// Each can be late by the scheduling lag.
const soakLagHops = 3

// soakHeartbeatExcused reports whether v, a timeout (4009) on the
// connection of r, is explained by scheduling lag, and why or why not.
// The heartbeat was due at most an interval after the previous one
// arrived (or the connection opened: the first comes after a random
// fraction of the interval); the emulator closed the connection once the
// grace had passed too. The lag explains that when the probe measured
// enough of it meanwhile: either a wake-up late enough that the wake-ups
// between the shard's timer and the emulator's check, each late by as
// much, make up the grace; or the probe falling behind by the grace in
// total over the span (the machine ran this process's due goroutines that
// much later, whichever they were).
//
// A 4009 for not reading (a write to the shard blocked for PeerTimeout) is
// excused the same way when the probe fell behind by half of PeerTimeout
// or more over it: the shard's reader was among the goroutines the machine
// did not run.
func soakHeartbeatExcused(r gatewaytest.Record, v gatewaytest.Violation, cfg gatewaytest.Config, lag *testenv.LagProbe) (bool, string) {
	if v.Code == closecode.SessionTimedOut && strings.Contains(v.Reason, "not reading") {
		total := lag.TotalBetween(v.Time.Add(-cfg.PeerTimeout), v.Time)
		return total >= cfg.PeerTimeout/2, fmt.Sprintf("scheduling lag measured over the last PeerTimeout (%v): %v in total", cfg.PeerTimeout, total.Round(time.Millisecond))
	}
	if v.Code != closecode.SessionTimedOut || !strings.Contains(v.Reason, "heartbeat") {
		return false, ""
	}
	scaled := func(d time.Duration) time.Duration { return time.Duration(float64(d) * cfg.TimeScale) }
	interval, grace := scaled(cfg.HeartbeatInterval), scaled(cfg.HeartbeatGrace)
	from := r.Opened
	for _, hb := range r.Heartbeats {
		if hb.Time.Before(v.Time) && hb.Time.After(from) {
			from = hb.Time
		}
	}
	worst, total := lag.MaxBetween(from, v.Time), lag.TotalBetween(from, v.Time)
	why := fmt.Sprintf("no heartbeat %v after the last (interval %v + grace %v); scheduling lag measured meanwhile: up to %v per wake-up (%d wake-ups: %v), %v in total",
		v.Time.Sub(from).Round(time.Millisecond), interval, grace, worst.Round(time.Millisecond), soakLagHops,
		(soakLagHops * worst).Round(time.Millisecond), total.Round(time.Millisecond))
	return soakLagHops*worst >= grace || total >= grace, why
}

// soakHeartbeatsSeen counts the connections that lived past the heartbeat
// deadline (interval + grace) and on which the emulator recorded a
// heartbeat, against all that lived that long: a shard that did not
// heartbeat would show in the first number however the lag excuses its
// timeouts.
func soakHeartbeatsSeen(conns []*gatewaytest.Conn, cfg gatewaytest.Config) (beating, lived int) {
	deadline := time.Duration(float64(cfg.HeartbeatInterval+cfg.HeartbeatGrace) * cfg.TimeScale)
	for _, c := range conns {
		r := c.Record()
		if r.Closed.IsZero() || r.Closed.Sub(r.Opened) <= deadline {
			continue
		}
		lived++
		if len(r.Heartbeats) > 0 {
			beating++
		}
	}
	return beating, lived
}

func (a *soakAudit) eventsSoFar() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.events
}

// checkSoakAgainstEmulator compares the audit with the emulator's records:
// every session the shards saw was one the emulator started, no shard
// delivered a sequence number the emulator never sent, and every resume the
// emulator accepted asked for a sequence number the shard had delivered.
func checkSoakAgainstEmulator(t *testing.T, a *soakAudit, conns []*gatewaytest.Conn) {
	t.Helper()
	sentMax := map[string]int64{}
	resumesOK := 0
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, c := range conns {
		r := c.Record()
		if r.SessionID != "" {
			sentMax[r.SessionID] = max(sentMax[r.SessionID], r.LastSeqSent)
		}
		for _, rs := range r.Resumes {
			if rs.Outcome != gatewaytest.Resumed {
				continue
			}
			resumesOK++
			s := a.sessions[rs.SessionID]
			switch {
			case s == nil:
				t.Errorf("conn %d resumed session %s that no shard saw start", r.ID, rs.SessionID)
			case rs.Seq > s.last:
				t.Errorf("conn %d resumed session %s from %d, but the shard delivered only up to %d", r.ID, rs.SessionID, rs.Seq, s.last)
			}
		}
	}
	for id, s := range a.sessions {
		sent, ok := sentMax[id]
		switch {
		case !ok:
			t.Errorf("session %s (shard %d) is unknown to the emulator", id, s.shard)
		case s.last > sent:
			t.Errorf("session %s (shard %d): delivered up to %d, the emulator sent up to %d", id, s.shard, s.last, sent)
		}
	}
	t.Logf("emulator cross-check: %d sessions, %d accepted resumes, all consistent", len(a.sessions), resumesOK)
}

// checkSoakIdentifies checks the identify schedule on both sides.
//
// The shards' side: their log records say when each Identify went out.
// Within a bucket (shard_id % max_concurrency) two must be at least the
// window plus the margin apart, less a tolerance: the record is stamped
// after the write returns, and a goroutine coming back from the write can
// wait for a CPU, so the stamp of the first of a pair may be late. The
// tolerance is half the margin, or the scheduling lag the probe measured
// around the first stamp if more, but never more than the margin (a pair
// closer than the window is a violation however loaded the machine).
//
// The emulator's side: its records say when each Identify arrived, and the
// window is Discord's rule on arrivals. The emulator stamps an identify when
// its reader gets to it, late by however long that reader waited for a CPU,
// so two identifies can look closer on arrival than they were sent. Pairs
// closer than the window less the margin (the tolerance the margin exists
// for) are accepted only when their lag explains them: the same two were
// sent at least a window apart (each arrival matched to its shard's latest
// Identify sent before it). Identifies the emulator refused for
// concurrency (op 9) must be as many as such close pairs at most.
func checkSoakIdentifies(t *testing.T, logs *soakLog, conns []*gatewaytest.Conn, st gatewaytest.Stats, cfg gatewaytest.Config, mcfg gatewayutil.ManagerConfig, lag *testenv.LagProbe) {
	t.Helper()
	window, margin := mcfg.IdentifyWindow, mcfg.IdentifyMargin
	bucketOf := func(shard int) int { return shard % cfg.MaxConcurrency }
	byTime := func(x, y time.Time) int { return x.Compare(y) }

	logs.st.mu.Lock()
	sentBy := map[int][]time.Time{} // by shard
	sent := map[int][]time.Time{}   // by bucket
	nsent := 0
	for shard, ts := range logs.st.identifies {
		ts = slices.Clone(ts)
		slices.SortFunc(ts, byTime)
		sentBy[shard] = ts
		sent[bucketOf(shard)] = append(sent[bucketOf(shard)], ts...)
		nsent += len(ts)
	}
	logs.st.mu.Unlock()
	minSent := time.Duration(1 << 62)
	for b, ts := range sent {
		slices.SortFunc(ts, byTime)
		for i := 1; i < len(ts); i++ {
			gap := ts[i].Sub(ts[i-1])
			minSent = min(minSent, gap)
			tolerance := min(margin, max(margin/2, lag.MaxBetween(ts[i-1].Add(-margin), ts[i-1])))
			if gap < window+margin-tolerance {
				t.Errorf("bucket %d: identifies sent %v apart, less than window %v + margin %v - %v (late log stamps: half the margin, or the scheduling lag measured, up to the margin)", b, gap, window, margin, tolerance)
			}
		}
	}
	// sendOf is when the identify that arrived at a from shard was sent.
	sendOf := func(shard int, a time.Time) (time.Time, bool) {
		ts := sentBy[shard]
		i, _ := slices.BinarySearchFunc(ts, a, byTime)
		if i == 0 {
			return time.Time{}, false
		}
		return ts[i-1], true
	}

	type arrival struct {
		shard int
		at    time.Time
	}
	arrived := map[int][]arrival{}
	narrived := 0
	for _, c := range conns {
		r := c.Record()
		if r.Identify != nil && len(r.Identify.Shard) == 2 {
			b := bucketOf(r.Identify.Shard[0])
			arrived[b] = append(arrived[b], arrival{r.Identify.Shard[0], r.Identify.Time})
			narrived++
		}
	}
	minArrived, short, lagged := time.Duration(1<<62), 0, 0
	var maxLag time.Duration
	for b, as := range arrived {
		slices.SortFunc(as, func(x, y arrival) int { return x.at.Compare(y.at) })
		for i := 1; i < len(as); i++ {
			gap := as[i].at.Sub(as[i-1].at)
			minArrived = min(minArrived, gap)
			if gap < window {
				short++
			}
			if gap >= window-margin {
				continue
			}
			s1, ok1 := sendOf(as[i-1].shard, as[i-1].at)
			s2, ok2 := sendOf(as[i].shard, as[i].at)
			if ok1 && ok2 && s2.Sub(s1) >= window {
				lagged++
				maxLag = max(maxLag, as[i-1].at.Sub(s1))
				continue
			}
			t.Errorf("bucket %d: identifies of shards %d and %d arrived %v apart, less than window %v - tolerance %v, and were not sent a window apart", b, as[i-1].shard, as[i].shard, gap, window, margin)
		}
	}
	assert.LessOrEqual(t, st.IdentifyRefused, int64(short), "identifies refused for concurrency without a lagged pair to explain them")
	if short == 0 {
		assert.LessOrEqual(t, st.MaxIdentifiesPerBucket, 1, "identifies per bucket per window")
	}
	assert.LessOrEqual(t, narrived, nsent, "the emulator saw more identifies than the shards sent")
	t.Logf("identifies: %d sent, %d arrived; closest in a bucket: sent %v, arrived %v apart (window %v, margin %v); %d pairs closer than the window on arrival, %d of them beyond the tolerance, explained by the emulator's stamping lag (up to %v); %d refused; max %d per bucket per window",
		nsent, narrived, minSent, minArrived, window, margin, short, lagged, maxLag.Round(time.Millisecond), st.IdentifyRefused, st.MaxIdentifiesPerBucket)
}

// TestChaosSoakFatalCodes: under the same chaos, shards that the gateway
// closes with a fatal code (4004, 4010–4014) stop for good, never
// reconnecting, while the Manager reports the error and the other shards
// keep running.
func TestChaosSoakFatalCodes(t *testing.T) {
	before := goroutineStacks()
	fatalCodes := []closecode.Code{
		closecode.AuthenticationFailed, closecode.InvalidShard, closecode.ShardingRequired,
		closecode.InvalidAPIVersion, closecode.InvalidIntents, closecode.DisallowedIntents,
	}
	const shards = 12
	srv, err := gatewaytest.NewServer(soakWorld(shards, 0.5, nil))
	require.NoError(t, err)
	require.NoError(t, srv.Start(context.Background()))
	defer srv.Close()
	audit := newSoakAudit()
	logs := newSoakLog()
	mcfg, err := soakManagerConfig(srv, audit, slog.New(logs))
	require.NoError(t, err)
	m, err := gatewayutil.NewManager(mcfg)
	require.NoError(t, err)
	audit.manager.Store(m)
	require.NoError(t, m.Start(context.Background()))

	// Close shard i's live connection with fatalCodes[i], as soon as it
	// has one (chaos may take it away first: try again).
	closedAt := map[int]time.Time{}
	sessionsOf := map[int]string{}
	for i, code := range fatalCodes {
		waitUntil(t, 30*time.Second, fmt.Sprintf("shard %d closed with %d", i, code), func() bool {
			sid, _ := audit.current(i)
			for _, s := range srv.Sessions() {
				if s.ID() == sid && s.InjectClose(code) == nil {
					closedAt[i], sessionsOf[i] = time.Now(), sid
					return true
				}
			}
			return false
		})
	}
	var fatal error
	select {
	case fatal = <-m.Fatal():
	case <-time.After(30 * time.Second):
		t.Fatal("the Manager reported no fatal error")
	}
	var ce *gateway.CloseError
	require.ErrorAs(t, fatal, &ce)
	require.True(t, ce.Fatal(), "reported %v", fatal)
	require.NotContains(t, fatal.Error(), soakToken)

	// Give the stopped shards time to (wrongly) come back, while chaos
	// goes on hitting the others.
	waitUntil(t, 30*time.Second, "the closed shards to stop", func() bool {
		for i := range fatalCodes {
			if m.Shard(i).Status().State != gatewayutil.ShardStopped {
				return false
			}
		}
		return true
	})
	frozen := map[int]int64{}
	for i := range fatalCodes {
		frozen[i] = m.Shard(i).Status().Connections
	}
	othersBefore := int64(0)
	for id := len(fatalCodes); id < shards; id++ {
		othersBefore += m.Shard(id).Status().Dispatches
	}
	time.Sleep(2 * time.Second)
	othersAfter := int64(0)
	for id := len(fatalCodes); id < shards; id++ {
		othersAfter += m.Shard(id).Status().Dispatches
	}
	for i, code := range fatalCodes {
		st := m.Shard(i).Status()
		assert.Equal(t, gatewayutil.ShardStopped, st.State, "shard %d after %d", i, code)
		assert.Equal(t, frozen[i], st.Connections, "shard %d reconnected after %d", i, code)
		assert.ErrorIs(t, st.LastError, gateway.CodeError(code), "shard %d", i)
		assert.NotContains(t, fmt.Sprint(st.LastError), soakToken)
	}
	assert.Greater(t, othersAfter, othersBefore, "the other shards keep receiving events")
	require.NoError(t, m.Shutdown(context.Background()))

	// The emulator's side: no connection of a stopped shard opened after
	// its fatal close, neither an identify for it nor a resume of its
	// session.
	for _, c := range srv.Conns() {
		r := c.Record()
		for i, at := range closedAt {
			if !r.Opened.After(at) {
				continue
			}
			if r.Identify != nil && len(r.Identify.Shard) == 2 && r.Identify.Shard[0] == i {
				t.Errorf("conn %d identified shard %d after its fatal close %d", r.ID, i, fatalCodes[i])
			}
			if r.SessionID == sessionsOf[i] {
				t.Errorf("conn %d resumed shard %d's session after its fatal close %d", r.ID, i, fatalCodes[i])
			}
		}
	}
	audit.mu.Lock()
	assert.Zero(t, audit.nproblems, "audit problems: %s", strings.Join(audit.problems, "\n"))
	audit.mu.Unlock()
	t.Logf("%d faults injected while %d shards stopped on fatal codes; first fatal error: %v", srv.FaultsInjected(), len(fatalCodes), fatal)
	_ = srv.Close()
	requireNoGoroutinesSince(t, before)
}
