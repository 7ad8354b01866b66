package gatewayutil_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/internal/testenv"
	"github.com/gatewaykit/gateway/ratelimit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const managerToken = "manager-test-token"

// timeScale makes Discord's 5 s identify window 250 ms in these tests.
const timeScale = 0.05

// identifyScale is the time scale of the tests that check the identify
// schedule: the emulator stamps identifies when its reader gets to them,
// which under -race on a loaded 2-core machine can lag the send by several
// hundred ms, so windows must be long enough that such delays stay small
// beside them (2.5 s windows, with a fifth of a window as margin).
const identifyScale = 0.5

func startManagerEmulator(t *testing.T, cfg gatewaytest.Config) *gatewaytest.Server {
	t.Helper()
	if cfg.TimeScale == 0 {
		cfg.TimeScale = timeScale
	}
	cfg.Tokens = []string{managerToken}
	srv, err := gatewaytest.NewServer(cfg)
	require.NoError(t, err)
	require.NoError(t, srv.Start(context.Background()))
	// Registered before the test's own cleanups, so it runs after them: a
	// shard left running would reconnect to a later test's emulator that
	// got the same port, and spoil its counts.
	t.Cleanup(func() {
		requireNoShardGoroutines(t)
		_ = srv.Close()
	})
	return srv
}

func managerConfig(srv *gatewaytest.Server, sink gatewayutil.EventSink) gatewayutil.ManagerConfig {
	return gatewayutil.ManagerConfig{
		Shard: gatewayutil.Config{
			Token:              gateway.NewToken(managerToken),
			Intents:            intents.NonPrivileged,
			Sink:               sink,
			ResumeURLPolicy:    gatewayutil.LoopbackResumeURLs,
			CommandWindow:      time.Duration(float64(time.Minute) * srv.Config().TimeScale),
			ReidentifyDelayMin: 10 * time.Millisecond,
			ReidentifyDelayMax: 50 * time.Millisecond,
			Backoff:            gatewayutil.Backoff{Base: 20 * time.Millisecond, Max: 200 * time.Millisecond},
		},
		APIBase:        srv.APIURL(),
		IdentifyWindow: time.Duration(float64(5*time.Second) * srv.Config().TimeScale),
		// The emulator measures windows on arrival, on a loaded 2-core
		// machine: leave more room than the production default.
		IdentifyMargin: time.Duration(float64(5*time.Second) * srv.Config().TimeScale / 5),
		ReshardOverlap: 300 * time.Millisecond,
	}
}

func waitReady(t *testing.T, m *gatewayutil.Manager, n int, within time.Duration) {
	t.Helper()
	require.Eventually(t, func() bool {
		st := m.Status()
		if len(st) != n {
			return false
		}
		for _, s := range st {
			if s.State != gatewayutil.ShardConnected {
				return false
			}
		}
		return true
	}, within, 10*time.Millisecond, "shards not all connected")
}

// identifyTimes returns when every identify reached the emulator, in order.
func identifyTimes(srv *gatewaytest.Server) []time.Time {
	var out []time.Time
	for _, c := range srv.Conns() {
		if r := c.Record(); r.Identify != nil {
			out = append(out, r.Identify.Time)
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

func TestManagerStartsInMaxConcurrencyWindows(t *testing.T) {
	// The emulator stamps an identify when its reader gets to it; the lag
	// probe measures how late goroutines wake up meanwhile, which is how
	// late a stamp can be.
	lag := testenv.StartLagProbe(5 * time.Millisecond)
	defer lag.Stop()
	srv := startManagerEmulator(t, gatewaytest.Config{Shards: 64, MaxConcurrency: 16, Guilds: 64, TimeScale: identifyScale})
	mcfg := managerConfig(srv, nil)
	m, err := gatewayutil.NewManager(mcfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	require.NoError(t, m.Start(ctx))
	waitReady(t, m, 64, 20*time.Second)
	took := time.Since(start)
	require.NoError(t, m.Shutdown(context.Background()))
	lag.Stop()

	// Identifies of a bucket closer than the window on arrival are
	// excused only when the lag measured around the first of the pair
	// explains how much closer: its stamp was late by that much at most.
	window := time.Duration(float64(5*time.Second) * identifyScale)
	type arrival struct {
		shard int
		at    time.Time
	}
	buckets := map[int][]arrival{}
	for _, c := range srv.Conns() {
		if r := c.Record(); r.Identify != nil && len(r.Identify.Shard) == 2 {
			buckets[r.Identify.Shard[0]%16] = append(buckets[r.Identify.Shard[0]%16], arrival{r.Identify.Shard[0], r.Identify.Time})
		}
	}
	closePairs := 0
	for b, as := range buckets {
		slices.SortFunc(as, func(x, y arrival) int { return x.at.Compare(y.at) })
		for i := 1; i < len(as); i++ {
			gap := as[i].at.Sub(as[i-1].at)
			if gap >= window {
				continue
			}
			worst := lag.MaxBetween(as[i-1].at.Add(-window), as[i].at)
			if window-gap > worst {
				t.Errorf("bucket %d: shards %d and %d identified %v apart, less than the window %v by more than the %v of scheduling lag measured around them", b, as[i-1].shard, as[i].shard, gap, window, worst)
				continue
			}
			closePairs++
			t.Logf("bucket %d: shards %d and %d arrived %v apart; the emulator's stamp can be late by the %v of scheduling lag measured", b, as[i-1].shard, as[i].shard, gap, worst)
		}
	}
	t.Logf("%s", lag.Summary())

	st := srv.Stats()
	// A refused identify (op 9) is sent again: the emulator counts the
	// identifies it accepted, one per shard, and records the refused too.
	assert.LessOrEqual(t, st.IdentifyRefused, int64(closePairs), "op 9 for identify concurrency, beyond the pairs the measured lag explains")
	assert.EqualValues(t, 64, st.Identifies)
	if closePairs == 0 {
		assert.LessOrEqual(t, st.MaxIdentifiesPerBucket, 1)
	}
	assert.LessOrEqual(t, st.MaxCommandsPerWindow, 120, "no 4008")
	for _, c := range srv.Conns() {
		assert.NotEqual(t, 4008, int(c.Record().CloseSent))
	}
	// 64 shards / 16 buckets = 4 identifies per bucket: the last starts 3
	// windows after the first, so everything fits in 4 windows (and
	// whatever the measured lag delayed them, and a window and the
	// re-identify delay for each refused one).
	all := identifyTimes(srv)
	require.Len(t, all, 64+int(st.IdentifyRefused))
	span := all[len(all)-1].Sub(all[0])
	slack := lag.Max() + time.Duration(st.IdentifyRefused)*(window+mcfg.Shard.ReidentifyDelayMax)
	t.Logf("64 shards identified over %v (window %v, slack %v); all connected after %v", span, window, slack, took)
	assert.Less(t, span, 4*window+slack, "identifies must fit in 4 windows")
	// and not in fewer: each bucket waits a window (plus margin) between
	// its identifies; a late stamp of the first shortens the span by the
	// lag, up to a window.
	assert.GreaterOrEqual(t, span, 3*window-min(window, max(window/10, lag.Max())), "a bucket must not identify twice within a window")
}

func TestManagerMaxConcurrencyOneNeverSharesAWindow(t *testing.T) {
	srv := startManagerEmulator(t, gatewaytest.Config{Shards: 5, MaxConcurrency: 1, TimeScale: identifyScale})
	m, err := gatewayutil.NewManager(managerConfig(srv, nil))
	require.NoError(t, err)
	require.NoError(t, m.Start(context.Background()))
	waitReady(t, m, 5, 20*time.Second)
	require.NoError(t, m.Shutdown(context.Background()))
	window := time.Duration(float64(5*time.Second) * identifyScale)
	all := identifyTimes(srv)
	require.Len(t, all, 5)
	for i := 1; i < len(all); i++ {
		assert.GreaterOrEqual(t, all[i].Sub(all[i-1]), window, "identifies %d and %d share a window", i-1, i)
	}
	assert.Zero(t, srv.Stats().IdentifyRefused)
}

func TestManagerRefusesWhenBudgetTooLow(t *testing.T) {
	srv := startManagerEmulator(t, gatewaytest.Config{Shards: 8, SessionStartLimit: 3})
	m, err := gatewayutil.NewManager(managerConfig(srv, nil))
	require.NoError(t, err)
	err = m.Start(context.Background())
	require.Error(t, err)
	assert.ErrorIs(t, err, ratelimit.ErrBudgetExhausted)
	var be *ratelimit.BudgetError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, 3, be.Remaining)
	assert.Contains(t, err.Error(), "resets in")
	assert.NotContains(t, err.Error(), managerToken)
	assert.Zero(t, srv.Stats().Connections, "nothing may connect before the budget check")
}

// seqLog records the sequence numbers each shard's handler saw, and when
// and from which shard of which set each TEST_EVENT arrived.
type seqLog struct {
	mu       sync.Mutex
	start    time.Time
	seqs     map[int][]int64
	ids      map[string]int
	arrivals map[string][]string
}

func newSeqLog() *seqLog {
	return &seqLog{start: time.Now(), seqs: map[int][]int64{}, ids: map[string]int{}, arrivals: map[string][]string{}}
}

func (l *seqLog) Dispatch(_ context.Context, e *gatewayutil.Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e.Type == "READY" {
		l.seqs[e.Shard] = nil
	}
	l.seqs[e.Shard] = append(l.seqs[e.Shard], e.Seq)
	if e.Type == "TEST_EVENT" {
		var v struct{ ID string }
		if json.Unmarshal(e.Data, &v) == nil {
			l.ids[v.ID]++
			l.arrivals[v.ID] = append(l.arrivals[v.ID], fmt.Sprintf("set %d shard %d/%d seq %d at +%v", e.ShardSet, e.Shard, e.ShardCount, e.Seq, time.Since(l.start).Round(time.Millisecond)))
		}
	}
	return nil
}

// gaps checks each shard's sequence numbers run without holes or repeats.
func (l *seqLog) check(t *testing.T) (total int) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for shard, seqs := range l.seqs {
		for i := 1; i < len(seqs); i++ {
			if seqs[i] != seqs[i-1]+1 {
				t.Errorf("shard %d: seq %d after %d", shard, seqs[i], seqs[i-1])
			}
		}
		total += len(seqs)
	}
	return total
}

func TestManagerRestartResumesFromStore(t *testing.T) {
	srv := startManagerEmulator(t, gatewaytest.Config{Shards: 4, MaxConcurrency: 4, Traffic: true, Rate: 50})
	store, err := gatewayutil.NewFileSessionStore(t.TempDir())
	require.NoError(t, err)
	log := newSeqLog()
	cfg := managerConfig(srv, log)
	cfg.Store = store

	m1, err := gatewayutil.NewManager(cfg)
	require.NoError(t, err)
	require.NoError(t, m1.Start(context.Background()))
	waitReady(t, m1, 4, 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, m1.Shutdown(context.Background()))
	identifies := srv.Stats().Identifies
	require.EqualValues(t, 4, identifies)

	// The emulator keeps generating events for the closed sessions; a new
	// process with the same store resumes and receives exactly what it missed.
	time.Sleep(200 * time.Millisecond)
	m2, err := gatewayutil.NewManager(cfg)
	require.NoError(t, err)
	require.NoError(t, m2.Start(context.Background()))
	waitReady(t, m2, 4, 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, m2.Shutdown(context.Background()))

	st := srv.Stats()
	assert.Equal(t, identifies, st.Identifies, "the restarted process must not identify")
	assert.EqualValues(t, 4, st.Resumes)
	n := log.check(t)
	t.Logf("%d dispatches across the restart, %d resumes", n, st.Resumes)
	assert.Greater(t, n, 40)
}

func TestManagerReshardLosesNothing(t *testing.T) {
	srv := startManagerEmulator(t, gatewaytest.Config{Shards: 4, MaxConcurrency: 8, Guilds: 64})
	log := newSeqLog()
	m, err := gatewayutil.NewManager(managerConfig(srv, log))
	require.NoError(t, err)
	require.NoError(t, m.Start(context.Background()))
	waitReady(t, m, 4, 10*time.Second)

	// Publish events with unique ids into every guild while resharding.
	guilds := srv.Guilds()
	stop := make(chan struct{})
	var publishedN atomic.Int64
	var pubWG sync.WaitGroup
	pubWG.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			g := guilds[i%len(guilds)]
			srv.Publish(gatewaytest.Dispatch{Type: "TEST_EVENT", GuildID: g, Data: []byte(fmt.Sprintf(`{"id":"e%d","guild_id":"%d"}`, i, g))})
			publishedN.Store(int64(i + 1))
			time.Sleep(time.Millisecond)
		}
	})
	time.Sleep(100 * time.Millisecond)
	reshardFrom := time.Since(log.start)
	require.NoError(t, m.Reshard(context.Background(), 8, nil))
	reshardTo := time.Since(log.start)
	assert.Equal(t, 8, m.ShardCount())
	time.Sleep(100 * time.Millisecond)
	// On a loaded machine a millisecond's sleep takes longer: publish for as
	// long as it takes to have sent over 100 events across the reshard.
	waitUntil(t, 20*time.Second, "100 events published", func() bool { return publishedN.Load() > 100 })
	close(stop)
	pubWG.Wait()
	published := int(publishedN.Load())
	// Let the last events arrive (longer on a loaded machine), then give
	// a repeat some time to show up too.
	// Not a Fatal on timeout: shut down and list what is missing.
	allArrived := func() bool {
		log.mu.Lock()
		defer log.mu.Unlock()
		for i := range published {
			if log.ids[fmt.Sprintf("e%d", i)] == 0 {
				return false
			}
		}
		return true
	}
	for deadline := time.Now().Add(20 * time.Second); !allArrived() && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, m.Shutdown(context.Background()))

	log.mu.Lock()
	defer log.mu.Unlock()
	missing, repeated := 0, 0
	for i := 0; i < published; i++ {
		switch log.ids[fmt.Sprintf("e%d", i)] {
		case 0:
			t.Logf("missing e%d (guild %d, old shard %d, new shard %d)", i, guilds[i%len(guilds)], gatewayutil.ShardForGuild(guilds[i%len(guilds)], 4), gatewayutil.ShardForGuild(guilds[i%len(guilds)], 8))
			missing++
		case 1:
		default:
			t.Logf("repeated e%d (guild %d, old shard %d, new shard %d): %v", i, guilds[i%len(guilds)], gatewayutil.ShardForGuild(guilds[i%len(guilds)], 4), gatewayutil.ShardForGuild(guilds[i%len(guilds)], 8), log.arrivals[fmt.Sprintf("e%d", i)])
			repeated++
		}
	}
	t.Logf("published %d events during the reshard: %d missing, %d repeated", published, missing, repeated)
	st := srv.Stats()
	t.Logf("reshard from +%v to +%v; %d identifies (12 without a re-identify), %d resumes; %+v", reshardFrom.Round(time.Millisecond), reshardTo.Round(time.Millisecond), st.Identifies, st.Resumes, m.ReshardStats())
	if missing+repeated > 0 {
		// The order in which the user got the events around the first one
		// that went wrong: the interleaving of the two sets.
		first := -1
		for i := range published {
			if log.ids[fmt.Sprintf("e%d", i)] != 1 {
				first = i
				break
			}
		}
		for i := max(0, first-16); i < min(published, first+16); i++ {
			t.Logf("  e%d: %v", i, log.arrivals[fmt.Sprintf("e%d", i)])
		}
	}
	assert.Equal(t, gatewayutil.ReshardStats{}, m.ReshardStats(), "the reshard gave up on a guarantee")
	assert.Zero(t, missing, "a reshard must not lose a dispatch")
	assert.Zero(t, repeated, "the overlap must not repeat a dispatch")
	assert.Greater(t, published, 100)
}

func TestParseShardIDs(t *testing.T) {
	for in, want := range map[string][]int{"": nil, "0-3": {0, 1, 2, 3}, "0,2,5": {0, 2, 5}, "5,0-2,2": {0, 1, 2, 5}} {
		got, err := gatewayutil.ParseShardIDs(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"a", "3-1", "-1", "1-", "0-99999999"} {
		_, err := gatewayutil.ParseShardIDs(bad)
		assert.Error(t, err, bad)
	}
}

func TestManagerConfigErrors(t *testing.T) {
	_, err := gatewayutil.NewManager(gatewayutil.ManagerConfig{ShardCount: 4, ShardIDs: []int{4}})
	assert.Error(t, err)
	_, err = gatewayutil.NewManager(gatewayutil.ManagerConfig{ShardIDs: []int{1, 1}})
	assert.Error(t, err)
	_, err = gatewayutil.NewManager(gatewayutil.ManagerConfig{SkipGatewayBot: true})
	assert.Error(t, err)
	assert.True(t, errors.Is(gatewayutil.ErrShardNotHere, gatewayutil.ErrShardNotHere))
	assert.Equal(t, 3, gatewayutil.ShardForGuild(3<<22, 8))
	assert.Equal(t, 0, gatewayutil.ShardForGuild(8<<22, 8))
}
