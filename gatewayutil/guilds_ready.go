package gatewayutil

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gatewaykit/gateway/encoding"
)

// guildsTracker follows the guilds READY listed as unavailable until each
// has had its GUILD_CREATE.
type guildsTracker struct {
	pending atomic.Int32 // guilds still missing; read without mu on every GUILD_CREATE

	mu      sync.Mutex
	seen    bool                // a READY arrived
	missing map[uint64]struct{} // guilds still missing
	total   int                 // guilds in the last READY
	ready   chan struct{}       // closed once none is missing after a READY
}

// readyChan returns the channel closed when the guilds are ready; t.mu is
// held.
func (t *guildsTracker) readyChan() chan struct{} {
	if t.ready == nil {
		t.ready = make(chan struct{})
	}
	return t.ready
}

// guildsReadyFrom starts following the guilds of a READY.
func (s *Shard) guildsReadyFrom(d []byte) {
	var ready struct {
		Guilds []struct {
			ID snowflake `json:"id"`
		} `json:"guilds"`
	}
	if err := json.Unmarshal(d, &ready); err != nil {
		s.log.Warn("READY without a readable guild list; guilds ready at once", "err", err)
	}
	t := &s.replies.guilds
	t.mu.Lock()
	if t.seen && t.ready != nil && len(t.missing) == 0 {
		// Ready for the last session; this one starts over.
		t.ready = nil
	}
	t.seen = true
	t.missing = make(map[uint64]struct{}, len(ready.Guilds))
	for _, g := range ready.Guilds {
		t.missing[uint64(g.ID)] = struct{}{}
	}
	t.total = len(ready.Guilds)
	t.pending.Store(int32(len(t.missing)))
	done := len(t.missing) == 0
	if done {
		close(t.readyChan())
	}
	t.mu.Unlock()
	if done {
		s.notify(Lifecycle{Kind: LifecycleGuildsReady})
	}
}

// guildArrived crosses a GUILD_CREATE's guild off the missing list.
func (s *Shard) guildArrived(d []byte) {
	// GUILD_CREATE can be megabytes: read its id without decoding it.
	raw, _, err := encoding.Lookup(d, "id")
	if err != nil {
		return
	}
	id, ok := encoding.ParseSnowflake(raw)
	if !ok {
		return
	}
	t := &s.replies.guilds
	t.mu.Lock()
	_, was := t.missing[id]
	delete(t.missing, id)
	done := was && len(t.missing) == 0
	t.pending.Store(int32(len(t.missing)))
	if done {
		close(t.readyChan())
	}
	t.mu.Unlock()
	if done {
		s.notify(Lifecycle{Kind: LifecycleGuildsReady})
	}
}

// GuildsNotReadyError is WaitGuildsReady's error when ctx ended first: the
// guilds READY listed that have not had their GUILD_CREATE. errors.Is
// matches the context's error.
type GuildsNotReadyError struct {
	Shard     int      // the shard id
	ReadySeen bool     // false: not even READY arrived
	Missing   []uint64 // sorted
	Total     int      // guilds in READY
	Err       error    // the context's error
}

// Error names the shard and the guilds it was still waiting for (or that
// no READY came), and the cause.
func (e *GuildsNotReadyError) Error() string {
	if !e.ReadySeen {
		return fmt.Sprintf("gatewayutil: shard %d: guilds not ready: no READY yet: %v", e.Shard, e.Err)
	}
	return fmt.Sprintf("gatewayutil: shard %d: guilds not ready: %d of %d never had GUILD_CREATE %v: %v", e.Shard, len(e.Missing), e.Total, e.Missing, e.Err)
}

// Unwrap returns the context's error.
func (e *GuildsNotReadyError) Unwrap() error { return e.Err }

// WaitGuildsReady waits until the shard's session is "guilds ready":
// READY arrived and every guild it listed (all unavailable at first) has
// had its GUILD_CREATE. Guilds that stay unavailable (an outage) never
// arrive, so give ctx a deadline: when it ends first the error is a
// *GuildsNotReadyError naming the missing guilds. After a new READY (a new
// session) it waits for that session's guilds; a resume keeps the state.
func (s *Shard) WaitGuildsReady(ctx context.Context) error {
	t := &s.replies.guilds
	t.mu.Lock()
	ch := t.readyChan()
	t.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	e := &GuildsNotReadyError{Shard: s.cfg.ShardID, ReadySeen: t.seen, Total: t.total, Err: context.Cause(ctx)}
	for g := range t.missing {
		e.Missing = append(e.Missing, g)
	}
	slices.Sort(e.Missing)
	return e
}
