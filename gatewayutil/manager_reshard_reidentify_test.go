package gatewayutil_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// reshardEvent is one event a reshardLog received.
type reshardEvent struct {
	typ               string
	shard, count, set int
	guild             uint64
}

// reshardLog records every event that reaches the user during a reshard,
// in order, and counts the TEST_EVENTs by id.
type reshardLog struct {
	mu     sync.Mutex
	events []reshardEvent
	ids    map[string]int
}

func newReshardLog() *reshardLog { return &reshardLog{ids: map[string]int{}} }

func (l *reshardLog) Dispatch(_ context.Context, e *gatewayutil.Event) error {
	re := reshardEvent{typ: e.Type, shard: e.Shard, count: e.ShardCount, set: e.ShardSet, guild: e.GuildID()}
	var id string
	if e.Type == "TEST_EVENT" {
		var v struct{ ID string }
		if err := json.Unmarshal(e.Data, &v); err != nil {
			return err
		}
		id = v.ID
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, re)
	if id != "" {
		l.ids[id]++
	}
	return nil
}

func (l *reshardLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.events)
}

// readyShards counts the shards of shard set gen whose READY reached the
// user.
func (l *reshardLog) readyShards(gen int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	ready := map[int]bool{}
	for _, e := range l.events {
		if e.set == gen && e.typ == "READY" {
			ready[e.shard] = true
		}
	}
	return len(ready)
}

// guildsAfterReady returns whether shard [shard, count] of set gen
// delivered a READY at index from or later, and the guilds of the
// GUILD_CREATEs it delivered after the last such READY.
func (l *reshardLog) guildsAfterReady(from, shard, count, gen int) (bool, []uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ready := -1
	for i := from; i < len(l.events); i++ {
		e := l.events[i]
		if e.typ == "READY" && e.shard == shard && e.count == count && e.set == gen {
			ready = i
		}
	}
	if ready < 0 {
		return false, nil
	}
	var gs []uint64
	for _, e := range l.events[ready+1:] {
		if e.typ == "GUILD_CREATE" && e.shard == shard && e.count == count && e.set == gen {
			gs = append(gs, e.guild)
		}
	}
	slices.Sort(gs)
	return true, slices.Compact(gs)
}

// publishUniques publishes TEST_EVENTs with unique ids into every guild,
// round robin, until stop is closed; it returns how many it published.
func publishUniques(srv *gatewaytest.Server, stop <-chan struct{}, published *atomic.Int64) {
	guilds := srv.Guilds()
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		g := guilds[i%len(guilds)]
		srv.Publish(gatewaytest.Dispatch{Type: "TEST_EVENT", GuildID: g, Data: fmt.Appendf(nil, `{"id":"e%d","guild_id":"%d"}`, i, g)})
		published.Store(int64(i + 1))
		time.Sleep(time.Millisecond)
	}
}

// checkExactlyOnce waits for every published TEST_EVENT and then fails for
// any missing or repeated.
func checkExactlyOnce(t *testing.T, log *reshardLog, published int) {
	t.Helper()
	counts := func() (missing, repeated int) {
		log.mu.Lock()
		defer log.mu.Unlock()
		for i := range published {
			switch log.ids[fmt.Sprintf("e%d", i)] {
			case 0:
				missing++
			case 1:
			default:
				repeated++
			}
		}
		return missing, repeated
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m, _ := counts(); m == 0 {
			break
		}
	}
	// Give a repeat some time to show up too.
	time.Sleep(300 * time.Millisecond)
	missing, repeated := counts()
	t.Logf("%d events published across the reshard: %d missing, %d repeated", published, missing, repeated)
	assert.Zero(t, missing, "a reshard must not lose a dispatch")
	assert.Zero(t, repeated, "the overlap must not repeat a dispatch")
	assert.Greater(t, published, 100)
}

// ownedGuilds returns the guilds Discord routes to shard id of count.
func ownedGuilds(srv *gatewaytest.Server, id, count int) []uint64 {
	var out []uint64
	for _, g := range srv.Guilds() {
		if gatewayutil.ShardForGuild(g, count) == id {
			out = append(out, g)
		}
	}
	slices.Sort(out)
	return out
}

// reidentify invalidates the live session of shard [id, count] and waits
// until the user received its new READY and, after it, a GUILD_CREATE for
// every guild of the shard.
func reidentify(t *testing.T, srv *gatewaytest.Server, log *reshardLog, id, count, gen int) {
	t.Helper()
	var sess *gatewaytest.Session
	for _, s := range srv.Sessions() {
		if sid, n := s.Shard(); sid == id && n == count && s.Alive() {
			sess = s
		}
	}
	require.NotNil(t, sess, "no live session for shard [%d, %d]", id, count)
	from := log.len()
	require.NoError(t, sess.InjectInvalidSession(false))
	want := ownedGuilds(srv, id, count)
	require.NotEmpty(t, want)
	var got []uint64
	ready := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if ready, got = log.guildsAfterReady(from, id, count, gen); ready && slices.Equal(got, want) {
			return
		}
	}
	require.True(t, ready, "shard [%d, %d] of set %d: no new READY reached the user after its session was invalidated", id, count, gen)
	t.Fatalf("shard [%d, %d] of set %d re-identified during the reshard; after its READY the user got GUILD_CREATEs for %v, want %v: the others were dropped as repeats", id, count, gen, got, want)
}

// TestManagerReshardDeliversReidentifiedGuildCreates reshards 2 → 4 while
// sessions of both sets are invalidated during the overlap and identify
// again. A re-identified session is a new stream: its READY and every
// GUILD_CREATE after it must reach the user, although the same
// GUILD_CREATEs were delivered a moment earlier (by the same shard's
// previous session, or by the other set). The dedupe filter, which once
// dropped them as repeats (a cache then kept those guilds unavailable),
// only drops copies of what the other set delivered: the unique events
// published throughout still arrive exactly once.
func TestManagerReshardDeliversReidentifiedGuildCreates(t *testing.T) {
	srv := startManagerEmulator(t, gatewaytest.Config{Shards: 2, MaxConcurrency: 8, Guilds: 32})
	log := newReshardLog()
	cfg := managerConfig(srv, log)
	// Long enough for three re-identifies inside the overlap, even on a
	// loaded machine (each takes well under a second here).
	cfg.ReshardOverlap = 4 * time.Second
	m, err := gatewayutil.NewManager(cfg)
	require.NoError(t, err)
	require.NoError(t, m.Start(context.Background()))
	shutdown := sync.OnceValue(func() error { return m.Shutdown(context.Background()) })
	t.Cleanup(func() { _ = shutdown() }) // also when the test fails halfway
	waitReady(t, m, 2, 10*time.Second)

	stop := make(chan struct{})
	var published atomic.Int64
	var pubWG sync.WaitGroup
	pubWG.Go(func() { publishUniques(srv, stop, &published) })
	reshardDone := make(chan error, 1)
	go func() { reshardDone <- m.Reshard(context.Background(), 4, nil) }()

	// The overlap began when every new shard's READY reached the user (the
	// new set delivers from its first event).
	waitUntil(t, 20*time.Second, "every new shard delivering", func() bool { return log.readyShards(1) == 4 })
	overlapping := func(what string) {
		select {
		case err := <-reshardDone:
			t.Fatalf("the reshard ended (err %v) before %s: the test did not test the overlap", err, what)
		default:
		}
	}
	// The new shard 1 twice: its second session's GUILD_CREATEs repeat
	// the first's exactly.
	reidentify(t, srv, log, 1, 4, 1)
	overlapping("the new shard 1's first re-identify")
	reidentify(t, srv, log, 1, 4, 1)
	overlapping("the new shard 1's second re-identify")
	// The old shard 0: its GUILD_CREATEs repeat those the new shards 0 and
	// 2 delivered.
	reidentify(t, srv, log, 0, 2, 0)
	overlapping("the old shard 0's re-identify")

	select {
	case err := <-reshardDone:
		require.NoError(t, err)
	case <-time.After(time.Minute):
		t.Fatal("the reshard did not end within a minute")
	}
	assert.Equal(t, 4, m.ShardCount())
	// Publish a little past the reshard, over 100 events in all.
	waitUntil(t, 20*time.Second, "100 events published", func() bool { return published.Load() > 100 })
	time.Sleep(100 * time.Millisecond)
	close(stop)
	pubWG.Wait()
	checkExactlyOnce(t, log, int(published.Load()))
	require.NoError(t, shutdown())

	// Each set's events carry its generation.
	log.mu.Lock()
	defer log.mu.Unlock()
	for _, e := range log.events {
		if want := map[int]int{2: 0, 4: 1}[e.count]; e.set != want {
			t.Fatalf("%s of shard [%d, %d] carries shard set %d, want %d", e.typ, e.shard, e.count, e.set, want)
		}
	}
}

// TestManagerReshardToTheSameCount reshards 2 → 2: allowed (it replaces
// every session), and the two sets, whose [Shard, ShardCount] are the same,
// are told apart by Event.ShardSet. Nothing is lost or repeated.
func TestManagerReshardToTheSameCount(t *testing.T) {
	srv := startManagerEmulator(t, gatewaytest.Config{Shards: 2, MaxConcurrency: 8, Guilds: 16})
	log := newReshardLog()
	cfg := managerConfig(srv, log)
	store := gatewayutil.NewMemorySessionStore()
	cfg.Store = store
	m, err := gatewayutil.NewManager(cfg)
	require.NoError(t, err)
	require.NoError(t, m.Start(context.Background()))
	shutdown := sync.OnceValue(func() error { return m.Shutdown(context.Background()) })
	t.Cleanup(func() { _ = shutdown() }) // also when the test fails halfway
	waitReady(t, m, 2, 10*time.Second)
	identifies := srv.Stats().Identifies

	stop := make(chan struct{})
	var published atomic.Int64
	var pubWG sync.WaitGroup
	pubWG.Go(func() { publishUniques(srv, stop, &published) })
	time.Sleep(100 * time.Millisecond)
	var before [2]string
	for id := range before {
		before[id] = m.Shard(id).Session().ID
	}
	require.NoError(t, m.Reshard(context.Background(), 2, nil))
	assert.Equal(t, 2, m.ShardCount())
	// The store holds the running set's sessions, not the closed set's
	// (whose ending would have deleted them).
	for id := range before {
		now := m.Shard(id).Session()
		assert.NotEqual(t, before[id], now.ID, "shard %d: the same-count reshard must identify a new session", id)
		saved, found, err := store.Load(context.Background(), id, 2)
		require.NoError(t, err)
		if assert.True(t, found, "shard %d: no session saved after the reshard", id) {
			assert.Equal(t, now.ID, saved.ID, "shard %d: the store holds another session than the running one", id)
		}
	}
	waitUntil(t, 20*time.Second, "100 events published", func() bool { return published.Load() > 100 })
	time.Sleep(100 * time.Millisecond)
	close(stop)
	pubWG.Wait()
	checkExactlyOnce(t, log, int(published.Load()))
	require.NoError(t, shutdown())

	assert.GreaterOrEqual(t, int(srv.Stats().Identifies-identifies), 2, "the same-count reshard must identify new sessions")
	assert.NotZero(t, log.readyShards(0), "the first set's events carry shard set 0")
	assert.NotZero(t, log.readyShards(1), "the resharded set's events carry shard set 1")
	log.mu.Lock()
	defer log.mu.Unlock()
	for _, e := range log.events {
		assert.Equal(t, 2, e.count, "%s of shard %d", e.typ, e.shard)
	}
}
