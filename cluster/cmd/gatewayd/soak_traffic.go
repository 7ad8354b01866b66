package main

import (
	"bytes"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// trafficBuckets are the KV buckets the tap tells apart.
var trafficBuckets = []string{"leases", "sessions", "members", "identify", "meta"}

// bucketTraffic is what the tap saw of one bucket.
type bucketTraffic struct {
	Msgs  int64 // messages, each counted once as it crossed the server
	Bytes int64 // their headers and payload (as the server counts bytes)
}

// trafficTap subscribes to every subject and attributes each message to
// the KV bucket it concerns (by the bucket's stream name in its subject,
// reply subject, Nats-Stream header or the start of its payload: writes,
// their acknowledgements, direct gets and their answers, consumer API
// calls and deliveries), or to "other". It measures the cluster's NATS
// traffic per bucket for -traffic; its own deliveries are added to the
// server's counters, so the soak subtracts them from the totals.
type trafficTap struct {
	sub   *nats.Subscription
	names [][]byte // stream names, KV_<prefix>_<bucket>, as trafficBuckets

	mu     sync.Mutex
	counts map[string]bucketTraffic
	self   bucketTraffic // everything the tap received
}

// newTrafficTap starts counting on nc.
func newTrafficTap(nc *nats.Conn, prefix string) (*trafficTap, error) {
	t := &trafficTap{counts: map[string]bucketTraffic{}}
	for _, b := range trafficBuckets {
		t.names = append(t.names, []byte("KV_"+prefix+"_"+b))
	}
	sub, err := nc.Subscribe(">", t.count)
	if err != nil {
		return nil, err
	}
	// The tap must never be the bottleneck nor drop: no pending limits.
	if err := sub.SetPendingLimits(-1, -1); err != nil {
		_ = sub.Unsubscribe()
		return nil, err
	}
	t.sub = sub
	return t, nil
}

func (t *trafficTap) count(m *nats.Msg) {
	size := int64(m.Size() - len(m.Subject) - len(m.Reply))
	bucket := t.classify(m)
	t.mu.Lock()
	c := t.counts[bucket]
	c.Msgs++
	c.Bytes += size
	t.counts[bucket] = c
	t.self.Msgs++
	t.self.Bytes += size
	t.mu.Unlock()
}

// classify names the bucket a message concerns.
func (t *trafficTap) classify(m *nats.Msg) string {
	head := m.Data[:min(len(m.Data), 160)]
	stream := m.Header.Get("Nats-Stream")
	for i, name := range t.names {
		// KV subjects are $KV.<bucket>.<key>: match the bucket name
		// without its KV_ too.
		if bytes.Contains([]byte(m.Subject), name) || bytes.Contains([]byte(m.Subject), name[3:]) ||
			bytes.Contains([]byte(m.Reply), name) || stream == string(name) || bytes.Contains(head, name) {
			return trafficBuckets[i]
		}
	}
	return "other"
}

// snapshot returns the counts so far and what the tap itself received.
func (t *trafficTap) snapshot() (map[string]bucketTraffic, bucketTraffic) {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]bucketTraffic, len(t.counts))
	for k, v := range t.counts {
		out[k] = v
	}
	return out, t.self
}

func (t *trafficTap) stop() { _ = t.sub.Unsubscribe() }

// trafficRate is one bucket's traffic per shard per minute.
type trafficRate struct {
	Msgs  float64 `json:"msgs"`
	Bytes float64 `json:"bytes"`
}

// trafficRates turns two snapshots taken d apart into rates per shard per
// minute.
func trafficRates(before, after map[string]bucketTraffic, shards int, d time.Duration) map[string]trafficRate {
	out := map[string]trafficRate{}
	perShardMin := float64(shards) * d.Minutes()
	if perShardMin <= 0 {
		return out
	}
	for k, a := range after {
		b := before[k]
		out[k] = trafficRate{Msgs: float64(a.Msgs-b.Msgs) / perShardMin, Bytes: float64(a.Bytes-b.Bytes) / perShardMin}
	}
	return out
}
