package cluster

import (
	"context"
	"sort"
	"sync"
)

// bucketQueue is the local line in front of one identify bucket: one shard of
// this process at a time holds its turn, from before it polls the bucket's KV
// slot until its ticket is done, and the turn passes to the waiting shard with
// the lowest id. So each process has at most one poller per bucket, and a
// fleet starting at once identifies in shard order.
type bucketQueue struct {
	mu      sync.Mutex
	held    bool
	waiters []*queueWaiter // sorted by shard id, then arrival
}

type queueWaiter struct {
	shard int
	ready chan struct{} // closed when the turn is handed to this waiter
}

// enter waits for the turn. On ctx's end it returns ctx's error and holds
// nothing.
func (q *bucketQueue) enter(ctx context.Context, shard int) error {
	q.mu.Lock()
	if !q.held && len(q.waiters) == 0 {
		q.held = true
		q.mu.Unlock()
		return nil
	}
	w := &queueWaiter{shard: shard, ready: make(chan struct{})}
	i := sort.Search(len(q.waiters), func(i int) bool { return q.waiters[i].shard > shard })
	q.waiters = append(q.waiters, nil)
	copy(q.waiters[i+1:], q.waiters[i:])
	q.waiters[i] = w
	q.mu.Unlock()

	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		q.mu.Lock()
		for i, o := range q.waiters {
			if o == w {
				q.waiters = append(q.waiters[:i], q.waiters[i+1:]...)
				q.mu.Unlock()
				return ctx.Err()
			}
		}
		q.mu.Unlock()
		// The turn was handed over as ctx ended: pass it on.
		q.leave()
		return ctx.Err()
	}
}

// leave gives the turn to the next waiter, if any.
func (q *bucketQueue) leave() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.waiters) == 0 {
		q.held = false
		return
	}
	w := q.waiters[0]
	q.waiters = q.waiters[1:]
	close(w.ready)
}

// len returns how many wait for the turn.
func (q *bucketQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.waiters)
}
