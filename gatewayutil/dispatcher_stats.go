package gatewayutil

import (
	"sync/atomic"
	"time"
)

// EventStats counts what happened to the events of one type.
type EventStats struct {
	// Received counts dispatches of this type, wanted or not.
	Received uint64
	// Delivered counts handler calls that ran (panicked ones included).
	Delivered uint64
	// Dropped counts deliveries discarded because a queue was full under
	// the Drop policy, or because Dispatch's context ended while it waited
	// under the Block policy.
	Dropped uint64
	// Discarded counts deliveries that were queued, or waiting for room
	// in a queue, and then thrown away: their subscription was cancelled,
	// or the Dispatcher closed (Close discards what is still queued when
	// its ctx ends, and a Dispatch waiting for room when Close starts
	// returns ErrDispatcherClosed).
	Discarded uint64
	// Panics counts recovered handler panics.
	Panics uint64
	// DecodeErrors counts events an [On] handler could not decode.
	DecodeErrors uint64
	// HandlerTime is the total time spent in handlers, MaxHandlerTime the
	// longest single call; both stay zero unless the Dispatcher was built
	// with HandlerTiming(true).
	HandlerTime, MaxHandlerTime time.Duration
}

// add accumulates o into s.
func (s *EventStats) add(o EventStats) {
	s.Received += o.Received
	s.Delivered += o.Delivered
	s.Dropped += o.Dropped
	s.Discarded += o.Discarded
	s.Panics += o.Panics
	s.DecodeErrors += o.DecodeErrors
	s.HandlerTime += o.HandlerTime
	s.MaxHandlerTime = max(s.MaxHandlerTime, o.MaxHandlerTime)
}

// DispatcherStats is a snapshot of a Dispatcher's counters.
type DispatcherStats struct {
	// Events holds the counters of every event type with at least one
	// non-zero counter, by name.
	Events map[string]EventStats
	// Unknown counts events whose names are not documented and that no
	// subscription asked for by name.
	Unknown EventStats
}

// Total sums the counters of every event type, Unknown included.
func (s DispatcherStats) Total() EventStats {
	t := s.Unknown
	for _, e := range s.Events {
		t.add(e)
	}
	return t
}

// Stats returns a snapshot of the counters. Each counter is read
// atomically, but the snapshot as a whole is not: events dispatched
// meanwhile may be partly counted.
func (d *Dispatcher) Stats() DispatcherStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := DispatcherStats{Events: make(map[string]EventStats), Unknown: d.unknown.snapshot()}
	for name, ts := range d.stats {
		if s := ts.snapshot(); s != (EventStats{}) {
			out.Events[name] = s
		}
	}
	return out
}

// typeStats are the live counters of one event type: atomics, allocated
// when the Dispatcher is made (documented names) or a name is first
// subscribed, so counting never allocates.
type typeStats struct {
	received, delivered, dropped, discarded, panics, decodeErrors atomic.Uint64
	nanos, maxNanos                                               atomic.Int64
}

// observe counts one handler call that took d.
func (t *typeStats) observe(d time.Duration) {
	t.delivered.Add(1)
	n := int64(d)
	t.nanos.Add(n)
	for {
		m := t.maxNanos.Load()
		if n <= m || t.maxNanos.CompareAndSwap(m, n) {
			return
		}
	}
}

func (t *typeStats) snapshot() EventStats {
	return EventStats{
		Received:       t.received.Load(),
		Delivered:      t.delivered.Load(),
		Dropped:        t.dropped.Load(),
		Discarded:      t.discarded.Load(),
		Panics:         t.panics.Load(),
		DecodeErrors:   t.decodeErrors.Load(),
		HandlerTime:    time.Duration(t.nanos.Load()),
		MaxHandlerTime: time.Duration(t.maxNanos.Load()),
	}
}
