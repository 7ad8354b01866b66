package gatewayutil

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// Queued delivery: the PerGuild lanes and the Goroutine mode. An event
// bound for at least one queued subscription has its data copied once into
// a pooled, reference-counted buffer; every queued delivery gets its own
// Event over that buffer (so lazily parsed topic keys never race) and
// returns both to their pools when its handler is done.

// delivery is one queued handler call.
type delivery struct {
	ev     Event
	sub    *subscription
	ent    *typeEntry
	shared *sharedData
}

// sharedData is one event's copied data, shared by its queued deliveries.
type sharedData struct {
	buf  []byte
	refs atomic.Int32
}

// maxPooledData keeps huge payloads (a GUILD_CREATE can be megabytes) out
// of the pool; the garbage collector takes them back instead.
const maxPooledData = 64 << 10

var (
	deliveryPool = sync.Pool{New: func() any { return new(delivery) }}
	sharedPool   = sync.Pool{New: func() any { return new(sharedData) }}
)

// newDelivery prepares a queued call of s for e, copying e.Data into
// *shared on first use. The caller holds one reference to *shared and
// releases it when it is done offering the event.
func newDelivery(ent *typeEntry, s *subscription, e *Event, shared **sharedData) *delivery {
	sh := *shared
	if sh == nil {
		sh = sharedPool.Get().(*sharedData)
		sh.buf = append(sh.buf[:0], e.Data...)
		sh.refs.Store(1)
		*shared = sh
	}
	sh.refs.Add(1)
	dl := deliveryPool.Get().(*delivery)
	dl.ev = *e
	if e.Data != nil {
		n := len(e.Data)
		dl.ev.Data = sh.buf[:n:n] // an append by the handler must not write into the shared buffer
	}
	dl.sub, dl.ent, dl.shared = s, ent, sh
	return dl
}

func (dl *delivery) release() {
	sh := dl.shared
	*dl = delivery{}
	deliveryPool.Put(dl)
	sh.release()
}

func (sh *sharedData) release() {
	if sh.refs.Add(-1) != 0 {
		return
	}
	if cap(sh.buf) > maxPooledData {
		sh.buf = nil
	}
	sharedPool.Put(sh)
}

// start creates the queues and workers of a new subscription. Called with
// mu held, before Close can start waiting for workers.
func (d *Dispatcher) start(s *subscription) {
	switch s.mode {
	case PerGuild:
		s.done = make(chan struct{})
		s.lanes = make([]chan *delivery, s.lanesWanted+1)
		for i := range s.lanes {
			lane := make(chan *delivery, s.queueSize)
			s.lanes[i] = lane
			d.live.Add(1)
			go d.runLane(s, lane)
		}
	case Goroutine:
		s.done = make(chan struct{})
		s.slots = make(chan struct{}, s.queueSize)
	}
}

// laneOf maps a guild to one of n lanes: lane 0 for guild-less events, a
// hash of the id over the others.
func laneOf(guild uint64, n int) int {
	if guild == 0 || n < 2 {
		return 0
	}
	h := guild * 0x9E3779B97F4A7C15 // Fibonacci hashing: snowflakes' low bits are a counter
	return 1 + int(((h>>32)*uint64(n-1))>>32)
}

// enqueue queues e on one lane of a PerGuild subscription.
func (d *Dispatcher) enqueue(ctx context.Context, ent *typeEntry, s *subscription, lane chan *delivery, e *Event, shared **sharedData) error {
	if s.policy == Drop && len(lane) == cap(lane) {
		ent.stats.dropped.Add(1) // certain drop: do not even copy
		return nil
	}
	dl := newDelivery(ent, s, e, shared)
	select {
	case lane <- dl:
		return nil
	default:
	}
	if s.policy == Drop {
		ent.stats.dropped.Add(1)
		dl.release()
		return nil
	}
	select {
	case lane <- dl:
		return nil
	case <-s.done:
		ent.stats.discarded.Add(1)
		dl.release()
		return nil
	case <-d.closing:
		ent.stats.discarded.Add(1)
		dl.release()
		return ErrDispatcherClosed
	case <-ctx.Done():
		ent.stats.dropped.Add(1)
		dl.release()
		return fmt.Errorf("gatewayutil: dispatching %s #%d: %w", e.Type, e.Seq, ctx.Err())
	}
}

// spawn runs e on a goroutine of its own for a Goroutine subscription,
// once one of its slots is free.
func (d *Dispatcher) spawn(ctx context.Context, ent *typeEntry, s *subscription, e *Event, shared **sharedData) error {
	select {
	case s.slots <- struct{}{}:
	default:
		if s.policy == Drop {
			ent.stats.dropped.Add(1)
			return nil
		}
		select {
		case s.slots <- struct{}{}:
		case <-s.done:
			ent.stats.discarded.Add(1)
			return nil
		case <-d.closing:
			ent.stats.discarded.Add(1)
			return ErrDispatcherClosed
		case <-ctx.Done():
			ent.stats.dropped.Add(1)
			return fmt.Errorf("gatewayutil: dispatching %s #%d: %w", e.Type, e.Seq, ctx.Err())
		}
	}
	dl := newDelivery(ent, s, e, shared)
	d.live.Add(1)
	go d.runOne(dl)
	return nil
}

func (d *Dispatcher) runOne(dl *delivery) {
	slots := dl.sub.slots
	d.run(dl)
	<-slots
	d.live.Add(-1)
}

// runLane is the worker of one PerGuild lane. It stops when the
// subscription is cancelled (discarding its queue) or when Close has made
// sure nothing more can be queued (handling its queue first).
func (d *Dispatcher) runLane(s *subscription, lane chan *delivery) {
	defer d.live.Add(-1)
	for {
		select {
		case dl := <-lane:
			d.run(dl)
		case <-s.done:
			for {
				select {
				case dl := <-lane:
					dl.ent.stats.discarded.Add(1)
					dl.release()
				default:
					return
				}
			}
		case <-d.drain:
			for {
				select {
				case dl := <-lane:
					d.run(dl)
				default:
					return
				}
			}
		}
	}
}

// run makes one queued call, unless its subscription was cancelled or
// Close gave up meanwhile.
func (d *Dispatcher) run(dl *delivery) {
	if !dl.sub.cancelled.Load() && !d.abandon.Load() {
		d.invoke(d.ctx, dl.ent, dl.sub, &dl.ev)
	} else {
		dl.ent.stats.discarded.Add(1)
	}
	dl.release()
}
