package cluster

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Buckets are the KV buckets of one bot, opened by Open. Every component of
// the package takes a *Buckets.
type Buckets struct {
	cfg      Config
	js       jetstream.JetStream
	identify jetstream.KeyValue
	meta     jetstream.KeyValue
	members  jetstream.KeyValue
	leases   jetstream.KeyValue
	sessions jetstream.KeyValue
}

// Open creates the bot's buckets, or binds to them if they exist with the
// same settings, on js.
func Open(ctx context.Context, js jetstream.JetStream, cfg Config) (*Buckets, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	b := &Buckets{cfg: cfg, js: js}
	for _, spec := range []struct {
		kv   *jetstream.KeyValue
		name string
		ttl  time.Duration
	}{
		{&b.identify, "identify", cfg.IdentifyWindow + cfg.IdentifyMargin},
		{&b.meta, "meta", 0},
		{&b.members, "members", cfg.MemberTTL},
		{&b.leases, "leases", cfg.LeaseTTL},
		{&b.sessions, "sessions", cfg.SessionTTL},
	} {
		kc := jetstream.KeyValueConfig{
			Bucket:   cfg.bucket(spec.name),
			History:  1,
			Storage:  cfg.Storage,
			Replicas: cfg.Replicas,
		}
		kc.TTL = spec.ttl
		kv, err := openBucket(ctx, js, kc)
		if err != nil {
			return nil, err
		}
		*spec.kv = kv
	}
	return b, nil
}

func openBucket(ctx context.Context, js jetstream.JetStream, kc jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, kc)
	if err == nil {
		return kv, nil
	}
	// Another process may have created it at the same moment, or the
	// account may not allow updates: bind to what is there.
	kv, err2 := js.KeyValue(ctx, kc.Bucket)
	if err2 != nil {
		return nil, fmt.Errorf("cluster: open bucket %s: %w", kc.Bucket, err)
	}
	return kv, nil
}

// Config returns the configuration in effect, defaults filled in.
func (b *Buckets) Config() Config { return b.cfg }
