package cluster

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// errRewind restarts a partition's durable consumer just after what it
// acknowledged: a message was delivered to this worker but never reached it
// (a fetch that gave up under load), and what came after it must not be
// handled first.
var errRewind = errors.New("cluster: delivery gap; rewinding to the acknowledgement floor")

// consumeDurable consumes one shard from the events stream until told to
// stop, its lease is lost or the worker is killed.
//
// Each shard has durable JetStream consumers named <group>_<shard>_a and
// <group>_<shard>_b, used in turn. A worker that takes a shard over starts a
// new one just after the highest acknowledgement floor of those that exist,
// and only then deletes the others: what the previous worker did not
// acknowledge comes first, in order, and a failure half-way (a timeout under
// load) never loses the floor.
func (c *Consumer) consumeDurable(p *partition, lost <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(c.ctx, c.b.cfg.OpTimeout)
	stream, err := c.js.Stream(ctx, c.b.cfg.StreamName())
	cancel()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNoStream, err)
	}
	c.clearInHand(p.shard)
	var d dedupState
	for {
		err := c.consumeFrom(stream, p, lost, &d)
		if !errors.Is(err, errRewind) {
			return err
		}
		c.rewinds.Add(1)
		c.log.Warn("rewinding partition", "shard", p.shard, "err", err)
		// The parts held come again from the floor.
		d.parts.buf, d.parts.next = nil, 0
	}
}

// openDurable creates this partition's consumer just after the highest
// acknowledgement floor of the shard's consumers, then deletes the others.
func (c *Consumer) openDurable(stream jetstream.Stream, p *partition) (jetstream.Consumer, uint64, error) {
	ctx, cancel := context.WithTimeout(c.ctx, c.b.cfg.OpTimeout)
	defer cancel()
	base := c.cfg.Group + "_" + strconv.Itoa(p.shard)
	// base alone is the name of earlier versions.
	names := []string{base + "_a", base + "_b", base}
	var floor uint64
	found := map[string]uint64{}
	for _, n := range names {
		cons, err := stream.Consumer(ctx, n)
		if errors.Is(err, jetstream.ErrConsumerNotFound) {
			continue
		}
		if err != nil {
			return nil, 0, fmt.Errorf("cluster: read consumer %s: %w", n, err)
		}
		f := cons.CachedInfo().AckFloor.Stream
		found[n] = f
		floor = max(floor, f)
	}
	target := ""
	for _, n := range names[:2] {
		if _, ok := found[n]; !ok {
			target = n
			break
		}
	}
	if target == "" {
		// Both exist (a delete that failed): the one with the lower
		// floor holds nothing the other does not.
		target = names[0]
		if found[names[1]] < found[names[0]] {
			target = names[1]
		}
		if err := stream.DeleteConsumer(ctx, target); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			return nil, 0, fmt.Errorf("cluster: delete consumer %s: %w", target, err)
		}
	}
	// Acknowledging an event acknowledges all before it (AckAll): the
	// parts of an event published in parts are acknowledged at once,
	// with its last one, after the handlers ran. Room for the parts of
	// the biggest event besides a batch.
	maxParts := 1
	if mp := int(c.nc.MaxPayload()) - chunkHeaderRoom; mp > 0 {
		maxParts = c.cfg.MaxEventBytes/mp + 1
	}
	cc := jetstream.ConsumerConfig{
		Durable:       target,
		FilterSubject: c.b.cfg.eventsPrefix() + strconv.Itoa(p.shard) + ".>",
		AckPolicy:     jetstream.AckAllPolicy,
		AckWait:       30 * time.Second,
		MaxAckPending: max(4*c.cfg.FetchBatch, maxParts+c.cfg.FetchBatch),
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
	if floor > 0 {
		cc.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
		cc.OptStartSeq = floor + 1
	}
	cons, err := stream.CreateOrUpdateConsumer(ctx, cc)
	if err != nil {
		return nil, 0, fmt.Errorf("cluster: create consumer %s: %w", target, err)
	}
	for n := range found {
		if n != target {
			if err := stream.DeleteConsumer(ctx, n); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
				c.log.Warn("cannot delete an old consumer; the next takeover will", "consumer", n, "err", err)
			}
		}
	}
	return cons, cc.OptStartSeq, nil
}

// consumeFrom opens the partition's consumer and handles its events in
// order, acknowledging each after its handlers returned.
func (c *Consumer) consumeFrom(stream jetstream.Stream, p *partition, lost <-chan struct{}, d *dedupState) error {
	var cons jetstream.Consumer
	for {
		var start uint64
		var err error
		cons, start, err = c.openDurable(stream, p)
		if err == nil {
			c.log.Info("consuming shard", "shard", p.shard, "start_seq", start)
			break
		}
		if c.ctx.Err() != nil {
			return c.ctx.Err()
		}
		c.log.Warn("cannot open the partition's consumer; retrying", "shard", p.shard, "err", err)
		select {
		case <-p.stop:
			return nil
		case <-lost:
			return ErrLeaseLost
		case <-c.ctx.Done():
			return c.ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	var ev gatewayutil.Event
	var delivered uint64 // the consumer's delivery sequence handled last
	for {
		select {
		case <-p.stop:
			return nil
		case <-lost:
			return ErrLeaseLost
		case <-c.ctx.Done():
			return c.ctx.Err()
		default:
		}
		batch, err := cons.Fetch(c.cfg.FetchBatch, jetstream.FetchMaxWait(250*time.Millisecond))
		if err != nil {
			if c.ctx.Err() != nil {
				return c.ctx.Err()
			}
			time.Sleep(50 * time.Millisecond)
			continue
		}
		for jm := range batch.Messages() {
			if c.killed.Load() {
				return ErrKilled
			}
			md, err := jm.Metadata()
			if err != nil {
				return fmt.Errorf("%w: %w", errRewind, err)
			}
			if md.Sequence.Consumer != delivered+1 || md.NumDelivered > 1 {
				// A delivery this worker never saw: acknowledging
				// what follows would acknowledge it too (AckAll).
				return fmt.Errorf("%w: delivery %d after %d (delivered %d times)", errRewind, md.Sequence.Consumer, delivered, md.NumDelivered)
			}
			delivered = md.Sequence.Consumer
			m := &nats.Msg{Subject: jm.Subject(), Header: nats.Header(jm.Headers()), Data: jm.Data()}
			c.setInHand(p.shard, m, d)
			c.handle(p.shard, m, m.Subject, m.Data, d, &ev)
			if c.killed.Load() {
				return ErrKilled
			}
			if d.parts.holding() {
				// Acknowledged with the event's last part.
				continue
			}
			if err := c.ack(jm, p, lost); err != nil {
				return err
			}
			c.clearInHand(p.shard)
		}
	}
}

// ack acknowledges a handled event (and all before it), confirmed by the
// server, before the next one is handled: a worker that dies after this
// leaves nothing to repeat. A failed acknowledgement is retried for as long
// as this worker holds the partition; giving the partition up instead would
// hand the next worker an event already handled.
func (c *Consumer) ack(jm jetstream.Msg, p *partition, lost <-chan struct{}) error {
	for {
		actx, cancel := context.WithTimeout(c.ctx, c.b.cfg.OpTimeout)
		err := jm.DoubleAck(actx)
		cancel()
		if err == nil {
			return nil
		}
		if c.killed.Load() {
			return ErrKilled
		}
		c.ackRetries.Add(1)
		select {
		case <-lost:
			return ErrLeaseLost
		case <-c.ctx.Done():
			return c.ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// EventPosition identifies one event of a shard.
type EventPosition struct {
	Shard   int
	Session string
	Seq     int64
}

// Unacknowledged returns, after Kill, the events (at most one per shard)
// whose handlers were started and whose acknowledgement had not completed
// when the worker died: the next worker of the shard hands them to its
// handlers again. That repeat is what a worker crash costs in Durable mode
// (a crash can always land between a handler's effect and the
// acknowledgement); nothing else is repeated, nothing is lost.
func (c *Consumer) Unacknowledged() []EventPosition {
	c.inHandMu.Lock()
	defer c.inHandMu.Unlock()
	out := make([]EventPosition, 0, len(c.inHand))
	for _, pos := range c.inHand {
		out = append(out, pos)
	}
	return out
}

// setInHand records the event about to be handled, and counts the events
// of its session the stream no longer had (see ConsumerStats.Missing).
func (c *Consumer) setInHand(shard int, m *nats.Msg, d *dedupState) {
	seq, err := strconv.ParseInt(m.Header.Get(HeaderSeq), 10, 64)
	if err != nil {
		return
	}
	if sess := m.Header.Get(HeaderSession); d.seq > 0 && sess == d.session && seq > d.seq+1 {
		c.missing.Add(seq - d.seq - 1)
	}
	c.inHandMu.Lock()
	if c.inHand == nil {
		c.inHand = map[int]EventPosition{}
	}
	c.inHand[shard] = EventPosition{Shard: shard, Session: m.Header.Get(HeaderSession), Seq: seq}
	c.inHandMu.Unlock()
}

func (c *Consumer) clearInHand(shard int) {
	c.inHandMu.Lock()
	delete(c.inHand, shard)
	c.inHandMu.Unlock()
}
