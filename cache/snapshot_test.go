package cache_test

import (
	"context"
	"errors"
	"testing"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/cache"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/internal/worlddiff"
)

// TestSnapshotRoundTrip saves a shard's cache through a file store and
// restores it into a new cache for the same session: every guild comes
// back field for field, and the replay of events the snapshot already
// holds is not applied again.
func TestSnapshotRoundTrip(t *testing.T) {
	ctx := context.Background()
	tr := gatewaytest.NewTraffic(gatewaytest.TrafficConfig{Seed: 5, Guilds: 12, ShardCount: 2, HugeEvery: -1})
	c := cache.New(nil, cache.Policy{})
	f := &feeder{t: t, c: c, shard: 1, count: 2}
	f.send(event.Ready, `{"v":10,"user":{"id":"9","username":"bot","discriminator":"0","global_name":null,"avatar":null},"guilds":[],"session_id":"sess-1","resume_gateway_url":"ws://x"}`)
	for _, id := range tr.ShardGuilds(1, 2) {
		f.send(event.GuildCreate, string(tr.GuildCreate(id)))
	}
	store, err := cache.NewFileSnapshotStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Save(ctx, store, 1, 2); err != nil {
		t.Fatal(err)
	}

	restored := cache.New(nil, cache.Policy{})
	ok, err := restored.Restore(ctx, store, gateway.Session{ID: "sess-1", Seq: f.seq - 2, ShardID: 1, ShardCount: 2})
	if err != nil || !ok {
		t.Fatalf("restore: %v %v", ok, err)
	}
	for _, id := range tr.ShardGuilds(1, 2) {
		for _, d := range worlddiff.Guild(restored, tr.GuildCreate(id)) {
			t.Error(d)
		}
	}
	if got, want := len(restored.GuildIDs()), len(tr.ShardGuilds(1, 2)); got != want {
		t.Fatalf("%d guilds restored, want %d", got, want)
	}
	// The resume replays the last two events: already in the snapshot.
	last := tr.ShardGuilds(1, 2)[len(tr.ShardGuilds(1, 2))-1]
	_ = restored.Dispatch(ctx, &gatewayutil.Event{Shard: 1, ShardCount: 2, Type: event.GuildDelete, Seq: f.seq, Data: []byte(`{"id":"` + cache.Snowflake(last).String() + `"}`)})
	if _, ok := restored.Guild(cache.Snowflake(last)); !ok {
		t.Fatal("a replayed event was applied over the snapshot")
	}
	if st := restored.Stats(); st.Replayed != 1 {
		t.Fatalf("replayed %d, want 1", st.Replayed)
	}
}

// TestSnapshotOtherSession: a snapshot is only for the session it was
// saved with (and not older than it); any other is deleted, unused.
func TestSnapshotOtherSession(t *testing.T) {
	ctx := context.Background()
	c, f := newFed(t, cache.Policy{})
	f.send(event.GuildCreate, guildJSON)
	store := &cache.MemorySnapshotStore{}
	if err := c.Save(ctx, store, 0, 1); err != nil {
		t.Fatal(err)
	}
	for _, s := range []gateway.Session{
		{ID: "other", Seq: 1, ShardCount: 1},
		{ID: "abc", Seq: f.seq + 5, ShardCount: 1}, // the session is newer than the snapshot
	} {
		if err := c.Save(ctx, store, 0, 1); err != nil {
			t.Fatal(err)
		}
		fresh := cache.New(nil, cache.Policy{})
		ok, err := fresh.Restore(ctx, store, s)
		if ok || err != nil || len(fresh.GuildIDs()) != 0 {
			t.Fatalf("session %+v: restored %v, %v, %d guilds", s, ok, err, len(fresh.GuildIDs()))
		}
		if _, found, _ := store.LoadSnapshot(ctx, 0, 1); found {
			t.Fatal("unusable snapshot kept")
		}
	}
	_ = store.SaveSnapshot(ctx, 0, 1, []byte("not msgpack"))
	if _, err := cache.New(nil, cache.Policy{}).Restore(ctx, store, gateway.Session{ID: "abc", ShardCount: 1}); !errors.Is(err, cache.ErrBadSnapshot) {
		t.Fatalf("garbage snapshot: %v", err)
	}
}

// TestSnapshotThenIdentify: restored for a session that then cannot resume,
// the shard identifies; the new READY and GUILD_CREATEs rebuild the cache
// and a guild the bot left while the process was down leaves nothing.
func TestSnapshotThenIdentify(t *testing.T) {
	ctx := context.Background()
	c, f := newFed(t, cache.Policy{})
	f.send(event.GuildCreate, guildJSON)
	store := &cache.MemorySnapshotStore{}
	if err := c.Save(ctx, store, 0, 1); err != nil {
		t.Fatal(err)
	}
	restarted := cache.New(nil, cache.Policy{})
	if ok, err := restarted.Restore(ctx, store, gateway.Session{ID: "abc", Seq: f.seq, ShardCount: 1}); !ok || err != nil {
		t.Fatalf("restore %v %v", ok, err)
	}
	if _, ok := restarted.Member(100, 2); !ok {
		t.Fatal("member not restored")
	}
	g := &feeder{t: t, c: restarted}
	g.send(event.Ready, `{"v":10,"user":{"id":"9","username":"bot","discriminator":"0","global_name":null,"avatar":null},"guilds":[],"session_id":"new","resume_gateway_url":"ws://x"}`)
	if ids := restarted.GuildIDs(); len(ids) != 0 {
		t.Fatalf("guilds %v left after a new session without them", ids)
	}
	if _, ok := restarted.Channel(300); ok {
		t.Fatal("channel of a left guild still cached")
	}
	if _, ok := restarted.User(2); ok {
		t.Fatal("user of a left guild still cached")
	}
}
