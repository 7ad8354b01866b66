package cache

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/discord"
	"github.com/vmihailenco/msgpack/v5"
)

// ErrBadSnapshot is returned by Restore for a snapshot that cannot be
// decoded; the cache is unchanged.
var ErrBadSnapshot = errors.New("cache: bad snapshot")

const snapshotVersion = 1

// snapshot is one shard's part of the cache, as saved. Presences and
// messages are not saved: they are stale by the time a process restarts.
type snapshot struct {
	Version    int             `msgpack:"v"`
	ShardID    int             `msgpack:"shard"`
	ShardCount int             `msgpack:"shards"`
	SessionID  string          `msgpack:"session"`
	Seq        int64           `msgpack:"seq"`
	Guilds     []guildSnapshot `msgpack:"guilds"`
	Users      []User          `msgpack:"users"`
}

// memberSnapshot is a Member with its rare fields out in the open.
type memberSnapshot struct {
	Member       Member `msgpack:"m"`
	Avatar       string `msgpack:"a,omitempty"`
	PremiumSince Time   `msgpack:"p,omitempty"`
	TimeoutUntil Time   `msgpack:"t,omitempty"`
}

type guildSnapshot struct {
	Guild    Guild            `msgpack:"g"`
	Channels []Channel        `msgpack:"c"`
	Roles    []Role           `msgpack:"r"`
	Members  []memberSnapshot `msgpack:"m"`
	Voice    []VoiceState     `msgpack:"vs"`
	// Objects kept as package discord types go as their JSON.
	Emojis   []Emoji  `msgpack:"e"`
	Stickers [][]byte `msgpack:"s"`
	Stages   [][]byte `msgpack:"si"`
	Events   [][]byte `msgpack:"se"`
}

// Save writes the cache's part for shard [shardID, shardCount] to store:
// the shard's guilds with everything under them and their members' users,
// and the session and sequence number they are current with. Call it when
// the shard has stopped (after Manager.Shutdown has saved the sessions),
// so that the snapshot is as new as the saved session.
func (c *Cache) Save(ctx context.Context, store SnapshotStore, shardID, shardCount int) error {
	b, err := c.encodeSnapshot(shardID, shardCount)
	if err != nil {
		return err
	}
	return store.SaveSnapshot(ctx, shardID, shardCount, b)
}

// SaveAll saves every shard of shardCount the cache has seen events from.
func (c *Cache) SaveAll(ctx context.Context, store SnapshotStore, shardCount int) error {
	c.shardsMu.RLock()
	ids := make([]int, 0, len(c.shards))
	for k := range c.shards {
		if k.count == max(shardCount, 1) && !slices.Contains(ids, k.id) {
			ids = append(ids, k.id) // once, though two shard sets of the count ran it
		}
	}
	c.shardsMu.RUnlock()
	var errs []error
	for _, id := range ids {
		if err := c.Save(ctx, store, id, shardCount); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (c *Cache) encodeSnapshot(shardID, shardCount int) ([]byte, error) {
	k := c.latestKey(shardID, shardCount)
	s := c.shard(k)
	s.mu.Lock()
	snap := snapshot{Version: snapshotVersion, ShardID: shardID, ShardCount: shardCount, SessionID: s.sessionID, Seq: s.lastSeq}
	s.mu.Unlock()
	c.mu.RLock()
	var gs []*guildState
	for _, g := range c.guilds {
		if g.shard == k {
			gs = append(gs, g)
		}
	}
	c.mu.RUnlock()
	seen := map[Snowflake]bool{}
	var userIDs []Snowflake
	for _, g := range gs {
		g.mu.RLock()
		gsnap := guildSnapshot{Guild: g.guild}
		for _, ch := range g.channels {
			gsnap.Channels = append(gsnap.Channels, ch)
		}
		for _, r := range g.roles {
			gsnap.Roles = append(gsnap.Roles, r)
		}
		for id, m := range g.members {
			gsnap.Members = append(gsnap.Members, memberSnapshot{Member: m, Avatar: m.Avatar(), PremiumSince: m.PremiumSince(), TimeoutUntil: m.CommunicationDisabledUntil()})
			if !seen[id] {
				seen[id] = true
				userIDs = append(userIDs, id)
			}
		}
		for _, v := range g.voice {
			gsnap.Voice = append(gsnap.Voice, v)
		}
		gsnap.Emojis = g.emojis
		gsnap.Stickers = jsonAll(g.stickers)
		gsnap.Stages = jsonAll(mapValues(g.stages))
		gsnap.Events = jsonAll(mapValues(g.events))
		g.mu.RUnlock()
		snap.Guilds = append(snap.Guilds, gsnap)
	}
	c.usersMu.RLock()
	for _, id := range userIDs {
		if ent, ok := c.users[id]; ok {
			snap.Users = append(snap.Users, ent.user)
		}
	}
	c.usersMu.RUnlock()
	b, err := msgpack.Marshal(&snap)
	if err != nil {
		return nil, fmt.Errorf("cache: encode snapshot: %w", err)
	}
	return b, nil
}

// Restore loads the snapshot of session's shard from store into the cache,
// before the shard starts, when the snapshot belongs to that session and
// is at least as new as it (so that resuming replays whatever the snapshot
// lacks). It reports whether it restored anything. A snapshot of another
// session, or an older one, is deleted: the shard will identify, or resume
// from further back than the snapshot knows, and rebuild from events.
//
// If the resume then fails and the shard identifies, the new READY drops
// what was restored and fresh GUILD_CREATEs rebuild it.
func (c *Cache) Restore(ctx context.Context, store SnapshotStore, session gateway.Session) (bool, error) {
	b, found, err := store.LoadSnapshot(ctx, session.ShardID, session.ShardCount)
	if err != nil || !found {
		return false, err
	}
	var snap snapshot
	if err := msgpack.Unmarshal(b, &snap); err != nil {
		return false, fmt.Errorf("%w: %w", ErrBadSnapshot, err)
	}
	if snap.Version != snapshotVersion || snap.SessionID == "" || snap.SessionID != session.ID ||
		snap.ShardID != session.ShardID || snap.ShardCount != session.ShardCount || snap.Seq < session.Seq {
		return false, store.DeleteSnapshot(ctx, session.ShardID, session.ShardCount)
	}
	c.install(&snap)
	return true, nil
}

// install puts a decoded snapshot in the cache, within the policy.
func (c *Cache) install(snap *snapshot) {
	p := &c.policy
	// Restored before the Manager starts: its first shard set, generation 0.
	k := shardKey{snap.ShardID, snap.ShardCount, 0}
	s := c.shard(k)
	s.mu.Lock()
	s.sessionID, s.lastSeq = snap.SessionID, snap.Seq
	s.mu.Unlock()
	users := make(map[Snowflake]User, len(snap.Users))
	for _, u := range snap.Users {
		users[u.ID] = u
	}
	for i := range snap.Guilds {
		gs := &snap.Guilds[i]
		if gs.Guild.ID == 0 || !p.has(KindGuilds) {
			continue
		}
		g := newGuildState(k, gs.Guild)
		for _, ch := range gs.Channels {
			if ch.ID != 0 && p.has(channelKind(ch.Type)) {
				ch.GuildID = gs.Guild.ID
				c.putChannel(g, ch)
			}
		}
		for _, r := range gs.Roles {
			if p.has(KindRoles) && len(g.roles) < p.MaxPerGuild {
				g.roles[r.ID] = r
			}
		}
		var acquire []User
		for _, ms := range gs.Members {
			m := ms.Member
			m.SetRare(ms.Avatar, ms.PremiumSince, ms.TimeoutUntil)
			if !p.has(KindMembers) || m.UserID == 0 || len(g.members) >= p.MaxMembersPerGuild {
				continue
			}
			if _, dup := g.members[m.UserID]; dup {
				continue
			}
			g.members[m.UserID] = m
			if p.has(KindUsers) {
				u, ok := users[m.UserID]
				if !ok {
					u = User{ID: m.UserID}
				}
				acquire = append(acquire, u)
			}
		}
		for _, v := range gs.Voice {
			if p.has(KindVoiceStates) && v.UserID != 0 && len(g.voice) < p.MaxPerGuild {
				g.voice[v.UserID] = v
			}
		}
		if p.has(KindEmojis) {
			g.emojis = gs.Emojis[:min(len(gs.Emojis), p.MaxPerGuild)]
		}
		if p.has(KindStickers) {
			g.stickers = fromJSONAll[Sticker](gs.Stickers, p.MaxPerGuild)
		}
		if p.has(KindStageInstances) {
			for _, si := range fromJSONAll[StageInstance](gs.Stages, p.MaxPerGuild) {
				g.stages[si.ID] = si
			}
		}
		if p.has(KindScheduledEvents) {
			for _, se := range fromJSONAll[ScheduledEvent](gs.Events, p.MaxPerGuild) {
				g.events[se.ID] = se
			}
		}
		c.acquireUsers(acquire)
		old, ok := c.swapGuild(g)
		if !ok {
			c.releaseMembers(g)
			continue
		}
		if old != nil {
			c.releaseMembers(old)
		}
	}
}

func mapValues[V any](m map[Snowflake]V) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func jsonAll[T any, P interface {
	*T
	discord.Payload
}](in []T) [][]byte {
	if len(in) == 0 {
		return nil
	}
	out := make([][]byte, len(in))
	for i := range in {
		out[i] = P(&in[i]).AppendJSON(nil)
	}
	return out
}

func fromJSONAll[T any, P interface {
	*T
	discord.Payload
}](in [][]byte, limit int) []T {
	if len(in) == 0 {
		return nil
	}
	out := make([]T, 0, min(len(in), limit))
	for _, b := range in {
		if len(out) >= limit {
			break
		}
		var v T
		if P(&v).DecodeJSON(b) == nil {
			out = append(out, v)
		}
	}
	return out
}

// latestKey returns the key of shard [shardID, shardCount] in the newest
// shard set the cache has seen events from (after a reshard to the same
// count, the one that runs on), generation 0 if none.
func (c *Cache) latestKey(shardID, shardCount int) shardKey {
	k := shardKey{shardID, shardCount, 0}
	c.shardsMu.RLock()
	defer c.shardsMu.RUnlock()
	for o := range c.shards {
		if o.id == shardID && o.count == shardCount && o.set > k.set {
			k = o
		}
	}
	return k
}
