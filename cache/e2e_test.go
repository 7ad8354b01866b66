package cache_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/cache"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
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

// worldDiffs compares every guild of the world with the cache.
func worldDiffs(c *cache.Cache, tr *gatewaytest.Traffic, guilds []uint64) []string {
	var out []string
	for _, id := range guilds {
		out = append(out, diffWorld(c, tr.GuildCreate(id))...)
	}
	if n := len(c.GuildIDs()); n != len(guilds) {
		out = append(out, fmt.Sprintf("%d guilds cached, world has %d", n, len(guilds)))
	}
	return out
}

// settle waits until the cache equals the world (chaos goes on, so a shard
// may be between a READY and its GUILD_CREATEs when looked at) and returns
// the differences of the last look.
func settle(c *cache.Cache, tr *gatewaytest.Traffic, guilds []uint64, within time.Duration) []string {
	deadline := time.Now().Add(within)
	for {
		diffs := worldDiffs(c, tr, guilds)
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
	if diffs := settle(c, tr, guilds, 30*time.Second); len(diffs) > 0 {
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
	if diffs := worldDiffs(c2, tr, restoredGuilds); len(diffs) > 0 {
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
	if diffs := settle(c2, tr, guilds, 30*time.Second); len(diffs) > 0 {
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
			left := &gatewayutil.Event{Shard: id, Type: event.GuildCreate, Seq: sess.Seq + 1,
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
	if diffs := settle(c3, tr, guilds, 30*time.Second); len(diffs) > 0 {
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
