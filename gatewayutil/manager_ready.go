package gatewayutil

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// managerLife is what a Manager knows of its shards' lifecycles: which
// shards of the current set have been READY at least once.
type managerLife struct {
	mu      sync.Mutex
	ready   map[*shardSet]map[int]bool // by set, by shard id
	changed chan struct{}
}

// changedChan returns the channel closed at the next change; l.mu is held.
func (l *managerLife) changedChan() chan struct{} {
	if l.changed == nil {
		l.changed = make(chan struct{})
	}
	return l.changed
}

// lifecycleHook wraps a shard's OnLifecycle hook so the Manager learns of
// its READY (or RESUMED: a resumed session was READY before).
func (m *Manager) lifecycleHook(set *shardSet, id int, user func(Lifecycle)) func(Lifecycle) {
	return func(l Lifecycle) {
		if l.Kind == LifecycleReady || l.Kind == LifecycleResumed {
			m.markReady(set, id)
		}
		if user != nil {
			user(l)
		}
	}
}

func (m *Manager) markReady(set *shardSet, id int) {
	m.mu.Lock()
	live := map[*shardSet]bool{m.set: true, set: true}
	for _, r := range m.retiring {
		live[r] = true
	}
	m.mu.Unlock()
	l := &m.life
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ready == nil {
		l.ready = make(map[*shardSet]map[int]bool)
	}
	for s := range l.ready {
		if !live[s] {
			delete(l.ready, s) // a set gone with a reshard
		}
	}
	ids := l.ready[set]
	if ids == nil {
		ids = make(map[int]bool)
		l.ready[set] = ids
	}
	if !ids[id] {
		ids[id] = true
		if l.changed != nil {
			close(l.changed)
			l.changed = nil
		}
	}
}

// NotReadyError is WaitReady's error when ctx ended first: the shards that
// were never READY. errors.Is matches the context's error.
type NotReadyError struct {
	Shards []int // never READY, by id
	Of     int   // shards the Manager runs
	Err    error // the context's error
}

// Error lists the shards that were not ready, of how many, and the cause.
func (e *NotReadyError) Error() string {
	return fmt.Sprintf("gatewayutil: %d of %d shards not ready %v: %v", len(e.Shards), e.Of, e.Shards, e.Err)
}

// Unwrap returns the context's error.
func (e *NotReadyError) Unwrap() error { return e.Err }

// WaitReady waits until every shard this Manager runs has been READY (or
// RESUMED) at least once, or ctx ends: then the error is a
// *NotReadyError naming the shards that were not. After a reshard it is
// about the new shard set. It fails with ErrManagerNotStarted before
// Start.
func (m *Manager) WaitReady(ctx context.Context) error {
	for {
		m.mu.Lock()
		set := m.set
		m.mu.Unlock()
		if set == nil {
			return ErrManagerNotStarted
		}
		l := &m.life
		l.mu.Lock()
		var missing []int
		for _, id := range set.ids {
			if !l.ready[set][id] {
				missing = append(missing, id)
			}
		}
		ch := l.changedChan()
		l.mu.Unlock()
		if len(missing) == 0 {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return &NotReadyError{Shards: missing, Of: len(set.ids), Err: context.Cause(ctx)}
		}
	}
}

// WaitGuildsReady waits until every shard this Manager runs is guilds
// ready (see Shard.WaitGuildsReady), or ctx ends: then the error joins the
// *GuildsNotReadyError of each shard that was not, each naming its missing
// guilds.
func (m *Manager) WaitGuildsReady(ctx context.Context) error {
	shards, err := m.runningShards()
	if err != nil {
		return err
	}
	errs := make([]error, len(shards))
	var wg sync.WaitGroup
	for i, sh := range shards {
		wg.Go(func() { errs[i] = sh.WaitGuildsReady(ctx) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// runningShards returns the current Shard of every shard this Manager
// runs, in shard order, or ErrManagerNotStarted.
func (m *Manager) runningShards() ([]*Shard, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	set := m.set
	if set == nil {
		return nil, ErrManagerNotStarted
	}
	shards := make([]*Shard, 0, len(set.ids))
	for _, id := range set.ids {
		shards = append(shards, set.shards[id].current())
	}
	return shards, nil
}
