package gatewayutil

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
)

// Reshard moves the bot to a new shard count without downtime. It starts
// the new shard set beside the running one with its events held back,
// waits until every new shard is connected, lets both sets deliver for
// ReshardOverlap with duplicates filtered out (an event reaches both sets
// while both are connected), then switches to the new set and closes the
// old one, ending its sessions, and goes on filtering the new set's events
// until none repeated the old set's for another ReshardOverlap (some the
// old set delivered may still be on their way to it). Events keep flowing
// throughout: none is lost, and none is delivered twice. The filter only
// drops an event the other set delivered: a session that re-identifies
// during the overlap starts a new stream, and its READY and GUILD_CREATEs
// (snapshots, never filtered) are all delivered; a guild joined during the
// overlap may have its GUILD_CREATE delivered by both sets.
//
// The new set's events carry the next [Event.ShardSet], so a reshard to
// the same count (allowed: it replaces every session) is told apart from
// the old set too.
//
// ids are the shards of the new count this process runs; nil means all.
// If the new set cannot connect before ctx ends, it is closed and the old
// set keeps running.
func (m *Manager) Reshard(ctx context.Context, count int, ids []int) error {
	m.mu.Lock()
	if !m.started {
		m.mu.Unlock()
		return ErrManagerNotStarted
	}
	old := m.set
	m.mu.Unlock()
	if count < 1 {
		return fmt.Errorf("gatewayutil: reshard to %d shards", count)
	}
	if ids == nil {
		ids = allShardIDs(count)
	}
	for _, id := range ids {
		if id < 0 || id >= count {
			return fmt.Errorf("gatewayutil: reshard: shard id %d outside [0, %d)", id, count)
		}
	}
	// From now on the old set remembers what it delivers: the new set may
	// receive the same events later, from its backlog, once it goes live.
	filter := newDedupeFilter(old.gen, old.count)
	old.gate.set(gateDedupe, filter)
	next, err := m.startSet(ctx, count, ids, gateClosed, old.gen+1, count == old.count)
	if err != nil {
		old.gate.set(gateOpen, nil)
		return err
	}
	if err := m.waitConnected(ctx, next); err != nil {
		_ = m.closeSet(context.WithoutCancel(ctx), next, closecode.Normal)
		old.gate.set(gateOpen, nil)
		return fmt.Errorf("gatewayutil: reshard: new shards did not connect: %w", err)
	}
	next.gate.set(gateDedupe, filter)
	m.log.Info("reshard overlap", "from", old.count, "to", count, "for", m.cfg.ReshardOverlap)
	m.waitCaughtUp(ctx, old, filter)
	m.mu.Lock()
	m.set = next
	m.retiring = append(m.retiring, old)
	m.mu.Unlock()
	if count == old.count {
		m.takeOverStore(old, next)
	}
	// Stop the old set's deliveries first; the new set has been delivering
	// everything since the overlap began.
	old.gate.set(gateClosed, nil)
	cerr := m.closeSet(context.WithoutCancel(ctx), old, closecode.Normal)
	if count == old.count {
		// Again, now that no hook of the old set that saw it still storing
		// can overwrite them.
		m.saveSessions(next)
	}
	// The new set may still have on its way events the old set delivered
	// (the overlap waited for the old set to catch up, not the new one):
	// keep filtering them until none has come for an overlap.
	m.waitRepeatsEnd(ctx, next)
	next.gate.set(gateOpen, nil)
	m.mu.Lock()
	for i, s := range m.retiring {
		if s == old {
			m.retiring = append(m.retiring[:i], m.retiring[i+1:]...)
			break
		}
	}
	m.mu.Unlock()
	m.log.Info("resharded", "from", old.count, "to", count)
	return cerr
}

// waitCaughtUp waits out the overlap: at least ReshardOverlap, then until
// every shard of the old set has caught up with the new set (it received an
// event the new set had already delivered, so nothing sent to it earlier is
// still on its way) or has had no event for an overlap, and at most
// ReshardMaxOverlap.
func (m *Manager) waitCaughtUp(ctx context.Context, old *shardSet, filter *dedupeFilter) {
	start := time.Now()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := time.Now()
		if now.Sub(start) < m.cfg.ReshardOverlap {
			continue
		}
		lagging := 0
		for _, id := range old.ids {
			st := m.managed(old, id).current().Status()
			quiet := st.LastDispatch.IsZero() || now.Sub(st.LastDispatch) > m.cfg.ReshardOverlap
			// A shard that owes an event the new set delivered first is
			// behind, not quiet: closing it would lose what it has not
			// read yet.
			if !old.gate.isCaughtUp(id) && (!quiet || filter.owes(id)) {
				lagging++
			}
		}
		if lagging == 0 {
			return
		}
		if now.Sub(start) >= m.cfg.ReshardMaxOverlap {
			m.log.Warn("reshard: old shards still behind at the end of the overlap; switching anyway", "lagging", lagging)
			return
		}
	}
}

// waitConnected polls until every shard of a set is connected.
func (m *Manager) waitConnected(ctx context.Context, set *shardSet) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		all := true
		for _, id := range set.ids {
			if m.managed(set, id).current().Status().State != ShardConnected {
				all = false
				break
			}
		}
		if all {
			return nil
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-tick.C:
		}
	}
}

// waitRepeatsEnd waits, after the switch, until the new set has received
// no event the old set delivered first for ReshardOverlap and every new
// shard has shown that its reader got past the switch (a dispatch read
// after it, or two heartbeat ACKs, the second for a heartbeat sent after
// it), and at most ReshardMaxOverlap: a new shard that lags the old set (a
// loaded machine can stall a reader for longer than an overlap, and then
// it delivers nothing, so the lack of repeats proves nothing) still has
// those events on their way, and would deliver them a second time without
// the filter.
func (m *Manager) waitRepeatsEnd(ctx context.Context, next *shardSet) {
	start := time.Now()
	acks := make(map[int]int64, len(next.ids))
	for _, id := range next.ids {
		acks[id] = m.managed(next, id).current().Status().HeartbeatAcks
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := time.Now()
		if now.Sub(start) >= m.cfg.ReshardMaxOverlap {
			m.log.Warn("reshard: the new shards may still receive events the old ones delivered; stopping the filter anyway")
			return
		}
		last := start
		if r := time.Unix(0, next.gate.lastRepeat.Load()); r.After(last) {
			last = r
		}
		if now.Sub(last) < m.cfg.ReshardOverlap {
			continue
		}
		behind := false
		for _, id := range next.ids {
			st := m.managed(next, id).current().Status()
			if !st.LastDispatch.After(start) && st.HeartbeatAcks < acks[id]+2 {
				behind = true
				break
			}
		}
		if !behind {
			return
		}
	}
}

// takeOverStore hands the session store over from old to next, two sets of
// the same count whose sessions share keys: from now on only next saves
// (old, about to close, would overwrite or delete next's sessions), its
// current sessions are saved, and old's sessions of shards next does not
// run, about to end, are deleted.
func (m *Manager) takeOverStore(old, next *shardSet) {
	old.stores.Store(false)
	next.stores.Store(true)
	m.saveSessions(next)
	for _, id := range old.ids {
		if !slices.Contains(next.ids, id) {
			m.saveSession(id, old.count, gateway.Session{})
		}
	}
}

// saveSessions saves the current session of every shard of a set.
func (m *Manager) saveSessions(set *shardSet) {
	for _, id := range set.ids {
		m.saveSession(id, set.count, m.managed(set, id).current().Session())
	}
}
