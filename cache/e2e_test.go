package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/cache"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/internal/worlddiff"
)

const e2eToken = "cache-e2e-token"

// e2eWorld is an emulator whose traffic changes nothing the comparison
// looks at (messages, typing, reactions: the generated world is a fixed
// snapshot, so a member update would make the world and the stream
// disagree), with chaos: reconnects that resume, invalid sessions that
// re-identify, dropped connections. Every survivable fault but the huge
// payload, which is a GUILD_MEMBERS_CHUNK of 1000 made-up members: the
// cache rightly adds them, and the world does not have them.
func e2eWorld(shards int) gatewaytest.Config {
	var faults []gatewaytest.FaultKind
	for _, f := range gatewaytest.SurvivableFaults {
		if f != gatewaytest.FaultHugePayload {
			faults = append(faults, f)
		}
	}
	return gatewaytest.Config{
		ChaosFaults:       faults,
		Tokens:            []string{e2eToken},
		Shards:            shards,
		MaxConcurrency:    shards,
		Guilds:            4 * shards,
		AllowedPrivileged: intents.Privileged,
		World: gatewaytest.TrafficConfig{HugeEvery: -1, Mix: map[string]int{
			event.MessageCreate: 10, event.TypingStart: 5, event.MessageReactionAdd: 3, event.MessageDelete: 1,
		}},
		Traffic:           true,
		Rate:              100,
		Chaos:             1.5,
		Seed:              11,
		TimeScale:         0.02,
		SessionStartLimit: 1 << 20,
		HeartbeatGrace:    20 * time.Second,
		ResumeWindow:      3 * time.Minute, // 3.6 s of wall time
	}
}

func e2eManager(srv *gatewaytest.Server, sink gatewayutil.EventSink, store gatewayutil.SessionStore) (*gatewayutil.Manager, error) {
	scale := srv.Config().TimeScale
	scaled := func(d time.Duration) time.Duration { return time.Duration(float64(d) * scale) }
	return gatewayutil.NewManager(gatewayutil.ManagerConfig{
		Shard: gatewayutil.Config{
			Token:              gateway.NewToken("Bot " + e2eToken),
			Intents:            intents.All,
			Compression:        gatewayutil.CompressZlibStream,
			Sink:               sink,
			ResumeURLPolicy:    gatewayutil.LoopbackResumeURLs,
			ReidentifyDelayMin: scaled(time.Second),
			ReidentifyDelayMax: scaled(5 * time.Second),
			Backoff:            gatewayutil.Backoff{Base: scaled(time.Second), Max: scaled(time.Minute)},
		},
		APIBase:        srv.APIURL(),
		Store:          store,
		IdentifyWindow: scaled(5*time.Second) + 50*time.Millisecond,
		RestartBackoff: gatewayutil.Backoff{Base: scaled(time.Second), Max: scaled(time.Minute)},
	})
}

// settle waits until the cache equals the emulator's world (chaos goes
// on, so a shard may be between a READY and its GUILD_CREATEs when looked
// at) and returns the differences of the last look.
func settle(c *cache.Cache, srv *gatewaytest.Server, guilds []uint64, within time.Duration) []string {
	deadline := time.Now().Add(within)
	for {
		diffs := worlddiff.World(c, srv.GuildCreate, guilds)
		if len(diffs) == 0 || time.Now().After(deadline) {
			return diffs
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestEndToEndWithChaos runs a Manager with the cache in front of its
// Dispatcher against the emulator with chaos, then restarts the process:
// the cache is saved with the sessions, restored before the shards
// resume, and must equal the emulator's world, field by field, after the
// chaos run, right after the restore (before any event), and after the
// resumed run.
func TestEndToEndWithChaos(t *testing.T) {
	const shards = 2
	ctx := context.Background()
	srv, err := gatewaytest.NewServer(e2eWorld(shards))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	tr := gatewaytest.NewTraffic(gatewaytest.TrafficConfig{Seed: 11, Guilds: 4 * shards, ShardCount: shards, HugeEvery: -1})
	guilds := srv.Guilds()
	if len(guilds) != 4*shards || guilds[0] != tr.Guilds()[0] {
		t.Fatalf("the test's world (%v) is not the emulator's (%v)", tr.Guilds(), guilds)
	}

	sessions := gatewayutil.NewMemorySessionStore()
	snapshots := &cache.MemorySnapshotStore{}
	d := gatewayutil.NewDispatcher()
	c := cache.New(d, cache.Policy{})
	m, err := e2eManager(srv, c, sessions)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// Run until chaos has made shards both resume and re-identify.
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		st := srv.Stats()
		if st.Resumes >= 2 && st.Identifies >= shards+2 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	st := srv.Stats()
	t.Logf("chaos run: %d faults, %d identifies, %d resumes, cache %+v", st.FaultsInjected, st.Identifies, st.Resumes, c.Stats())
	if st.Resumes < 2 || st.Identifies < shards+2 {
		t.Fatalf("chaos did not both resume and re-identify within a minute: %+v", st)
	}
	if diffs := settle(c, srv, guilds, 30*time.Second); len(diffs) > 0 {
		t.Fatalf("after the chaos run, %d differences from the world, first: %q", len(diffs), diffs[:min(5, len(diffs))])
	}

	// Restart: save, then a new process restores before resuming.
	if err := m.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.SaveAll(ctx, snapshots, shards); err != nil {
		t.Fatal(err)
	}
	resumesBefore := srv.Stats().Resumes
	d2 := gatewayutil.NewDispatcher()
	c2 := cache.New(d2, cache.Policy{})
	// A shard that chaos caught between two sessions at shutdown saved no
	// session: it will identify, and only the others restore.
	var restoredGuilds []uint64
	for id := range shards {
		sess, found, err := sessions.Load(ctx, id, shards)
		if err != nil {
			t.Fatal(err)
		}
		if !found {
			t.Logf("shard %d: no session saved at shutdown (chaos ended it); it will identify", id)
			continue
		}
		ok, err := c2.Restore(ctx, snapshots, sess)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			t.Fatalf("shard %d: the snapshot of its saved session was not restored", id)
		}
		for _, g := range guilds {
			if gatewaytest.ShardFor(g, shards) == id {
				restoredGuilds = append(restoredGuilds, g)
			}
		}
	}
	if len(restoredGuilds) == 0 {
		t.Fatal("no shard had a session to resume at shutdown: the restart from a snapshot was not tested")
	}
	if diffs := worlddiff.World(c2, tr.GuildCreate, restoredGuilds); len(diffs) > 0 {
		t.Fatalf("restored cache: %d differences from the world, first: %q", len(diffs), diffs[:min(5, len(diffs))])
	}
	m2, err := e2eManager(srv, c2, sessions)
	if err != nil {
		t.Fatal(err)
	}
	if err := m2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(30 * time.Second)
	for srv.Stats().Resumes == resumesBefore && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := srv.Stats().Resumes - resumesBefore; got == 0 {
		t.Fatal("the restarted process resumed no shard")
	}
	time.Sleep(time.Second) // some traffic and chaos after the restart
	if diffs := settle(c2, srv, guilds, 30*time.Second); len(diffs) > 0 {
		t.Fatalf("after the resumed run, %d differences from the world, first: %q", len(diffs), diffs[:min(5, len(diffs))])
	}
	st = srv.Stats()
	t.Logf("after the resumed restart: %d faults, %d identifies, %d resumes; restarted cache %+v", st.FaultsInjected, st.Identifies, st.Resumes, c2.Stats())
	if s := c2.Stats(); s.DecodeErrors != 0 {
		t.Fatalf("decode errors: %+v", s)
	}

	// A restart that cannot resume: the process stays down longer than the
	// resume window, so the emulator has forgotten the sessions. The
	// snapshot is restored (it matches the stored sessions), plus a guild
	// the bot is no longer in, as if it had left it while down; the
	// failed resumes end in new sessions whose READY must drop all of it.
	if err := m2.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c2.SaveAll(ctx, snapshots, shards); err != nil {
		t.Fatal(err)
	}
	cfg := srv.Config()
	time.Sleep(2 * time.Duration(float64(cfg.ResumeWindow)*cfg.TimeScale))
	failedBefore := srv.Stats().ResumesFailed
	c3 := cache.New(gatewayutil.NewDispatcher(), cache.Policy{})
	for id := range shards {
		sess, found, err := sessions.Load(ctx, id, shards)
		if err != nil {
			t.Fatal(err)
		}
		if !found {
			t.Logf("shard %d: no session saved at the second shutdown; it will identify", id)
			continue
		}
		if ok, err := c3.Restore(ctx, snapshots, sess); !ok || err != nil {
			t.Fatalf("shard %d: restore %v %v", id, ok, err)
		}
		if gatewaytest.ShardFor(4242, shards) == id {
			left := &gatewayutil.Event{Shard: id, ShardCount: shards, Type: event.GuildCreate, Seq: sess.Seq + 1,
				Data: []byte(`{"id":"4242","name":"left while down","owner_id":"1","roles":[],"channels":[{"id":"4243","type":0,"name":"gone"}]}`)}
			if err := c3.Dispatch(ctx, left); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, ok := c3.Guild(4242); !ok {
		t.Logf("STALE-GUILD CHECK NOT EXERCISED: shard %d of guild 4242 had no session to restore", gatewaytest.ShardFor(4242, shards))
	}
	m3, err := e2eManager(srv, c3, sessions)
	if err != nil {
		t.Fatal(err)
	}
	if err := m3.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer m3.Shutdown(ctx)
	if diffs := settle(c3, srv, guilds, 30*time.Second); len(diffs) > 0 {
		t.Fatalf("after a restart that could not resume, %d differences from the world, first: %q", len(diffs), diffs[:min(5, len(diffs))])
	}
	if _, ok := c3.Channel(4243); ok {
		t.Fatal("a channel of the guild left while down is still cached")
	}
	if got := srv.Stats().ResumesFailed - failedBefore; got == 0 {
		t.Fatal("no resume failed: the test did not test a restart without resume")
	}
	st = srv.Stats()
	t.Logf("end: %d faults, %d identifies, %d resumes, %d failed resumes; cache %+v", st.FaultsInjected, st.Identifies, st.Resumes, st.ResumesFailed, c3.Stats())
}

// TestEndToEndAcrossReshard reshards a running Manager from 2 shards to 3,
// then from 3 to 3, with the cache in front of its Dispatcher: the two
// shard sets deliver side by side for a while, their shard ids (and, the
// second time, their counts) repeating and their sequence numbers far
// apart. No event of the new set may be taken for a replay (its
// GUILD_CREATEs would be lost), and the cache must end equal to the
// emulator's world. A session that ends during the overlap (a heartbeat
// late on a loaded machine) re-identifies, and its GUILD_CREATEs must
// reach the cache although identical ones were delivered before.
func TestEndToEndAcrossReshard(t *testing.T) {
	const shards = 2
	ctx := context.Background()
	cfg := e2eWorld(shards)
	cfg.Chaos = 0 // the reshard is the fault under test
	cfg.TimeScale = 0.1
	srv, err := gatewaytest.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := cache.New(gatewayutil.NewDispatcher(), cache.Policy{})
	m, err := e2eManager(srv, c, gatewayutil.NewMemorySessionStore())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown(ctx)
	guilds := srv.Guilds()
	if diffs := settle(c, srv, guilds, 30*time.Second); len(diffs) > 0 {
		t.Fatalf("before the reshard, %d differences from the world, first: %q", len(diffs), diffs[:min(5, len(diffs))])
	}
	for i, count := range []int{3, 3} {
		// Let the running set's sequence numbers run well past what the
		// new set's READY and GUILD_CREATEs will use.
		applied := c.Stats().Applied
		for deadline := time.Now().Add(20 * time.Second); c.Stats().Applied < applied+200 && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		done := make(chan error, 1)
		go func() { done <- m.Reshard(ctx, count, nil) }()
		if i == 0 {
			// During the first overlap (5 s), end a session of each set.
			invalidateDuringOverlap(t, srv, done, [][2]int{{0, 2}, {1, 3}})
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if diffs := settle(c, srv, guilds, 30*time.Second); len(diffs) > 0 {
			t.Fatalf("after the reshard to %d (%d identifies in all), %d differences from the world, first: %q",
				count, srv.Stats().Identifies, len(diffs), diffs[:min(5, len(diffs))])
		}
	}
	st := srv.Stats()
	if st.Identifies < 2+3+3+2 {
		t.Fatalf("%d identifies: the reshards and the invalidated sessions did not start new sessions", st.Identifies)
	}
	t.Logf("%d identifies (%d beyond the reshards' and the invalidated sessions'), %d resumes; cache %+v", st.Identifies, st.Identifies-10, st.Resumes, c.Stats())
	if st := c.Stats(); st.Replayed != 0 || st.DecodeErrors != 0 {
		t.Fatalf("without chaos nothing is replayed, yet: %+v", st)
	}
}

// invalidateDuringOverlap waits until the new shard set of a reshard (the
// highest count among shards, or a second session of the same shard) runs
// beside the old one, then invalidates the live session of each of shards
// ([id, count]), which then identify again. It fails if the reshard ended
// first (done).
func invalidateDuringOverlap(t *testing.T, srv *gatewaytest.Server, done <-chan error, shards [][2]int) {
	t.Helper()
	live := func(id, count int) *gatewaytest.Session {
		for _, s := range srv.Sessions() {
			if sid, n := s.Shard(); sid == id && n == count && s.Alive() && s.Conn() != nil {
				return s
			}
		}
		return nil
	}
	for _, sh := range shards {
		for deadline := time.Now().Add(20 * time.Second); live(sh[0], sh[1]) == nil; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no live session of shard [%d, %d] during the reshard", sh[0], sh[1])
			}
		}
	}
	// The new set's gate opens once all its shards are connected; give it
	// a moment, well within the 5 s overlap.
	time.Sleep(500 * time.Millisecond)
	for _, sh := range shards {
		select {
		case err := <-done:
			t.Fatalf("the reshard ended (err %v) before the sessions could be invalidated during its overlap", err)
		default:
		}
		if err := live(sh[0], sh[1]).InjectInvalidSession(false); err != nil {
			t.Fatalf("invalidating shard [%d, %d]: %v", sh[0], sh[1], err)
		}
	}
}
