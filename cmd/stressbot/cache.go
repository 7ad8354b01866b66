package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/gatewaykit/gateway/cache"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/internal/worlddiff"
)

// With -cache the shards feed a state cache (package cache) that sits in
// front of the dispatcher, the manager is restarted from the cache's
// snapshots during the run, and the run ends by comparing the cache with
// the embedded emulator's world, field by field.
//
// The emulator's world is mutable (gatewaytest.TrafficConfig.Mutable): its
// traffic, the full default mix, changes the world as it is sent (members
// join, leave and change, roles and channels change, members move in and
// out of voice, threads come and go), and a GUILD_CREATE after a
// re-identify shows every change. Each comparison pauses the traffic
// (chaos goes on) until the cache has caught up. The only fault left out
// is the one that sends what is not in the world: the huge
// GUILD_MEMBERS_CHUNK of made-up members.

// cacheFaults are the survivable faults but the huge member chunk.
func cacheFaults() []gatewaytest.FaultKind {
	var out []gatewaytest.FaultKind
	for _, f := range gatewaytest.SurvivableFaults {
		if f != gatewaytest.FaultHugePayload {
			out = append(out, f)
		}
	}
	return out
}

// maxCacheExamples bounds the differences the summary describes.
const maxCacheExamples = 5

// cacheRun is the -cache part of a run: the cache, the stores its
// restarts go through, and what it measured.
type cacheRun struct {
	emu       *gatewaytest.Server
	next      gatewayutil.EventSink
	sessions  gatewayutil.SessionStore
	snapshots *cache.MemorySnapshotStore
	shards    int   // the shard count
	shardIDs  []int // the shards this process runs
	settleFor time.Duration

	c *cache.Cache

	restarts        int
	restoredShards  int
	restoreDiffs    []string
	differences     []string
	applied         int64
	replayed        int64
	decodeErrors    int64
	settledAfter    time.Duration
	finalGuilds     int
	finalMembers    int
	finalUsers      int
	restoreFailures []string
}

func newCacheRun(emu *gatewaytest.Server, next gatewayutil.EventSink, shards int, shardIDs []int, settleFor time.Duration) *cacheRun {
	if len(shardIDs) == 0 {
		for id := range shards {
			shardIDs = append(shardIDs, id)
		}
	}
	return &cacheRun{
		emu: emu, next: next, shards: shards, shardIDs: shardIDs, settleFor: settleFor,
		sessions:  gatewayutil.NewMemorySessionStore(),
		snapshots: &cache.MemorySnapshotStore{},
		c:         cache.New(next, cache.Policy{}),
	}
}

// guilds returns the world's guilds of the shards this process runs.
func (r *cacheRun) guilds(shardIDs []int) []uint64 {
	var out []uint64
	for _, g := range r.emu.Guilds() {
		if slices.Contains(shardIDs, gatewaytest.ShardFor(g, r.shards)) {
			out = append(out, g)
		}
	}
	return out
}

// diffs compares the cache with the world now.
func (r *cacheRun) diffs() []string {
	return worlddiff.World(r.c, r.emu.GuildCreate, r.guilds(r.shardIDs))
}

// settle compares the cache with the world until they are equal or the
// settle time is over, and returns the last differences. Chaos goes on
// meanwhile, so a shard may be between a READY and its GUILD_CREATEs (its
// guilds unavailable) at one look and done at the next; a real difference
// stays.
func (r *cacheRun) settle(ctx context.Context) []string {
	// The world changes with every change the traffic sends: stop it, so
	// that the cache can catch up with a world that holds still.
	r.emu.PauseTraffic(true)
	defer r.emu.PauseTraffic(false)
	start := time.Now()
	for {
		d := r.diffs()
		if len(d) == 0 || time.Since(start) > r.settleFor || ctx.Err() != nil {
			r.settledAfter = time.Since(start)
			return d
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// restart stops the manager the way a process stops (every session closed
// resumably and saved), saves the cache's snapshots with the sessions,
// and starts over with a new cache restored from them, which must hold
// exactly what the saved cache held of the restored shards' guilds before
// any event arrives: compared with the world, both show the same
// differences (none, unless chaos caught a shard between its READY and
// its GUILD_CREATEs, or the traffic changed the world since the shutdown:
// the resume then delivers the rest). newManager makes
// the next manager with the given sink.
func (r *cacheRun) restart(ctx context.Context, m *gatewayutil.Manager, newManager func(gatewayutil.EventSink) (*gatewayutil.Manager, error)) (*gatewayutil.Manager, error) {
	// Wait for a moment when the cache equals the world, so that the
	// snapshot is a complete one (the end of the run judges the cache).
	r.settle(ctx)
	if ctx.Err() != nil {
		return m, nil // interrupted: the run ends, no restart
	}
	if err := m.Shutdown(context.WithoutCancel(ctx)); err != nil {
		return nil, fmt.Errorf("cache restart: shutdown: %w", err)
	}
	r.collect()
	if err := r.c.SaveAll(ctx, r.snapshots, r.shards); err != nil {
		return nil, fmt.Errorf("cache restart: saving the snapshots: %w", err)
	}
	c2 := cache.New(r.next, cache.Policy{})
	var restored []int
	for _, id := range r.shardIDs {
		sess, found, err := r.sessions.Load(ctx, id, r.shards)
		if err != nil {
			return nil, fmt.Errorf("cache restart: loading session of shard %d: %w", id, err)
		}
		if !found {
			continue // caught between two sessions: it will identify
		}
		ok, err := c2.Restore(ctx, r.snapshots, sess)
		if err != nil {
			return nil, fmt.Errorf("cache restart: restoring shard %d: %w", id, err)
		}
		if !ok {
			r.restoreFailures = append(r.restoreFailures, fmt.Sprintf("shard %d: the snapshot of its saved session was not restored", id))
			continue
		}
		restored = append(restored, id)
	}
	r.restarts++
	r.restoredShards += len(restored)
	guilds := r.guilds(restored)
	saved, got := r.compareRestored(c2, guilds)
	if !slices.Equal(saved, got) {
		r.restoreDiffs = append(r.restoreDiffs, fmt.Sprintf("the restored cache is not the saved one: compared with the world, the saved cache shows %d differences and the restored %d", len(saved), len(got)))
		for _, d := range got {
			if !slices.Contains(saved, d) {
				r.restoreDiffs = append(r.restoreDiffs, d)
			}
		}
	}
	if n, want := len(c2.GuildIDs()), len(guilds); n != want {
		r.restoreDiffs = append(r.restoreDiffs, fmt.Sprintf("%d guilds restored, the restored shards have %d", n, want))
	}
	r.c = c2
	return newManager(c2)
}

// compareRestored compares each of guilds in the saved cache and in the
// restored one c2 with the same GUILD_CREATE: the traffic goes on during
// a restart (the sessions queue it for their resume), and both caches
// must be compared with one state of the world.
func (r *cacheRun) compareRestored(c2 *cache.Cache, guilds []uint64) (saved, restored []string) {
	for _, g := range guilds {
		gc := r.emu.GuildCreate(g)
		saved = append(saved, worlddiff.Guild(r.c, gc)...)
		restored = append(restored, worlddiff.Guild(c2, gc)...)
	}
	return saved, restored
}

// collect adds the counters of the cache that is being replaced or ends.
func (r *cacheRun) collect() {
	st := r.c.Stats()
	r.applied += st.Applied
	r.replayed += st.Replayed
	r.decodeErrors += st.DecodeErrors
	r.finalGuilds, r.finalMembers, r.finalUsers = st.Guilds, st.Members, st.Users
}

// report fills the summary's cache fields and returns an error when the
// cache was not equal to the world.
func (r *cacheRun) report(sum *Summary) error {
	r.collect()
	all := slices.Concat(r.restoreFailures, prefixed("after restore: ", r.restoreDiffs), r.differences)
	n := int64(len(all))
	sum.Cache = &CacheSummary{
		Differences:        n,
		DifferenceExamples: all[:min(len(all), maxCacheExamples)],
		Restarts:           r.restarts,
		RestoredShards:     r.restoredShards,
		Applied:            r.applied,
		Replayed:           r.replayed,
		DecodeErrors:       r.decodeErrors,
		Guilds:             r.finalGuilds,
		Members:            r.finalMembers,
		Users:              r.finalUsers,
		SettleMs:           float64(r.settledAfter) / float64(time.Millisecond),
		WorldChanges:       r.emu.Stats().WorldChanges,
	}
	sum.CacheDifferences = &n
	switch {
	case n > 0:
		return fmt.Errorf("the cache differs from the emulator's world: %d differences, first: %s", n, all[0])
	case r.decodeErrors > 0:
		return fmt.Errorf("the cache could not decode %d events", r.decodeErrors)
	}
	return nil
}

func prefixed(p string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = p + s
	}
	return out
}

// CacheSummary is what a -cache run reports beyond cache_differences.
type CacheSummary struct {
	// Differences counts the fields (and missing or extra objects) in
	// which the cache differed from the world at the end of the run, plus
	// what a restore did not bring back as saved and the shards whose
	// snapshot could not be restored.
	Differences int64 `json:"differences"`
	// DifferenceExamples describes the first few.
	DifferenceExamples []string `json:"difference_examples,omitempty"`
	// Restarts counts the manager restarts from the snapshots, and
	// RestoredShards the shards restored by them in all.
	Restarts       int `json:"restarts"`
	RestoredShards int `json:"restored_shards"`
	// Applied, Replayed and DecodeErrors add up the caches' counters:
	// events applied, events not applied again after a resume, events
	// whose data could not be decoded.
	Applied      int64 `json:"applied"`
	Replayed     int64 `json:"replayed"`
	DecodeErrors int64 `json:"decode_errors"`
	// Guilds, Members and Users are what the cache held at the end.
	Guilds  int `json:"guilds"`
	Members int `json:"members"`
	Users   int `json:"users"`
	// SettleMs is how long the final comparison waited for shards caught
	// between a READY and their GUILD_CREATEs.
	SettleMs float64 `json:"settle_ms"`
	// WorldChanges counts the emulator's events that changed its world
	// (members joining, leaving and changing, roles, channels, voice
	// states, threads): what the cache had to follow.
	WorldChanges int64 `json:"world_changes"`
}

// emuWorld is the emulator's traffic configuration: the default, or with
// -cache a mutable world, which the traffic changes as it is sent.
func (b *bot) emuWorld() gatewaytest.TrafficConfig {
	return gatewaytest.TrafficConfig{Mutable: b.o.cache}
}

// emuFaults are the faults chaos draws from: the default, or with -cache
// those that send nothing outside the world.
func (b *bot) emuFaults() []gatewaytest.FaultKind {
	if !b.o.cache {
		return nil
	}
	return cacheFaults()
}

// cacheRestartTicker ticks when a -cache run restarts from its snapshots:
// every -cache-restart-every, or once halfway through -duration; nil for
// a run without -duration and without -cache-restart-every.
func (b *bot) cacheRestartTicker() *time.Ticker {
	every := b.o.cacheRestartEvery
	if every == 0 {
		if b.o.duration == 0 {
			return nil
		}
		every = b.o.duration / 2
	}
	return time.NewTicker(every)
}

// settleWindow bounds how long a cache comparison waits for shards that
// chaos caught between a READY and their GUILD_CREATEs: a few emulated
// reconnects (backoff, re-identify delay, identify window), at least 10 s.
func (b *bot) settleWindow(scale float64) time.Duration {
	return max(10*time.Second, time.Duration(float64(30*time.Second)*scale))
}
