package gatewayutil

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/gatewaykit/gateway/intents"
)

// EventHandler handles one event. For an [Inline] subscription ctx is the
// one the shard passed to Dispatch; for a queued one it is the
// Dispatcher's, cancelled when Close gives up waiting. e and e.Data are
// valid only until the handler returns.
type EventHandler func(ctx context.Context, e *Event)

// DeliveryMode says on which goroutine, and in which order, a
// subscription's handler runs. See [Dispatcher] for the trade-offs.
type DeliveryMode uint8

const (
	// Inline runs the handler on the shard's read goroutine: ordered per
	// shard, no copy, and a slow handler slows its own socket.
	Inline DeliveryMode = iota
	// PerGuild runs the handler on the subscription's worker lanes:
	// ordered per guild, parallel across guilds.
	PerGuild
	// Goroutine runs the handler on a goroutine of its own per event,
	// unordered.
	Goroutine
)

// String returns the mode's name.
func (m DeliveryMode) String() string {
	switch m {
	case Inline:
		return "inline"
	case PerGuild:
		return "per-guild"
	case Goroutine:
		return "goroutine"
	}
	return "DeliveryMode(" + strconv.Itoa(int(m)) + ")"
}

// OverflowPolicy says what happens when a queued subscription's queue is
// full.
type OverflowPolicy uint8

const (
	// Block makes Dispatch wait for room, stalling the shard's reader
	// (backpressure) until the handler catches up or Dispatch's context
	// ends.
	Block OverflowPolicy = iota
	// Drop discards the delivery and counts it in EventStats.Dropped.
	Drop
)

// String returns the policy's name.
func (p OverflowPolicy) String() string {
	switch p {
	case Block:
		return "block"
	case Drop:
		return "drop"
	}
	return "OverflowPolicy(" + strconv.Itoa(int(p)) + ")"
}

// SubscribeOption configures one subscription.
type SubscribeOption func(*subscription)

// Deliver sets the delivery mode (default [Inline]). Unknown modes keep the
// default.
func Deliver(m DeliveryMode) SubscribeOption {
	return func(s *subscription) {
		if m <= Goroutine {
			s.mode = m
		}
	}
}

// OnOverflow sets what happens when the queue of a [PerGuild] or
// [Goroutine] subscription is full (default [Block]). Inline subscriptions
// have no queue.
func OnOverflow(p OverflowPolicy) SubscribeOption {
	return func(s *subscription) {
		if p <= Drop {
			s.policy = p
		}
	}
}

// QueueSize bounds a queued subscription: for [PerGuild], deliveries
// waiting in each lane; for [Goroutine], handler goroutines running at
// once. Values below 1 keep the Dispatcher's default ([DefaultQueueSize]).
func QueueSize(n int) SubscribeOption {
	return func(s *subscription) {
		if n > 0 {
			s.queueSize = n
		}
	}
}

// Lanes sets the number of worker lanes of a [PerGuild] subscription, each
// a goroutine handling its guilds in order; guild-less events get one
// more lane. Values below 1 keep the Dispatcher's default ([DefaultLanes]).
func Lanes(n int) SubscribeOption {
	return func(s *subscription) {
		if n > 0 {
			s.lanesWanted = n
		}
	}
}

// InGuild narrows a subscription to events whose [Event.GuildID] is id. 0
// removes the narrowing. Narrowings combine: with InGuild and ByUser a
// handler sees the events of that user in that guild.
func InGuild(id uint64) SubscribeOption { return func(s *subscription) { s.guild = id } }

// InChannel narrows a subscription to events whose [Event.ChannelID] is id.
// 0 removes the narrowing.
func InChannel(id uint64) SubscribeOption { return func(s *subscription) { s.channel = id } }

// ByUser narrows a subscription to events whose [Event.UserID] is id. 0
// removes the narrowing.
func ByUser(id uint64) SubscribeOption { return func(s *subscription) { s.user = id } }

// NeedIntents declares intents the handler needs beyond those that deliver
// its events, typically [intents.MessageContent] for a handler that reads
// message content. [Dispatcher.Intents] includes them.
func NeedIntents(i intents.Intent) SubscribeOption {
	return func(s *subscription) { s.extraIntents |= i }
}

// subscription is one registered handler. Its configuration is fixed once
// subscribed; only cancelled changes.
type subscription struct {
	id      uint64
	all     bool // SubscribeAll
	typ     string
	handler EventHandler

	mode                 DeliveryMode
	policy               OverflowPolicy
	queueSize            int
	lanesWanted          int
	guild, channel, user uint64
	extraIntents         intents.Intent

	cancelled atomic.Bool
	once      sync.Once
	done      chan struct{}    // closed on cancel: stops the workers
	lanes     []chan *delivery // PerGuild: lane 0 is for guild-less events
	slots     chan struct{}    // Goroutine: one token per running handler
}

// matches reports whether e passes every narrowing of s.
func (s *subscription) matches(e *Event) bool {
	return (s.guild == 0 || e.GuildID() == s.guild) &&
		(s.channel == 0 || e.ChannelID() == s.channel) &&
		(s.user == 0 || e.UserID() == s.user)
}

// primaryKey is the narrowing by which the table indexes s: channel, then
// user, then guild, the most selective first. ok is false if s is not
// narrowed.
func (s *subscription) primaryKey() (k topicKey, ok bool) {
	switch {
	case s.channel != 0:
		return topicKey{kind: indexChannel, id: s.channel}, true
	case s.user != 0:
		return topicKey{kind: indexUser, id: s.user}, true
	case s.guild != 0:
		return topicKey{kind: indexGuild, id: s.guild}, true
	}
	return topicKey{}, false
}

// intentsFor is what s needs to receive events of type typ.
func (s *subscription) intentsFor(typ string) intents.Intent {
	scope := intents.Anywhere
	if s.guild != 0 {
		scope = intents.InGuilds // guild events only: no DM intents
	}
	return intents.ForScope(scope, typ) | s.extraIntents
}

// Subscribe registers h for events named eventType (a constant of package
// event, or any other name the gateway may send) and returns the function
// that cancels the subscription. Cancel is idempotent and safe to call from
// any goroutine, including from inside h; once it returns, no new delivery
// to h starts, and deliveries still queued for h are discarded.
//
// A nil handler, or a Dispatcher already closed, subscribes nothing (the
// returned cancel does nothing).
func (d *Dispatcher) Subscribe(eventType string, h EventHandler, opts ...SubscribeOption) (cancel func()) {
	return d.subscribe(false, eventType, h, opts)
}

// SubscribeAll registers h for every event, documented or not: raw access
// for logging, relaying or metrics. It takes the same options as
// Subscribe; see [Dispatcher.Intents] for what it means for intents.
func (d *Dispatcher) SubscribeAll(h EventHandler, opts ...SubscribeOption) (cancel func()) {
	return d.subscribe(true, "", h, opts)
}

// On registers fn for events named eventType, with d decoded into a fresh
// T for every event: by T's own DecodeJSON method when *T has one (every
// payload type of package discord does; see [JSONDecoder]), by
// encoding/json otherwise (on the goroutine of its delivery
// mode, so a queued subscription decodes off the read path). An event that
// does not decode is not passed to fn: it is logged, counted in
// [EventStats.DecodeErrors] and passed to the [OnDecodeError] hook. The
// cancel function works as Subscribe's.
func On[T any](d *Dispatcher, eventType string, fn func(ctx context.Context, e *Event, v *T), opts ...SubscribeOption) (cancel func()) {
	if fn == nil {
		return func() {}
	}
	return d.Subscribe(eventType, func(ctx context.Context, e *Event) {
		v := new(T)
		if err := decodeEventInto(e, v); err != nil {
			d.reportDecodeError(e, err)
			return
		}
		fn(ctx, e, v)
	}, opts...)
}

func (d *Dispatcher) subscribe(all bool, typ string, h EventHandler, opts []SubscribeOption) func() {
	if h == nil {
		return func() {}
	}
	s := &subscription{all: all, typ: typ, handler: h, queueSize: d.queueSize, lanesWanted: d.lanes}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed.Load() {
		return func() {}
	}
	d.nextID++
	s.id = d.nextID
	d.start(s)
	if all {
		d.catchAll = append(d.catchAll, s)
		d.publishAll()
	} else {
		d.typed[typ] = append(d.typed[typ], s)
		d.publish(typ)
	}
	return func() { d.unsubscribe(s) }
}

func (d *Dispatcher) unsubscribe(s *subscription) {
	s.once.Do(func() {
		s.cancelled.Store(true)
		d.mu.Lock()
		if s.all {
			d.catchAll = slices.DeleteFunc(d.catchAll, func(x *subscription) bool { return x == s })
			d.publishAll()
		} else {
			subs := slices.DeleteFunc(d.typed[s.typ], func(x *subscription) bool { return x == s })
			if len(subs) == 0 {
				delete(d.typed, s.typ)
			} else {
				d.typed[s.typ] = subs
			}
			d.publish(s.typ)
		}
		d.mu.Unlock()
		if s.done != nil {
			close(s.done)
		}
	})
}

// subTable is the immutable snapshot Dispatch reads.
type subTable struct {
	byType  map[string]*typeEntry
	unknown *typeEntry // names not in byType: only catch-all subscriptions
}

// typeEntry holds the subscriptions of one event name.
type typeEntry struct {
	name     string // "" for the unknown-names entry
	stats    *typeStats
	plain    []*subscription // not narrowed, in subscription order
	narrowed map[topicKey][]*subscription
	indexes  uint8 // which kinds of keys narrowed holds
}

func (t *typeEntry) empty() bool { return len(t.plain) == 0 && len(t.narrowed) == 0 }

// topicKey indexes narrowed subscriptions by their most selective key.
type topicKey struct {
	kind uint8
	id   uint64
}

const (
	indexGuild uint8 = 1 << iota
	indexChannel
	indexUser
)

// entry builds the table entry of one event name from the typed
// subscriptions and the catch-all ones, merged in subscription order.
// Called with mu held.
func (d *Dispatcher) entry(name string, stats *typeStats) *typeEntry {
	ent := &typeEntry{name: name, stats: stats}
	typed := d.typed[name]
	if name == "" && stats == &d.unknown {
		typed = nil
	}
	i, j := 0, 0
	for i < len(typed) || j < len(d.catchAll) {
		var s *subscription
		if j == len(d.catchAll) || (i < len(typed) && typed[i].id < d.catchAll[j].id) {
			s, i = typed[i], i+1
		} else {
			s, j = d.catchAll[j], j+1
		}
		k, ok := s.primaryKey()
		if !ok {
			ent.plain = append(ent.plain, s)
			continue
		}
		if ent.narrowed == nil {
			ent.narrowed = make(map[topicKey][]*subscription)
		}
		ent.narrowed[k] = append(ent.narrowed[k], s)
		ent.indexes |= k.kind
	}
	return ent
}

// publish replaces the entry of one event name. Called with mu held.
func (d *Dispatcher) publish(name string) {
	old := d.table.Load()
	stats := d.stats[name]
	if stats == nil {
		stats = new(typeStats)
		d.stats[name] = stats
	}
	t := &subTable{byType: maps.Clone(old.byType), unknown: old.unknown}
	t.byType[name] = d.entry(name, stats)
	d.table.Store(t)
}

// publishAll rebuilds every entry, after a change of catch-all
// subscriptions. Called with mu held.
func (d *Dispatcher) publishAll() {
	t := &subTable{byType: make(map[string]*typeEntry, len(d.stats))}
	for name, stats := range d.stats {
		t.byType[name] = d.entry(name, stats)
	}
	t.unknown = d.entry("", &d.unknown)
	d.table.Store(t)
}
