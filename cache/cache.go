package cache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/gatewaykit/gateway/gatewayutil"
)

// Cache is the state cache: an EventSink that applies each dispatch to
// what it keeps and then hands the event to the next sink (usually a
// *gatewayutil.Dispatcher). Put it where the Dispatcher would go:
//
//	c := cache.New(dispatcher, cache.Policy{})
//	shardConfig.Sink = c
//
// All methods are safe for concurrent use. Queries take a read lock of one
// guild (or of the guild index) and copy values out: they never allocate
// and never see an event half applied.
type Cache struct {
	next   gatewayutil.EventSink
	policy Policy

	mu           sync.RWMutex
	guilds       map[Snowflake]*guildState
	channelGuild map[Snowflake]Snowflake // channel or thread id → guild id

	dms dmState

	usersMu sync.RWMutex
	users   map[Snowflake]userEntry
	self    atomic.Pointer[User]

	shardsMu sync.RWMutex
	shards   map[shardKey]*shardState

	stats counters
}

// userEntry is a cached user and the number of memberships referring to
// it: a user is kept while it is a member of a cached guild.
type userEntry struct {
	user User
	refs int32
}

// New returns a Cache that hands every event to next after applying it;
// next may be nil.
func New(next gatewayutil.EventSink, p Policy) *Cache {
	return &Cache{
		next:         next,
		policy:       p.withDefaults(),
		guilds:       make(map[Snowflake]*guildState),
		channelGuild: make(map[Snowflake]Snowflake),
		users:        make(map[Snowflake]userEntry),
		shards:       make(map[shardKey]*shardState),
	}
}

// Policy returns the cache's policy, defaults filled in.
func (c *Cache) Policy() Policy { return c.policy }

// Dispatch applies e to the cache, unless it is a replay of an event
// already applied (its sequence number is not above the last one applied
// for the shard's session), and then hands it to the next sink. An event
// whose data cannot be decoded changes nothing, still goes to the next
// sink, and is returned as an error (the shard counts and logs it).
func (c *Cache) Dispatch(ctx context.Context, e *gatewayutil.Event) error {
	applyErr := c.apply(e)
	if applyErr != nil {
		c.stats.decodeErrors.Add(1)
	}
	var nextErr error
	if c.next != nil {
		nextErr = c.next.Dispatch(ctx, e)
	}
	return errors.Join(applyErr, nextErr)
}

func (c *Cache) shard(id shardKey) *shardState {
	c.shardsMu.RLock()
	s := c.shards[id]
	c.shardsMu.RUnlock()
	if s != nil {
		return s
	}
	c.shardsMu.Lock()
	defer c.shardsMu.Unlock()
	if s = c.shards[id]; s == nil {
		s = &shardState{}
		c.shards[id] = s
	}
	return s
}

// guild returns the state of a guild, nil when it is not cached.
func (c *Cache) guild(id Snowflake) *guildState {
	c.mu.RLock()
	g := c.guilds[id]
	c.mu.RUnlock()
	return g
}
