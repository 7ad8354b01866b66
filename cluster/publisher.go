package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// EventMode chooses how events travel from the shard's owner to consumers.
type EventMode int

const (
	// Live publishes on core NATS: lowest latency, at most once, and only
	// the event types some consumer announced interest in.
	Live EventMode = iota
	// Durable publishes every event into a JetStream stream bounded by
	// MaxAge and MaxBytes, deduplicated by Nats-Msg-Id.
	Durable
)

// Defaults of PublisherConfig.
const (
	DefaultStreamMaxAge     = time.Hour
	DefaultStreamMaxBytes   = 1 << 30
	DefaultStreamDuplicates = 2 * time.Minute
)

// PublisherConfig configures a Publisher.
type PublisherConfig struct {
	// Mode is Live (default) or Durable.
	Mode EventMode
	// StreamMaxAge bounds how long the durable stream keeps an event.
	// Default DefaultStreamMaxAge.
	StreamMaxAge time.Duration
	// StreamMaxBytes bounds the durable stream's size; the oldest events
	// are dropped first. Default DefaultStreamMaxBytes.
	StreamMaxBytes int64
	// StreamDuplicates is the stream's deduplication window: a dispatch
	// replayed after a resume or a takeover within it is stored once.
	// Default DefaultStreamDuplicates.
	StreamDuplicates time.Duration
	// Logger receives the publisher's logs. Default: discard.
	Logger *slog.Logger
}

// PublisherStats counts what a Publisher did.
type PublisherStats struct {
	// Published counts events handed to NATS.
	Published int64
	// Skipped counts live events nobody had asked for (not sent).
	Skipped int64
	// Failed counts events NATS refused (connection closed, bad type).
	Failed int64
	// Chunked counts the events published in parts because they were
	// bigger than the server's max_payload (also counted in Published).
	Chunked int64
	// Rejected counts durable messages the stream answered with an error
	// (not stored).
	Rejected int64
	// Unconfirmed counts durable messages the stream never acknowledged
	// (lost with a connection that dropped, or dropped by a server whose
	// ingest queue overflowed): they may be missing from the stream.
	Unconfirmed int64
	// WindowWaits counts the times a shard's reader waited for the stream
	// to acknowledge (the acknowledgement window was full).
	WindowWaits int64
	// Unavailable counts durable messages the stream was not there to
	// store (a 503: NATS restarting, a stream not recovered yet or
	// deleted). None is lost: the first message after a (re)connect is
	// published again until stored, and a later one breaks the shard
	// (Resumes), so the gateway replays it.
	Unavailable int64
	// Resumes counts shards stopped to resume from their stored session
	// because messages in flight may be missing from the stream: not
	// confirmed when NATS reconnected, never acknowledged, or answered
	// "unavailable". The stored sequence number stays before the first of
	// them, so the gateway replays them in order.
	Resumes int64
	// Replayed counts live events the gateway replayed after a resume
	// that this node had already handed to NATS (or, after a takeover,
	// that the stored session says the previous owner had): not sent
	// again, so a live consumer never sees them twice.
	Replayed int64
}

// Publisher publishes the dispatches of the shards of a node on NATS. Give
// it to NodeConfig.Events: the node puts a ShardPublisher (ForShard) in front
// of each shard's sink.
type Publisher struct {
	cfg    PublisherConfig
	b      *Buckets
	nc     *nats.Conn
	log    *slog.Logger
	prefix string

	// interest is the set of event types some live consumer wants.
	interest atomic.Pointer[map[string]struct{}]
	watcher  jetstream.KeyWatcher
	done     chan struct{}
	// known is closed once the interest announced so far is read.
	known chan struct{}

	published, skipped, failed, chunked atomic.Int64
	rejected, unconfirmed, windowWaits  atomic.Int64
	resumes, replayed, unavailable      atomic.Int64

	acks *ackRouter // Durable: the stream's acknowledgements
}

// NewPublisher creates the events stream (Durable) or starts following the
// consumers' interest (Live). Close it when done.
func NewPublisher(ctx context.Context, b *Buckets, nc *nats.Conn, cfg PublisherConfig) (*Publisher, error) {
	if cfg.StreamMaxAge <= 0 {
		cfg.StreamMaxAge = DefaultStreamMaxAge
	}
	if cfg.StreamMaxBytes <= 0 {
		cfg.StreamMaxBytes = DefaultStreamMaxBytes
	}
	if cfg.StreamDuplicates <= 0 {
		cfg.StreamDuplicates = DefaultStreamDuplicates
	}
	if cfg.StreamDuplicates > cfg.StreamMaxAge {
		return nil, fmt.Errorf("%w: StreamDuplicates %v exceeds StreamMaxAge %v", ErrConfig, cfg.StreamDuplicates, cfg.StreamMaxAge)
	}
	p := &Publisher{cfg: cfg, b: b, nc: nc, log: cfg.Logger, prefix: b.cfg.eventsPrefix(), done: make(chan struct{}), known: make(chan struct{})}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	empty := map[string]struct{}{}
	p.interest.Store(&empty)
	if cfg.Mode == Durable {
		_, err := b.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
			Name:       b.cfg.StreamName(),
			Subjects:   []string{p.prefix + ">"},
			Retention:  jetstream.LimitsPolicy,
			Discard:    jetstream.DiscardOld,
			MaxAge:     cfg.StreamMaxAge,
			MaxBytes:   cfg.StreamMaxBytes,
			Duplicates: cfg.StreamDuplicates,
			Storage:    b.cfg.Storage,
			Replicas:   b.cfg.Replicas,
		})
		if err != nil {
			return nil, fmt.Errorf("cluster: create events stream: %w", err)
		}
		if err := p.startAcks(); err != nil {
			return nil, fmt.Errorf("cluster: subscribe to the stream's acknowledgements: %w", err)
		}
		close(p.done)
		return p, nil
	}
	kv, err := b.openInterest(ctx)
	if err != nil {
		return nil, err
	}
	// The watch lives as long as the publisher, not as ctx.
	w, err := kv.Watch(context.WithoutCancel(ctx), b.cfg.App+".>", jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("cluster: watch interest: %w", err)
	}
	p.watcher = w
	go p.follow(w, kv)
	// Not before the interest is known: the first events would otherwise
	// be skipped as unwanted.
	select {
	case <-p.known:
	case <-p.done:
		return nil, fmt.Errorf("cluster: watch interest: stopped before the first values")
	case <-ctx.Done():
		_ = p.Close()
		return nil, fmt.Errorf("cluster: read interest: %w", ctx.Err())
	}
	return p, nil
}

// follow keeps the interest set up to date. Deletions and expirations are
// picked up by a periodic re-read (a 2.9 server sends no watch event when
// a key expires).
func (p *Publisher) follow(w jetstream.KeyWatcher, kv jetstream.KeyValue) {
	defer close(p.done)
	byKey := map[string][]string{}
	rebuild := func() {
		set := map[string]struct{}{}
		for _, ts := range byKey {
			for _, t := range ts {
				set[t] = struct{}{}
			}
		}
		p.interest.Store(&set)
	}
	reread := time.NewTicker(p.b.cfg.MemberTTL / 3)
	defer reread.Stop()
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return
			}
			if e == nil { // initial values done
				rebuild()
				select {
				case <-p.known:
				default:
					close(p.known)
				}
				continue
			}
			var v interestValue
			if json.Unmarshal(e.Value(), &v) != nil {
				continue
			}
			byKey[e.Key()] = v.Types
			rebuild()
		case <-reread.C:
			ctx, cancel := context.WithTimeout(context.Background(), p.b.cfg.OpTimeout)
			keys, err := kv.Keys(ctx)
			cancel()
			if err != nil && !isNotFound(err) && err != jetstream.ErrNoKeysFound {
				continue
			}
			live := make(map[string]bool, len(keys))
			for _, k := range keys {
				live[k] = true
			}
			changed := false
			for k := range byKey {
				if !live[k] {
					delete(byKey, k)
					changed = true
				}
			}
			if changed {
				rebuild()
			}
		}
	}
}

// Wants reports whether a live consumer asked for an event type (always true
// in Durable mode).
func (p *Publisher) Wants(eventType string) bool {
	if p.cfg.Mode == Durable {
		return true
	}
	_, ok := (*p.interest.Load())[eventType]
	return ok
}

// Mode returns the publisher's mode.
func (p *Publisher) Mode() EventMode { return p.cfg.Mode }

// Stats returns the publisher's counters.
func (p *Publisher) Stats() PublisherStats {
	return PublisherStats{Published: p.published.Load(), Skipped: p.skipped.Load(), Failed: p.failed.Load(), Chunked: p.chunked.Load(),
		Rejected: p.rejected.Load(), Unconfirmed: p.unconfirmed.Load(), WindowWaits: p.windowWaits.Load(), Resumes: p.resumes.Load(),
		Replayed: p.replayed.Load(), Unavailable: p.unavailable.Load()}
}

// Close stops following interest.
func (p *Publisher) Close() error {
	if p.watcher != nil {
		_ = p.watcher.Stop()
	}
	if p.acks != nil {
		_ = p.acks.sub.Unsubscribe()
	}
	<-p.done
	return nil
}

// ForShard returns the EventSink that publishes one shard's dispatches. It
// is used from the shard's read goroutine only (one event at a time), which
// lets it reuse its message and header for every event.
func (p *Publisher) ForShard(shard int) *ShardPublisher {
	sp := &ShardPublisher{p: p, shard: shard, shardStr: strconv.Itoa(shard)}
	sp.subjPrefix = p.prefix + sp.shardStr + "."
	sp.hdr = nats.Header{
		HeaderShard:   {sp.shardStr},
		HeaderSession: {""},
		HeaderSeq:     {""},
		HeaderSentAt:  {""},
		nats.MsgIdHdr: {""},
	}
	sp.guildVal = []string{""}
	sp.msg = &nats.Msg{Header: sp.hdr}
	sp.subjects = make(map[string]string)
	if p.acks != nil {
		p.acks.register(sp)
	}
	return sp
}

// ShardPublisher is the EventSink of one shard (see Publisher.ForShard).
type ShardPublisher struct {
	p          *Publisher
	shard      int
	shardStr   string
	subjPrefix string

	session atomic.Pointer[string]
	// sent is the last (session, seq) handed to NATS.
	sent atomic.Pointer[sentMark]

	// Reused for every event, from the shard's read goroutine.
	msg      *nats.Msg
	hdr      nats.Header
	guildVal []string
	subjects map[string]string // event type -> subject, bounded
	buf      [128]byte

	// Durable: the stream's acknowledgements (publisher_acks.go).
	ackGen     uint64
	ackSignal  chan struct{}
	ackSent    atomic.Uint64 // messages sent asking for an acknowledgement
	ackNext    atomic.Uint64 // the counter of the next acknowledgement due
	confirmed  atomic.Pointer[sentMark]
	replyBuf   [192]byte
	reconnects uint64        // the connection's reconnect count last seen
	broken     chan struct{} // closed when the shard must resume from its stored session
	brokenOnce sync.Once
	// hole is set once a message may be missing from the stream: the
	// confirmed sequence number stays before it for good.
	hole atomic.Bool
	// probe (reader only): the next message waits for its acknowledgement
	// before anything follows it (see awaitProbe); probing is set while
	// it does, and probeRefused tells the reader the stream was
	// unavailable for it.
	probe        bool
	probing      atomic.Bool
	probeRefused atomic.Bool
	live         liveOrder // Live mode only
}

// SetSession records the shard's session; the node calls it from the
// shard's OnSession, which runs before READY is dispatched.
func (sp *ShardPublisher) SetSession(s gateway.Session) {
	id := s.ID
	sp.session.Store(&id)
}

// startFrom starts a shard that resumes s, stored by its previous owner: the
// events up to s.Seq were published and confirmed by that owner, so a
// session written before this owner publishes anything keeps s.Seq.
func (sp *ShardPublisher) startFrom(s gateway.Session) {
	sp.SetSession(s)
	if !s.Resumable() {
		return
	}
	sp.mark(s.ID, s.Seq)
	c := &sentMark{session: s.ID}
	c.seq.Store(s.Seq)
	sp.confirmed.Store(c)
}

// maxSubjects bounds the per-shard subject cache (event types are a small
// set; an unknown flood of names only costs the cache misses).
const maxSubjects = 256

// Dispatch implements gatewayutil.EventSink.
func (sp *ShardPublisher) Dispatch(ctx context.Context, e *gatewayutil.Event) error {
	p := sp.p
	if p.cfg.Mode == Live && sp.live.replayed(sp, e) {
		p.replayed.Add(1)
		return nil
	}
	if !p.Wants(e.Type) {
		p.skipped.Add(1)
		sp.markCurrent(e.Seq)
		return nil
	}
	subj, ok := sp.subjects[e.Type]
	if !ok {
		if !validEventType(e.Type) {
			p.failed.Add(1)
			sp.markCurrent(e.Seq) // never publishable: not worth a replay
			return fmt.Errorf("cluster: event type %q cannot be a subject token", e.Type)
		}
		subj = sp.subjPrefix + e.Type
		if len(sp.subjects) < maxSubjects {
			sp.subjects[e.Type] = subj
		}
	}
	sess := ""
	if s := sp.session.Load(); s != nil {
		sess = *s
	}
	// The header values are views of buf: nats.go encodes the header
	// into its own buffer during PublishMsg and keeps nothing.
	b := sp.buf[:0]
	b = append(b, sp.shardStr...)
	b = append(b, '.')
	b = append(b, sess...)
	b = append(b, '.')
	idStart := 0
	seqStart := len(b)
	b = strconv.AppendInt(b, e.Seq, 10)
	seqEnd := len(b)
	atStart := len(b)
	b = strconv.AppendInt(b, time.Now().UnixNano(), 10)
	atEnd := len(b)
	var guild uint64
	if e.Type != "READY" {
		guild = e.GuildID()
	}
	gStart := len(b)
	if guild != 0 {
		b = strconv.AppendUint(b, guild, 10)
	}
	gEnd := len(b)
	pStart := len(b)
	prev, prevKnown := sp.live.prevFor(sess)
	if prevKnown {
		b = strconv.AppendInt(b, prev, 10)
	}
	pEnd := len(b)
	str := unsafe.String(unsafe.SliceData(b), len(b))
	sp.hdr[nats.MsgIdHdr][0] = str[idStart:seqEnd]
	sp.hdr[HeaderSession][0] = sess
	sp.hdr[HeaderSeq][0] = str[seqStart:seqEnd]
	sp.hdr[HeaderSentAt][0] = str[atStart:atEnd]
	if guild != 0 {
		sp.guildVal[0] = str[gStart:gEnd]
		sp.hdr[HeaderGuild] = sp.guildVal
	} else {
		delete(sp.hdr, HeaderGuild)
	}
	if p.cfg.Mode == Live {
		sp.live.setHeaders(sp.hdr, str[pStart:pEnd], prevKnown)
		sp.live.attempted(sess, e.Seq)
	}
	sp.msg.Subject = subj
	sp.msg.Data = e.Data
	var err error
	if size := p.chunkSize(); size > 0 && len(e.Data) > size {
		// Over the server's max_payload: in parts, joined by the
		// consumer (a GUILD_CREATE or GUILD_MEMBERS_CHUNK of a big
		// guild can be several MiB).
		p.chunked.Add(1)
		err = sp.publishChunks(ctx, e.Data, size, sess, e.Seq)
	} else {
		err = sp.publish(ctx, sess, e.Seq)
	}
	sp.msg.Data = nil
	if err != nil {
		p.failed.Add(1)
		if p.cfg.Mode == Live {
			// At most once: a lost live event is not replayed.
			sp.mark(sess, e.Seq)
		}
		return fmt.Errorf("cluster: publish event: %w", err)
	}
	p.published.Add(1)
	sp.mark(sess, e.Seq)
	return nil
}

// sentMark is the last event of a session handed to NATS.
type sentMark struct {
	session string
	seq     atomic.Int64
}

func (sp *ShardPublisher) markCurrent(seq int64) {
	sess := ""
	if s := sp.session.Load(); s != nil {
		sess = *s
	}
	sp.mark(sess, seq)
}

func (sp *ShardPublisher) mark(session string, seq int64) {
	if m := sp.sent.Load(); m != nil && m.session == session {
		m.seq.Store(seq)
		return
	}
	m := &sentMark{session: session}
	m.seq.Store(seq)
	sp.sent.Store(m)
}

// confirm lowers s.Seq to the last event of s's session that NATS has
// received (a round trip flushes what is buffered), so a stored session
// never claims an event that was not published.
func (sp *ShardPublisher) confirm(timeout time.Duration, s *gateway.Session) error {
	if sp.p.acks != nil {
		// Durable: what the stream acknowledged, not merely what the
		// server received.
		sp.confirmStored(timeout, s)
		return nil
	}
	m := sp.sent.Load()
	var seq int64
	if m != nil && m.session == s.ID {
		seq = m.seq.Load()
	}
	if seq < s.Seq {
		s.Seq = seq
	}
	if err := sp.p.nc.FlushTimeout(timeout); err != nil {
		return fmt.Errorf("cluster: confirm events published: %w", err)
	}
	return nil
}

// retry publishes the prepared message again until NATS takes it, the
// connection is closed for good, or ctx (the shard's connection) ends. In
// Durable mode a NATS outage so holds the shard's reader: the socket stops
// being read (backpressure on Discord) instead of events being lost.
func (sp *ShardPublisher) retry(ctx context.Context) error {
	t := time.NewTimer(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if sp.p.nc.IsClosed() {
			return nats.ErrConnectionClosed
		}
		if sp.p.acks != nil && sp.p.nc.IsConnected() {
			// Back: what was in flight when the connection dropped
			// must be confirmed before anything newer goes out.
			if err := sp.checkReconnect(ctx); err != nil {
				return err
			}
		}
		err := sp.p.nc.PublishMsg(sp.msg)
		if err == nil {
			return nil
		}
		t.Reset(50 * time.Millisecond)
	}
}

// teeSink sends every event to the publisher, then to the node's own sink.
type teeSink struct {
	pub  *ShardPublisher
	next gatewayutil.EventSink
}

// Dispatch implements gatewayutil.EventSink.
func (t teeSink) Dispatch(ctx context.Context, e *gatewayutil.Event) error {
	err := t.pub.Dispatch(ctx, e)
	if t.next != nil {
		if nerr := t.next.Dispatch(ctx, e); nerr != nil && err == nil {
			err = nerr
		}
	}
	return err
}
