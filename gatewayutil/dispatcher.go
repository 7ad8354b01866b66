package gatewayutil

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/intents"
)

// Dispatcher delivers the dispatches of one or more shards to the handlers
// subscribed to them, in-process.
//
// # Subscribing
//
// [Dispatcher.Subscribe] registers an [EventHandler] for one event name,
// [Dispatcher.SubscribeAll] for every event (raw access: logging, relaying),
// and [On] registers a handler that receives d decoded into a type of your
// own. Each returns a cancel function. Subscriptions can be added and
// cancelled at any time, also from inside a handler; once cancel returns no
// new delivery starts for that subscription (one that had already started
// finishes). A subscription can be narrowed to one guild, channel or user
// with [InGuild], [InChannel] and [ByUser]: the topic keys of the event are
// then read from d (see [Event.GuildID]) and compared.
//
// # Delivery
//
// Each subscription picks how its handler runs ([Deliver]):
//
//   - [Inline] (the default): on the shard's read goroutine, before the
//     next message is read. Events of one shard are handled in order, and a
//     slow handler slows down its own socket: the gateway's TCP window fills
//     up and Discord waits. This is backpressure, and it is what you want
//     for quick handlers. The handler gets the shard's buffer, no copy.
//   - [PerGuild]: on a pool of worker lanes owned by the subscription
//     (bounded: [Lanes]). Events of one guild always go to the same lane,
//     so they are handled in order; different guilds are handled in
//     parallel. Events without a guild (DMs, READY, ...) share one lane of
//     their own.
//   - [Goroutine]: one goroutine per event, at most [QueueSize] at a time;
//     no ordering at all.
//
// The two queued modes copy d once per event, shared by every queued
// subscription, from a pool. When a subscription's queue is full its
// [OverflowPolicy] decides: [Block] (the default) makes Dispatch wait for
// room, which stalls the shard's reader like a slow inline handler does;
// [Drop] discards the delivery and counts it in [EventStats.Dropped].
//
// # The hot path
//
// [Dispatcher.Dispatch] finds the subscriptions of an event type with one
// lock-free map lookup in a copy-on-write table. An event nobody subscribed
// to is counted and forgotten: nothing is copied, decoded or even looked at.
// Delivering an event to inline handlers allocates nothing. A handler panic
// is recovered, logged with the event type (slog, error level), counted and
// passed to the [OnPanic] hook; the shard or worker goes on with the next
// event.
//
// # Intents and statistics
//
// [Dispatcher.Intents] returns the intents the current subscriptions need,
// so a shard can identify with exactly those, and [Dispatcher.Wants] tells
// a shard whether an event type is wanted at all. [Dispatcher.Stats]
// returns per-event-type counters: received, delivered, dropped, discarded, panics,
// decode errors and handler time ([HandlerTiming]).
//
// # Shutting down
//
// [Dispatcher.Close] stops accepting events, lets the queued deliveries run,
// and returns when every worker and handler goroutine has exited.
type Dispatcher struct {
	log             *slog.Logger
	inheritedLog    atomic.Pointer[slog.Logger] // the Manager's or Shard's, used when log is nil
	onPanic         func(e *Event, recovered any)
	onDecodeError   func(e *Event, err error)
	catchAllIntents intents.Intent
	lanes           int
	queueSize       int
	untimed         bool

	// table is what Dispatch reads: published copy-on-write under mu.
	table atomic.Pointer[subTable]

	mu       sync.Mutex
	typed    map[string][]*subscription // by event name, in subscription order
	catchAll []*subscription            // SubscribeAll, in subscription order
	stats    map[string]*typeStats      // every name ever seen in a table
	nextID   uint64

	unknown typeStats // undocumented names nobody subscribed to by name

	closed   atomic.Bool   // set once by Close, under mu
	inflight atomic.Int64  // Dispatch calls past the closed check
	live     atomic.Int64  // workers and handler goroutines running
	abandon  atomic.Bool   // Close gave up: discard what is still queued
	closing  chan struct{} // closed when Close starts: wakes blocked Dispatch calls
	drain    chan struct{} // closed once no Dispatch is in flight: workers drain and exit

	ctx    context.Context // given to queued handlers; cancelled when Close is done
	cancel context.CancelFunc
}

// ErrDispatcherClosed is returned by Dispatch after Close.
var ErrDispatcherClosed = errors.New("gatewayutil: dispatcher closed")

// DispatcherOption configures a Dispatcher.
type DispatcherOption func(*Dispatcher)

// DispatchLogger sets the logger for handler panics and decode errors
// (default: the Logger of the Manager or Shard it is the Sink of, else slog.Default()).
func DispatchLogger(l *slog.Logger) DispatcherOption {
	return func(d *Dispatcher) {
		if l != nil {
			d.log = l
		}
	}
}

// OnPanic sets a hook called, after logging, with the event and the value
// of every recovered handler panic. It runs on the goroutine of the handler
// that panicked; e is only valid during the call.
func OnPanic(fn func(e *Event, recovered any)) DispatcherOption {
	return func(d *Dispatcher) { d.onPanic = fn }
}

// OnDecodeError sets a hook called, after logging, when a handler
// registered with [On] gets an event whose data does not decode into its
// type. e is only valid during the call.
func OnDecodeError(fn func(e *Event, err error)) DispatcherOption {
	return func(d *Dispatcher) { d.onDecodeError = fn }
}

// CatchAllIntents sets what [Dispatcher.Intents] adds for a subscription to
// every event ([Dispatcher.SubscribeAll]), which cannot be computed from
// event names. The default is [intents.NonPrivileged]: everything that
// needs no approval in the Developer Portal.
func CatchAllIntents(i intents.Intent) DispatcherOption {
	return func(d *Dispatcher) { d.catchAllIntents = i }
}

// DefaultLanes sets the number of worker lanes of a [PerGuild] subscription
// that does not choose its own with [Lanes] (default 4 × GOMAXPROCS, at
// least 8). Values below 1 keep the default.
func DefaultLanes(n int) DispatcherOption {
	return func(d *Dispatcher) {
		if n > 0 {
			d.lanes = n
		}
	}
}

// DefaultQueueSize sets the queue bound of a queued subscription that does
// not choose its own with [QueueSize] (default 256). Values below 1 keep
// the default.
func DefaultQueueSize(n int) DispatcherOption {
	return func(d *Dispatcher) {
		if n > 0 {
			d.queueSize = n
		}
	}
}

// HandlerTiming turns the timing of handler calls on or off (the default).
// Timing reads the monotonic clock twice per call: some 20 ns on most
// machines, but on virtual machines with a slow clock source (kvm-clock,
// 50–60 ns a read) it costs more than the rest of an inline delivery, and
// a shard's whole hot path for a 1.4 KB event is under a microsecond (see
// BENCHMARKS.md). So it is off unless asked for; turn it on to find slow
// handlers. With timing off, [EventStats.HandlerTime] and MaxHandlerTime
// stay zero.
func HandlerTiming(on bool) DispatcherOption {
	return func(d *Dispatcher) { d.untimed = !on }
}

// NewDispatcher returns a Dispatcher with no subscriptions.
func NewDispatcher(opts ...DispatcherOption) *Dispatcher {
	d := &Dispatcher{
		catchAllIntents: intents.NonPrivileged,
		lanes:           max(8, 4*runtime.GOMAXPROCS(0)),
		queueSize:       256,
		typed:           make(map[string][]*subscription),
		stats:           make(map[string]*typeStats, len(event.All)),
		closing:         make(chan struct{}),
		drain:           make(chan struct{}),
		untimed:         true,
	}
	for _, o := range opts {
		if o != nil {
			o(d)
		}
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	// Counters for every documented event exist from the start, in one
	// block, so counting never allocates.
	block := make([]typeStats, len(event.All))
	t := &subTable{byType: make(map[string]*typeEntry, len(event.All))}
	for i, name := range event.All {
		d.stats[name] = &block[i]
		t.byType[name] = &typeEntry{name: name, stats: &block[i]}
	}
	t.unknown = &typeEntry{stats: &d.unknown}
	d.table.Store(t)
	return d
}

// Wants reports whether any current subscription would receive an event
// of this type. A shard can use it to skip work for events nobody wants,
// such as converting an ETF payload to JSON. Dispatch does the same check
// itself. After Close it reports false.
func (d *Dispatcher) Wants(eventType string) bool {
	if d.closed.Load() {
		return false
	}
	t := d.table.Load()
	ent := t.byType[eventType]
	if ent == nil {
		ent = t.unknown
	}
	return !ent.empty()
}

// Dispatch delivers one event to its subscribers. The shard calls it for
// every dispatch, on its read goroutine, and may reuse e and e.Data as soon
// as it returns (Dispatch clears e's cached topic keys on entry).
//
// It returns once every inline handler has run and every queued delivery
// has been queued or, under the [Drop] policy, dropped. It blocks only on a
// full queue under the [Block] policy; if ctx ends meanwhile it returns an
// error wrapping ctx.Err() (errors.Is(err, context.Canceled) and so on)
// without delivering to the remaining subscriptions. After Close it
// delivers nothing and returns [ErrDispatcherClosed]. Handler panics are
// recovered and never returned.
func (d *Dispatcher) Dispatch(ctx context.Context, e *Event) error {
	if e == nil {
		return nil
	}
	if d.closed.Load() {
		return ErrDispatcherClosed
	}
	t := d.table.Load()
	ent := e.route.entry
	if e.route.table != t || ent.name != e.Type || ent.name == "" {
		// A shard reuses one Event, and events of one type come in runs:
		// the entry found last time is usually the one, and comparing
		// the interned name costs less than hashing it.
		if ent = t.byType[e.Type]; ent == nil {
			ent = t.unknown
		}
		e.route = eventRoute{t, ent}
	}
	ent.stats.received.Add(1)
	if ent.empty() {
		return nil
	}
	d.inflight.Add(1)
	defer d.inflight.Add(-1)
	if d.closed.Load() { // Close may have missed our increment
		ent.stats.discarded.Add(1) // received, then thrown away by Close
		return ErrDispatcherClosed
	}
	if ctx == nil {
		ctx = context.Background()
	}
	e.keys = topicKeys{}
	var shared *sharedData
	err := d.deliverAll(ctx, ent, e, &shared)
	if shared != nil {
		shared.release()
	}
	return err
}

// deliverAll offers e to every subscription of its entry: first those not
// narrowed, in subscription order, then the narrowed ones found through
// the topic-key index.
func (d *Dispatcher) deliverAll(ctx context.Context, ent *typeEntry, e *Event, shared **sharedData) error {
	for _, s := range ent.plain {
		if err := d.offer(ctx, ent, s, e, shared); err != nil {
			return err
		}
	}
	if ent.narrowed == nil {
		return nil
	}
	if ent.indexes&indexChannel != 0 {
		if err := d.offerAll(ctx, ent, ent.narrowed[topicKey{kind: indexChannel, id: e.ChannelID()}], e, shared); err != nil {
			return err
		}
	}
	if ent.indexes&indexUser != 0 {
		if err := d.offerAll(ctx, ent, ent.narrowed[topicKey{kind: indexUser, id: e.UserID()}], e, shared); err != nil {
			return err
		}
	}
	if ent.indexes&indexGuild != 0 {
		if err := d.offerAll(ctx, ent, ent.narrowed[topicKey{kind: indexGuild, id: e.GuildID()}], e, shared); err != nil {
			return err
		}
	}
	return nil
}

func (d *Dispatcher) offerAll(ctx context.Context, ent *typeEntry, subs []*subscription, e *Event, shared **sharedData) error {
	for _, s := range subs {
		if !s.matches(e) {
			continue
		}
		if err := d.offer(ctx, ent, s, e, shared); err != nil {
			return err
		}
	}
	return nil
}

// offer delivers e to one subscription according to its mode.
func (d *Dispatcher) offer(ctx context.Context, ent *typeEntry, s *subscription, e *Event, shared **sharedData) error {
	if s.cancelled.Load() {
		return nil
	}
	switch s.mode {
	case PerGuild:
		return d.enqueue(ctx, ent, s, s.lanes[laneOf(e.GuildID(), len(s.lanes))], e, shared)
	case Goroutine:
		return d.spawn(ctx, ent, s, e, shared)
	default:
		d.invoke(ctx, ent, s, e)
		return nil
	}
}

// invoke runs one handler call, timed, with its panic recovered.
func (d *Dispatcher) invoke(ctx context.Context, ent *typeEntry, s *subscription, e *Event) {
	var start time.Duration
	if !d.untimed {
		start = monotonic()
	}
	defer d.finish(ent, e, start)
	s.handler(ctx, e)
}

// finish is invoke's deferred half: it counts the call and recovers a
// panic (recover works because finish is the deferred function itself).
func (d *Dispatcher) finish(ent *typeEntry, e *Event, start time.Duration) {
	if d.untimed {
		ent.stats.delivered.Add(1)
	} else {
		ent.stats.observe(monotonic() - start)
	}
	if r := recover(); r != nil {
		d.reportPanic(ent, e, r)
	}
}

func (d *Dispatcher) reportPanic(ent *typeEntry, e *Event, r any) {
	ent.stats.panics.Add(1)
	buf := make([]byte, 16<<10)
	buf = buf[:runtime.Stack(buf, false)]
	d.logger().Error("gatewayutil: event handler panicked",
		slog.String("event", e.Type), slog.Int64("seq", e.Seq), slog.Int("shard", e.Shard),
		slog.Any("panic", r), slog.String("stack", string(buf)))
	if d.onPanic != nil {
		func() {
			defer func() {
				if r2 := recover(); r2 != nil {
					d.logger().Error("gatewayutil: OnPanic hook panicked", slog.String("event", e.Type), slog.Any("panic", r2))
				}
			}()
			d.onPanic(e, r)
		}()
	}
}

func (d *Dispatcher) reportDecodeError(e *Event, err error) {
	t := d.table.Load()
	if ent := t.byType[e.Type]; ent != nil {
		ent.stats.decodeErrors.Add(1)
	} else {
		t.unknown.stats.decodeErrors.Add(1)
	}
	d.logger().Error("gatewayutil: cannot decode event for handler",
		slog.String("event", e.Type), slog.Int64("seq", e.Seq), slog.Int("shard", e.Shard),
		slog.Any("error", err))
	if d.onDecodeError != nil {
		func() {
			defer func() {
				if r := recover(); r != nil {
					d.logger().Error("gatewayutil: OnDecodeError hook panicked", slog.String("event", e.Type), slog.Any("panic", r))
				}
			}()
			d.onDecodeError(e, err)
		}()
	}
}

// Intents returns the intents that deliver every event the current
// subscriptions want, computed with [intents.For] (or [intents.ForScope]
// limited to guilds for a subscription narrowed to a guild), plus what
// subscriptions declared with [NeedIntents]. A subscription to every event
// adds the [CatchAllIntents] set (default [intents.NonPrivileged]), since
// no event list exists to compute from. MESSAGE_CONTENT is added only when
// a subscription declared it.
func (d *Dispatcher) Intents() intents.Intent {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out intents.Intent
	for typ, subs := range d.typed {
		for _, s := range subs {
			out |= s.intentsFor(typ)
		}
	}
	for _, s := range d.catchAll {
		out |= d.catchAllIntents | s.extraIntents
	}
	return out
}

// Close stops the Dispatcher: Dispatch returns [ErrDispatcherClosed] from
// now on (a Dispatch blocked on a full queue returns it at once), the
// deliveries already queued are handled, and Close returns nil once every
// worker and handler goroutine has exited and no handler is running.
//
// If ctx ends first, Close discards what is still queued, cancels the
// context given to queued handlers, and returns an error wrapping
// ctx.Err(); the goroutines exit as soon as their current handler returns.
// Calling Close again waits the same way. Close waits for every running
// handler, so a handler that calls it must pass a ctx with a deadline.
func (d *Dispatcher) Close(ctx context.Context) error {
	d.mu.Lock()
	first := !d.closed.Load()
	if first {
		d.closed.Store(true)
		close(d.closing)
	}
	d.mu.Unlock()
	if !first {
		if err := waitZero(ctx, &d.inflight, &d.live); err != nil {
			return fmt.Errorf("gatewayutil: closing dispatcher: %w", err)
		}
		return nil
	}
	// No Dispatch can queue anything once the in-flight ones are done;
	// then the workers may drain their queues and exit.
	err := waitZero(ctx, &d.inflight)
	if err != nil {
		d.abandon.Store(true)
	}
	close(d.drain)
	if err == nil {
		err = waitZero(ctx, &d.live)
	}
	if err != nil {
		d.abandon.Store(true)
		d.cancel()
		return fmt.Errorf("gatewayutil: closing dispatcher: %w", err)
	}
	d.cancel()
	return nil
}

// epoch anchors monotonic.
var epoch = time.Now()

// monotonic reads the monotonic clock only, which costs about half of
// time.Now (that reads the wall clock too) on virtual machines whose clock
// is slow to read.
func monotonic() time.Duration { return time.Since(epoch) }

// waitZero polls until every counter is zero or ctx ends. Close is rare,
// so a short poll is cheaper than making the hot path signal.
func waitZero(ctx context.Context, counters ...*atomic.Int64) error {
	if ctx == nil {
		ctx = context.Background()
	}
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		zero := true
		for _, c := range counters {
			if c.Load() != 0 {
				zero = false
				break
			}
		}
		if zero {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}
