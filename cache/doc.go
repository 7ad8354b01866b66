// Package cache keeps Discord's state as the gateway reports it: guilds,
// their channels, threads, roles, members, users, emojis, stickers, voice
// states, presences, stage instances, scheduled events and recent messages.
//
// Start with New and Cache: a Cache is a gatewayutil.EventSink that sits in
// front of the Dispatcher. It applies each dispatch and then hands it on,
// so a handler always finds the cache already up to date with the event it
// is handling, and finds the object as it was before with Old:
//
//	c := cache.New(dispatcher, cache.Policy{})
//	gatewayutil.On(dispatcher, event.ChannelUpdate, func(ctx context.Context, e *gatewayutil.Event, ch *discord.ChannelUpdate) {
//		before, _ := cache.Old[cache.Channel](c, e)
//		...
//	})
//
// # Consistency
//
// Each guild has a read-write lock. The shard's goroutine holds it while it
// applies one event; queries hold it for reading while they copy values
// out. So a query never sees a guild with an event half applied, and a
// GUILD_CREATE is built aside and swapped in at once. Lookups by id take a
// read lock and allocate nothing.
//
// Replayed events are applied once: the cache remembers the last sequence
// number it applied on each shard and skips the events at or below it,
// until a READY starts a new session. A READY drops everything the cache
// held for the shard's guilds, since the bot may have left some of them,
// or they may have changed, while no session was listening; the guilds of
// READY are kept as unavailable until their GUILD_CREATE arrives. A
// GUILD_DELETE with unavailable set keeps the guild, marked Unavailable;
// without it (the bot left, was removed, or the guild was deleted) the
// guild goes, and everything under it.
//
// Sequence numbers are tracked per shard as it identified, [id, count]
// (gatewayutil.Event carries both): while gatewayutil.Manager.Reshard runs
// two shard sets side by side, their ids coincide and their sequence
// numbers are unrelated, and each set's are kept apart. A READY of the new
// set takes over the guilds Discord now routes to it from shards of
// another count, dropping those it does not list. One case the cache
// cannot see: a session that re-identifies while the reshard's dedupe
// filter runs gets GUILD_CREATEs identical to ones already delivered, and
// the Manager filters them out before they reach the cache.
//
// # Policy
//
// Policy switches each kind on or off and bounds every map; presences and
// messages are off by default. DM channels (CHANNEL_CREATE without a
// guild, or the channel of a message in a DM, since Discord sends no
// CHANNEL_CREATE for most) are kept with KindChannels, bounded by
// Policy.MaxDMChannels, with their messages under KindMessages; they are
// not saved in snapshots. Soundboard sounds are not cached. Users are shared between guilds, counted by
// membership, and dropped with their last membership.
//
// # Memory
//
// The cache keeps compact copies, not Discord's objects: ids as uint64,
// times as Unix microseconds in 8 bytes, small numbers in int32 and int8,
// and names that repeat (channel, role and emoji names, locales, guild
// features) as interned Text (unique.Handle, 8 bytes, one copy of the
// bytes for the whole process), a member's role ids as an interned RoleSet,
// and the member fields few members set behind one pointer. The
// alternative, keeping each object's raw JSON with an index of ids, costs
// at least the JSON itself: measured on the emulator's GUILD_CREATE
// traffic for 1,000 guilds, the JSON is 109 KB per guild and the compact
// cache 37.6 KB (TestMemoryPerGuild; BENCHMARKS.md compares with other
// libraries). Nothing the cache keeps points into an event's buffer.
//
// # Persistence
//
// A resumed session gets no GUILD_CREATE, so a process that restarts and
// resumes would know no guilds. Cache.Save writes a shard's part of the
// cache (msgpack) to a SnapshotStore when the process shuts down, next to
// the shard's session in the SessionStore; Cache.Restore reads it back
// before the shard starts, only when it belongs to the session the shard
// is about to resume. If the resume fails and the shard identifies, the
// new READY drops what was restored and fresh GUILD_CREATEs rebuild it.
//
// The files: cache.go (Cache, Dispatch), policy.go, types.go, text.go,
// roleset.go and time.go (the cached types), convert.go (from package
// discord),
// apply*.go (one event at a time), dm.go (DM channels), users.go, old.go (Old), query.go,
// permissions.go, snapshot.go and snapshot_store.go, stats.go.
package cache
