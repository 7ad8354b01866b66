package gatewayutil

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
)

// Reshard moves the bot to a new shard count without downtime. It starts
// the new shard set beside the running one, both delivering with
// duplicates filtered out (an event reaches both sets while both are
// connected; the new set's sessions' READY and GUILD_CREATEs are delivered
// too, under its own [Event.ShardSet]), waits until every new shard is
// connected, lets both sets deliver for at least ReshardOverlap and until
// every old shard has caught up with the new set, then switches to the new
// set and closes the old one, ending its sessions. The new set goes on
// filtering until every new shard has passed, in its own stream, every
// event the old set delivered for its guilds (some may still be on their
// way to it). Events keep flowing throughout: none is lost, and none is
// delivered twice. Only a deadline breaks that promise: an old shard still
// behind at ReshardMaxOverlap (switched off anyway, losing what it had not
// read), or a new shard that has not passed the old set's events
// ReshardMaxOverlap after the switch (a guild quiet since the new session
// started keeps copies waiting that will never come); each logs a warning
// and is counted in [Manager.ReshardStats]. The filter only drops an event
// the other set delivered: a session that re-identifies during the
// overlap starts a new stream, and its READY and GUILD_CREATEs (snapshots,
// never filtered) are all delivered; a guild joined during the overlap may
// have its GUILD_CREATE delivered by both sets. The filter relies on each
// guild's events reaching every session in the same order.
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
	filter := newDedupeFilter(old.gen, old.count, count)
	old.gate.set(gateDedupe, filter)
	// The new set's gate filters from its first event: one that reaches it
	// before the old set is delivered (a gate closed while the new set
	// connected dropped it, and lost it when the old shard was switched off
	// before reading it).
	next, err := m.startSet(ctx, count, ids, filter, old.gen+1, count == old.count)
	if err != nil {
		old.gate.set(gateOpen, nil)
		return err
	}
	if err := m.waitConnected(ctx, next); err != nil {
		next.gate.set(gateClosed, nil)
		_ = m.closeSet(context.WithoutCancel(ctx), next, closecode.Normal)
		// The new set may have delivered events first that the old set has
		// yet to receive: filter them out before opening the old set.
		m.waitOldPassed(context.WithoutCancel(ctx), old, filter)
		return fmt.Errorf("gatewayutil: reshard: new shards did not connect: %w", err)
	}
	m.log.Info("reshard overlap", "from", old.count, "to", count, "for", m.cfg.ReshardOverlap)
	m.waitCaughtUp(ctx, old, next, filter)
	m.mu.Lock()
	m.set = next
	m.retiring = append(m.retiring, old)
	m.mu.Unlock()
	if count == old.count {
		m.takeOverStore(old, next)
	}
	// Stop the old set's deliveries first; the new set has been delivering
	// everything since the overlap began. Sealing the filter makes what the
	// old set delivered final, even for an event it is handling right now
	// (that one is left to the new set).
	filter.seal()
	old.gate.set(gateClosed, nil)
	cerr := m.closeSet(context.WithoutCancel(ctx), old, closecode.Normal)
	if count == old.count {
		// Again, now that no hook of the old set that saw it still storing
		// can overwrite them.
		m.saveSessions(next)
	}
	// The new set may still have on its way events the old set delivered
	// (the overlap waited for the old set to catch up, not the new one):
	// keep filtering until every new shard has passed them all.
	m.waitNewPassed(ctx, next, filter)
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
// every shard of the old set has caught up with the new set (it read, for
// every new shard it shares guilds with, an event that new shard received
// too, so nothing sent to it before the new sessions started is still on
// its way) or has had no event for an overlap and owes none, and at most
// ReshardMaxOverlap.
func (m *Manager) waitCaughtUp(ctx context.Context, old, next *shardSet, filter *dedupeFilter) {
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
		var lagging []int
		for _, id := range old.ids {
			st := m.managed(old, id).current().Status()
			quiet := st.LastDispatch.IsZero() || now.Sub(st.LastDispatch) > m.cfg.ReshardOverlap
			// A shard that owes an event the new set delivered first is
			// behind, not quiet: closing it would lose what it has not
			// read yet.
			if !filter.caughtUp(id, next.ids) && (!quiet || filter.owes(id)) {
				lagging = append(lagging, id)
			}
		}
		if len(lagging) == 0 {
			m.log.Debug("reshard: old shards caught up; switching", "after", now.Sub(start))
			return
		}
		if now.Sub(start) >= m.cfg.ReshardMaxOverlap {
			m.reshardStats.lateSwitches.Add(1)
			m.log.Warn("reshard: old shards still behind at the end of the overlap; switching anyway (events they had not read yet are lost)", "lagging", lagging)
			return
		}
	}
}

// waitOldPassed, after a failed reshard closed the new set, keeps the old
// set's gate filtering until it has received every event the new set
// delivered first (at most ReshardMaxOverlap), then opens it.
func (m *Manager) waitOldPassed(ctx context.Context, old *shardSet, filter *dedupeFilter) {
	filter.abandonNew()
	start := time.Now()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for filter.newFirst() > 0 {
		if time.Since(start) >= m.cfg.ReshardMaxOverlap {
			m.reshardStats.filterGiveUps.Add(1)
			m.log.Warn("reshard: the old shards may still receive events the new ones delivered; stopping the filter anyway", "unpassed", filter.newFirst())
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
	old.gate.set(gateOpen, nil)
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

// waitNewPassed waits, after the switch (the filter sealed), until every
// new shard has passed, in its own stream, every event the old set
// delivered for its guilds: received it (and dropped it as a repeat), or
// received a later event of the same guild (so it never receives it). Only
// then does the new set's gate open: a new shard that lags the old set (a
// loaded machine can stall a reader for longer than any overlap) still has
// those events on their way, and would deliver them a second time. After
// ReshardMaxOverlap it gives up with a warning, counted in
// ReshardStats.FilterGiveUps: a guild quiet since the new session started
// leaves the old set's copies queued that the new shard never receives.
func (m *Manager) waitNewPassed(ctx context.Context, next *shardSet, filter *dedupeFilter) {
	start := time.Now()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		unpassed := 0
		for _, id := range next.ids {
			unpassed += filter.unpassed(id)
		}
		if unpassed == 0 {
			break
		}
		if time.Since(start) >= m.cfg.ReshardMaxOverlap {
			m.reshardStats.filterGiveUps.Add(1)
			m.log.Warn("reshard: the new shards may still receive events the old ones delivered; stopping the filter anyway", "unpassed", unpassed)
			break
		}
		select {
		case <-ctx.Done():
			// Keep filtering: the filter stays right however long it stays.
			return
		case <-tick.C:
		}
	}
	if n := filter.forgottenCopies(); n > 0 {
		m.reshardStats.forgotten.Add(n)
		m.log.Warn("reshard: the filter was full and forgot copies; some events may have been delivered twice", "forgotten", n)
	}
	next.gate.set(gateOpen, nil)
}

// reshardCounters counts what reshards could not guarantee.
type reshardCounters struct {
	lateSwitches  atomic.Int64
	filterGiveUps atomic.Int64
	forgotten     atomic.Int64
}

// ReshardStats counts, over the Manager's life, the reshards that could
// not keep their exactly-once promise (each also logs a warning).
type ReshardStats struct {
	// LateSwitches counts switches made at ReshardMaxOverlap while old
	// shards were still behind: events they had not read are lost.
	LateSwitches int64
	// FilterGiveUps counts filters removed at ReshardMaxOverlap after the
	// switch while new shards had not passed everything the old set
	// delivered: some may be delivered twice.
	FilterGiveUps int64
	// ForgottenCopies counts delivered events a full filter forgot
	// (maxFilterCredits): their copies from the other set are delivered too.
	ForgottenCopies int64
}

// ReshardStats returns the reshard counters.
func (m *Manager) ReshardStats() ReshardStats {
	return ReshardStats{
		LateSwitches:    m.reshardStats.lateSwitches.Load(),
		FilterGiveUps:   m.reshardStats.filterGiveUps.Load(),
		ForgottenCopies: m.reshardStats.forgotten.Load(),
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
