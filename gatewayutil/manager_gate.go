package gatewayutil

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// gateMode says what a shard set's gate does with its events.
type gateMode int32

const (
	// gateOpen passes every event on: the normal state of a live set.
	gateOpen gateMode = iota
	// gateClosed drops every event: an old set that has been switched
	// off, or a new one that failed to connect.
	gateClosed
	// gateDedupe passes events on unless the other set already delivered
	// the same one: both sets are live during a reshard's overlap.
	gateDedupe
)

// gateSink stands between a shard set and the user's sink, so a reshard
// can switch sets over without losing or (within the overlap) repeating
// events. It stamps every event with its set's generation
// ([Event.ShardSet]).
type gateSink struct {
	mode   atomic.Int32
	tag    int // which set this is: its generation
	next   EventSink
	filter atomic.Pointer[dedupeFilter]

	mu       sync.Mutex
	caughtUp map[int]bool // shards that delivered an event the other set had already delivered

	// lastRepeat is when (unix ns) this set last received an event the
	// other set had delivered first: while such repeats keep arriving, the
	// set is still behind the other one.
	lastRepeat atomic.Int64
}

func newGateSink(next EventSink, mode gateMode, tag int) *gateSink {
	g := &gateSink{next: next, tag: tag}
	g.mode.Store(int32(mode))
	return g
}

// set switches the gate. Entering dedupe stores the filter before the
// mode, leaving it the mode before clearing the filter, and Dispatch loads
// the filter before the mode: a Dispatch that sees gateDedupe then always
// has its filter (or retries), so no event slips past the filter while
// the gate switches, which delivered events twice.
func (g *gateSink) set(mode gateMode, f *dedupeFilter) {
	if mode == gateDedupe {
		g.filter.Store(f)
		g.mode.Store(int32(mode))
		return
	}
	g.mode.Store(int32(mode))
	g.filter.Store(f)
}

// Dispatch implements EventSink.
func (g *gateSink) Dispatch(ctx context.Context, e *Event) error {
	for retried := false; ; retried = true {
		f := g.filter.Load()
		mode := gateMode(g.mode.Load())
		if mode == gateClosed {
			return nil
		}
		if mode == gateDedupe {
			if f == nil {
				if !retried {
					continue // the gate is switching: look again
				}
				break
			}
			switch f.admit(e, g.tag) {
			case admitRepeat:
				g.lastRepeat.Store(time.Now().UnixNano())
				g.markCaughtUp(e.Shard)
				return nil
			case admitSealed:
				return nil
			}
		}
		break
	}
	if g.next == nil {
		return nil
	}
	e.ShardSet = g.tag
	return g.next.Dispatch(ctx, e)
}

// markCaughtUp records that a shard of this set received an event the other
// set delivered first. Each shard's events arrive in order, so the shard
// has delivered everything sent to it before that event.
func (g *gateSink) markCaughtUp(shard int) {
	g.mu.Lock()
	if g.caughtUp == nil {
		g.caughtUp = map[int]bool{}
	}
	g.caughtUp[shard] = true
	g.mu.Unlock()
}

func (g *gateSink) isCaughtUp(shard int) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.caughtUp[shard]
}
