package cluster

import (
	"context"
	"testing"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/nats-io/nats.go"
)

// benchPublish publishes b.N MESSAGE_CREATE events of one shard through a
// real NATS server on 127.0.0.1 and reports events/s and allocations per
// event (the publish path: headers, dedup id, subject).
func benchPublish(b *testing.B, mode EventMode) {
	srv := startNATS(b)
	cfg := eventsConfig()
	nc := connectNATS(b, srv.URL(), "bench")
	bk := openBuckets(b, nc, cfg)
	pub, err := NewPublisher(context.Background(), bk, nc, PublisherConfig{Mode: mode, StreamMaxBytes: 128 << 20})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = pub.Close() }()
	if mode == Live {
		// A subscriber that wants the type, as a consumer would.
		sub := connectNATS(b, srv.URL(), "sink")
		s, err := sub.Subscribe(cfg.eventsPrefix()+">", func(*nats.Msg) {})
		if err != nil {
			b.Fatal(err)
		}
		_ = s.SetPendingLimits(-1, -1)
		interest := gatewayutil.NewDispatcher()
		c, err := NewConsumer(context.Background(), openBuckets(b, sub, cfg), sub, ConsumerConfig{Group: "bench", Instance: "w", ShardCount: 1, Dispatcher: interest})
		if err != nil {
			b.Fatal(err)
		}
		if err := c.SetTypes(context.Background(), "MESSAGE_CREATE"); err != nil {
			b.Fatal(err)
		}
		eventually(b, 5*time.Second, "interest", func() bool { return pub.Wants("MESSAGE_CREATE") })
	}
	sp := pub.ForShard(0)
	sp.SetSession(gateway.Session{ID: "0123456789abcdef0123456789abcdef"})
	e := &gatewayutil.Event{Shard: 0, Type: "MESSAGE_CREATE", Data: messageData(99<<22, 1)}
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(int64(len(e.Data)))
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		e.Seq = int64(i + 1)
		if err := sp.Dispatch(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
	if err := nc.Flush(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

func BenchmarkPublishLive(b *testing.B)    { benchPublish(b, Live) }
func BenchmarkPublishDurable(b *testing.B) { benchPublish(b, Durable) }

// BenchmarkDispatcherInProcess is the baseline: the same event to one
// inline handler of a local Dispatcher.
func BenchmarkDispatcherInProcess(b *testing.B) {
	d := gatewayutil.NewDispatcher()
	n := 0
	d.Subscribe("MESSAGE_CREATE", func(context.Context, *gatewayutil.Event) { n++ })
	e := &gatewayutil.Event{Shard: 0, Type: "MESSAGE_CREATE", Data: messageData(99<<22, 1)}
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(int64(len(e.Data)))
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		e.Seq = int64(i + 1)
		_ = d.Dispatch(ctx, e)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}
