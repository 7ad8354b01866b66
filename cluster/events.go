package cluster

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// Headers of a published event.
const (
	HeaderShard   = "Gateway-Shard"
	HeaderSession = "Gateway-Session"
	HeaderSeq     = "Gateway-Seq"
	HeaderGuild   = "Gateway-Guild"
	// HeaderSentAt is when the owner's shard read the event (Unix
	// nanoseconds), for end-to-end latency.
	HeaderSentAt = "Gateway-Read-At"
	// HeaderEpoch is the revision of the publishing node's lease on the
	// shard: a later owner always has a higher one, so a consumer drops
	// what a stale owner still sends after it saw the new owner's.
	HeaderEpoch = "Gateway-Epoch"
	// HeaderPrev is the seq of the previous event of the session that this
	// owner meant to publish (0 after READY), absent when it cannot know
	// (the first events after a takeover): a consumer that handled another
	// seq last knows it missed an event.
	HeaderPrev = "Gateway-Prev"
	// HeaderReplay marks a live event that a previous owner of the shard
	// may already have published: one replayed by the gateway after a
	// takeover, before RESUMED. A consumer that has not followed the
	// session drops it rather than risk a duplicate.
	HeaderReplay = "Gateway-Replay"
)

// ErrNoStream: durable consumption needs the events stream, which a durable
// Publisher creates.
var ErrNoStream = errors.New("cluster: events stream not found")

// eventsPrefix is "<prefix>.<app>.ev.".
func (c Config) eventsPrefix() string { return c.Prefix + "." + c.App + ".ev." }

// EventSubject is the subject one event of a shard is published on:
// <prefix>.<app>.ev.<shard>.<type>.
func (c Config) EventSubject(shard int, eventType string) string {
	return c.eventsPrefix() + strconv.Itoa(shard) + "." + eventType
}

// StreamName is the name of the durable events stream: <PREFIX>_<app>_events.
func (c Config) StreamName() string { return c.Prefix + "_" + c.App + "_events" }

// validEventType reports whether t can be the last token of a subject.
func validEventType(t string) bool {
	return t != "" && !strings.ContainsAny(t, ". *>\t\r\n")
}

// openInterest opens the bucket where consumers announce the event types they
// want (key <app>.<group>.<instance>, value a JSON interest), with the
// members' TTL: a consumer that dies stops asking after it.
func (b *Buckets) openInterest(ctx context.Context) (jetstream.KeyValue, error) {
	return openBucket(ctx, b.js, jetstream.KeyValueConfig{
		Bucket:   b.cfg.bucket("interest"),
		History:  1,
		TTL:      b.cfg.MemberTTL,
		Storage:  b.cfg.Storage,
		Replicas: b.cfg.Replicas,
	})
}

// interestValue is what a consumer announces.
type interestValue struct {
	Group    string   `json:"group"`
	Instance string   `json:"instance"`
	Capacity int      `json:"capacity"`
	Types    []string `json:"types"`
}
