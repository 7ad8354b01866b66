package gatewayutil_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
)

// testToken is the bot token of the shard tests. The tests check it never
// shows up in logs, errors or status.
const testToken = "NzkyNzE1NDU0MTk2MDg4ODQy.X-hvzA.Ovy4MCQywSkoMRRclStW4xAYK7I"

// testScale runs the emulator at 1/100 of Discord's clock: 412 ms
// heartbeats, a 50 ms identify window, a 1.2 s resume window.
const testScale = 0.01

// startShardEmulator starts a gateway emulator on 127.0.0.1 that accepts
// testToken.
func startShardEmulator(t testing.TB, cfg gatewaytest.Config) *gatewaytest.Server {
	t.Helper()
	cfg.Tokens = []string{testToken}
	if cfg.TimeScale == 0 {
		cfg.TimeScale = testScale
	}
	if cfg.HeartbeatGrace == 0 {
		// The emulator's heartbeat deadline is not what the shard tests
		// check (the emulator's own tests and the soak do), but a 4009
		// from it ends the session and derails a test that expects a
		// resume. At testScale the interval is 412 ms; on a loaded 2-core
		// machine a heartbeat waits for a CPU on both sides, and the lag
		// probes of the soak measured single wake-ups over 1.5 s late. So
		// the grace is 2 s of wall time, or four times the lag measured
		// now if that is more, and never less than 40 s of Discord's clock.
		floor := max(2*time.Second, 4*schedulingLag(t))
		cfg.HeartbeatGrace = max(40*time.Second, time.Duration(float64(floor)/cfg.TimeScale))
	}
	srv, err := gatewaytest.NewServer(cfg)
	require.NoError(t, err)
	require.NoError(t, srv.Start(context.Background()))
	// Registered before any shard's, so it runs after they all closed.
	t.Cleanup(func() {
		requireNoShardGoroutines(t)
		_ = srv.Close()
	})
	return srv
}

// seqChecker is an EventSink that checks what a shard delivers: within a
// session every dispatch has the sequence number after the previous one,
// so nothing is lost or delivered twice, across resumes too.
type seqChecker struct {
	shard func() *gatewayutil.Shard

	mu         sync.Mutex
	session    string // session of the last dispatch
	last       int64  // its sequence number
	sessions   int    // READYs seen
	resumes    int    // RESUMEDs seen
	events     int    // dispatches seen
	types      map[string]int
	problems   []string
	sizes      map[string]int // largest Data per type
	wakeup     chan struct{}
	lastByType map[string]int64
}

func newSeqChecker() *seqChecker {
	return &seqChecker{types: map[string]int{}, sizes: map[string]int{}, lastByType: map[string]int64{}, wakeup: make(chan struct{}, 1)}
}

func (c *seqChecker) Dispatch(_ context.Context, e *gatewayutil.Event) error {
	sess := c.shard().Session()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events++
	c.types[e.Type]++
	c.lastByType[e.Type] = e.Seq
	c.sizes[e.Type] = max(c.sizes[e.Type], len(e.Data))
	if len(e.Data) == 0 || (e.Data[0] != '{' && e.Data[0] != '[' && e.Data[0] != 'n') {
		c.problems = append(c.problems, fmt.Sprintf("%s #%d: data %q is not JSON", e.Type, e.Seq, e.Data[:min(len(e.Data), 20)]))
	}
	switch e.Type {
	case event.Ready:
		c.sessions++
		c.session, c.last = sess.ID, e.Seq
		if e.Seq != 1 {
			c.problems = append(c.problems, fmt.Sprintf("READY has s=%d, want 1", e.Seq))
		}
	default:
		if e.Type == event.Resumed {
			c.resumes++
		}
		switch {
		case sess.ID != c.session:
			c.problems = append(c.problems, fmt.Sprintf("%s #%d in session %q, expected %q", e.Type, e.Seq, sess.ID, c.session))
		case e.Seq > c.last+1:
			c.problems = append(c.problems, fmt.Sprintf("lost %d dispatches before %s #%d", e.Seq-c.last-1, e.Type, e.Seq))
		case e.Seq <= c.last:
			c.problems = append(c.problems, fmt.Sprintf("%s #%d repeated (last was %d)", e.Type, e.Seq, c.last))
		}
		c.last = e.Seq
	}
	select {
	case c.wakeup <- struct{}{}:
	default:
	}
	return nil
}

func (c *seqChecker) snapshot() (events, sessions, resumes int, last int64, problems []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.events, c.sessions, c.resumes, c.last, append([]string(nil), c.problems...)
}

func (c *seqChecker) count(typ string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.types[typ]
}

// requireClean fails the test if any dispatch was lost or repeated.
func (c *seqChecker) requireClean(t testing.TB) {
	t.Helper()
	_, _, _, _, problems := c.snapshot()
	require.Empty(t, problems, "dispatches lost, repeated or malformed")
}

// shardLogBuffer is a goroutine-safe log sink, to check what was logged.
type shardLogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *shardLogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *shardLogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// testShard is a shard under test with what watches it.
type testShard struct {
	*gatewayutil.Shard
	srv   *gatewaytest.Server
	check *seqChecker
	logs  *shardLogBuffer
	errc  chan error
	stop  context.CancelFunc
}

// baseConfig is a shard configuration scaled like the emulator.
func baseConfig(srv *gatewaytest.Server) gatewayutil.Config {
	return gatewayutil.Config{
		Token:              gateway.NewToken("Bot " + testToken),
		Intents:            intents.Guilds | intents.GuildMessages,
		URL:                srv.URL(),
		HandshakeTimeout:   5 * time.Second,
		HelloTimeout:       2 * time.Second,
		ReadyTimeout:       3 * time.Second,
		CloseTimeout:       time.Second,
		Backoff:            gatewayutil.Backoff{Base: 10 * time.Millisecond, Max: 200 * time.Millisecond},
		ReidentifyDelayMin: 10 * time.Millisecond,
		ReidentifyDelayMax: 50 * time.Millisecond,
		CommandWindow:      time.Duration(float64(60*time.Second) * testScale),
		// The shard's own identify limiter, scaled, with a fifth of a
		// window of margin: the emulator stamps identifies on a loaded
		// machine.
		IdentifyWindow:  time.Duration(float64(6*time.Second) * testScale),
		ResumeURLPolicy: gatewayutil.LoopbackResumeURLs,
	}
}

// runShard builds a shard on cfg (after mutate) and runs it.
func runShard(t testing.TB, srv *gatewaytest.Server, mutate func(*gatewayutil.Config)) *testShard {
	t.Helper()
	return runShardResuming(t, srv, gateway.Session{}, mutate)
}

// runShardResuming is runShard for a shard that starts by resuming sess:
// its checker expects the session's next sequence number first.
func runShardResuming(t testing.TB, srv *gatewaytest.Server, sess gateway.Session, mutate func(*gatewayutil.Config)) *testShard {
	t.Helper()
	cfg := baseConfig(srv)
	cfg.Session = sess
	ts := &testShard{srv: srv, check: newSeqChecker(), logs: &shardLogBuffer{}, errc: make(chan error, 1)}
	ts.check.session, ts.check.last = sess.ID, sess.Seq
	cfg.Sink = ts.check
	cfg.Logger = slog.New(slog.NewTextHandler(ts.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if mutate != nil {
		mutate(&cfg)
	}
	sh, err := gatewayutil.NewShard(cfg)
	require.NoError(t, err)
	ts.Shard = sh
	ts.check.shard = func() *gatewayutil.Shard { return sh }
	ctx, cancel := context.WithCancel(context.Background())
	ts.stop = cancel
	go func() { ts.errc <- sh.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		_, _ = sh.Close(context.Background(), closecode.Normal)
		out := ts.logs.String()
		if strings.Contains(out, testToken) {
			t.Errorf("the token appears in the logs")
		}
		if t.Failed() {
			t.Logf("shard logs (tail):\n%s", out[max(0, len(out)-6000):])
		}
	})
	return ts
}

// waitUntil polls cond until it holds, failing the test after timeout.
//
// The timeout counts only time this goroutine could run: each poll sleeps
// 5 ms, and however much longer the sleep took (the goroutine waited for a
// CPU: the scheduling lag on a loaded machine) extends the deadline, up to
// three times the timeout. A condition the code under test must reach in
// timeout of its own running time gets it however busy the machine is.
func waitUntil(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	const poll = 5 * time.Millisecond
	start := time.Now()
	var lag time.Duration
	for !cond() {
		if waited := time.Since(start); waited > timeout+min(lag, 3*timeout) {
			t.Fatalf("timed out after %v (%v, plus %v of scheduling lag measured meanwhile) waiting for %s", waited.Round(time.Millisecond), timeout, lag.Round(time.Millisecond), what)
		}
		slept := time.Now()
		time.Sleep(poll)
		lag += max(time.Since(slept)-poll, 0)
	}
}

// waitEvents waits until the shard delivered at least n dispatches.
func (ts *testShard) waitEvents(t testing.TB, n int) {
	t.Helper()
	waitUntil(t, 10*time.Second, fmt.Sprintf("%d dispatches", n), func() bool {
		ev, _, _, _, _ := ts.check.snapshot()
		return ev >= n
	})
}

// waitConnected waits until the shard is connected (READY or RESUMED).
func (ts *testShard) waitConnected(t testing.TB) {
	t.Helper()
	waitUntil(t, 10*time.Second, "a connected shard", func() bool {
		return ts.Status().State == gatewayutil.ShardConnected
	})
}

// liveConn returns the emulator's connection of the shard's session.
func (ts *testShard) liveConn(t testing.TB) *gatewaytest.Conn {
	t.Helper()
	var c *gatewaytest.Conn
	waitUntil(t, 10*time.Second, "the session's connection", func() bool {
		id := ts.Session().ID
		for _, s := range ts.srv.Sessions() {
			if s.ID() == id {
				c = s.Conn()
			}
		}
		return c != nil && !c.Closed()
	})
	return c
}

// requireNoShardGoroutines waits briefly for every goroutine of a shard to
// exit, and fails with their stacks if some remain.
func requireNoShardGoroutines(t testing.TB) {
	t.Helper()
	var stacks string
	for range 200 {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		stacks = ""
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "gatewayutil.(*Shard)") || strings.Contains(g, "gatewayutil.(*shardConn)") || strings.Contains(g, "gatewayutil.(*heartbeater)") {
				stacks += g + "\n\n"
			}
		}
		if stacks == "" {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("shard goroutines left behind:\n%s", stacks)
}
