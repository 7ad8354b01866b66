package gatewayutil_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// benchMessage is a MESSAGE_CREATE of a realistic size (about 700 bytes).
func benchMessage(guild uint64) []byte {
	return fmt.Appendf(nil, `{"type":0,"tts":false,"timestamp":"2017-07-11T17:27:07.299000+00:00","pinned":false,`+
		`"mentions":[],"mention_roles":[],"mention_everyone":false,"member":{"roles":["41771983423143936"],"mute":false,`+
		`"joined_at":"2015-04-26T06:26:56.936000+00:00","deaf":false},"id":"334385199974967042","flags":0,"embeds":[],`+
		`"edited_timestamp":null,"content":"Supa Hot","components":[],"channel_type":0,"channel_id":"290926798999357250",`+
		`"author":{"username":"Mason","public_flags":0,"id":"53908099506183680","global_name":"Mason","discriminator":"0",`+
		`"avatar":"a_bab14f271d565501444b2ca3be944b25"},"attachments":[],"guild_id":"%d","reactions":[{"count":1,`+
		`"count_details":{"burst":0,"normal":1},"me":false,"me_burst":false,"emoji":{"id":null,"name":"fire"},"burst_colors":[]}]}`, guild)
}

func benchDispatch(b *testing.B, d *gatewayutil.Dispatcher, events []*gatewayutil.Event) {
	b.Helper()
	ctx := context.Background()
	b.SetBytes(int64(len(events[0].Data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := d.Dispatch(ctx, events[i%len(events)]); err != nil {
			b.Fatal(err)
		}
	}
}

// An event nobody subscribed to: counted, nothing else.
func BenchmarkDispatchNoSubscriber(b *testing.B) {
	d := gatewayutil.NewDispatcher()
	defer d.Close(context.Background())
	d.Subscribe(event.GuildCreate, func(ctx context.Context, e *gatewayutil.Event) {})
	d.Subscribe(event.TypingStart, func(ctx context.Context, e *gatewayutil.Event) {}, gatewayutil.InGuild(1))
	benchDispatch(b, d, []*gatewayutil.Event{{Type: event.MessageCreate, Data: benchMessage(1)}})
}

// One inline handler that reads the raw data.
func BenchmarkDispatchInlineRaw(b *testing.B) {
	d := gatewayutil.NewDispatcher()
	defer d.Close(context.Background())
	var n int
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) { n += len(e.Data) })
	benchDispatch(b, d, []*gatewayutil.Event{{Type: event.MessageCreate, Data: benchMessage(1)}})
	if n == 0 {
		b.Fatal("handler not called")
	}
}

// BenchmarkDispatchInlineRaw with handler timing: what the clock costs.
func BenchmarkDispatchInlineRawTimed(b *testing.B) {
	d := gatewayutil.NewDispatcher(gatewayutil.HandlerTiming(true))
	defer d.Close(context.Background())
	var n int
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) { n += len(e.Data) })
	benchDispatch(b, d, []*gatewayutil.Event{{Type: event.MessageCreate, Data: benchMessage(1)}})
	if n == 0 {
		b.Fatal("handler not called")
	}
}

// A thousand inline subscriptions, each narrowed to its own guild; events
// spread over those guilds, so each finds exactly one handler: the cost of
// reading guild_id and one index lookup.
func BenchmarkDispatchInlineNarrowedByGuild(b *testing.B) {
	d := gatewayutil.NewDispatcher()
	defer d.Close(context.Background())
	const guilds = 1000
	var n int
	events := make([]*gatewayutil.Event, guilds)
	for g := range uint64(guilds) {
		id := 41771983423143937 + g<<22
		d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) { n++ }, gatewayutil.InGuild(id))
		events[g] = &gatewayutil.Event{Type: event.MessageCreate, Data: benchMessage(id)}
	}
	benchDispatch(b, d, events)
	if n == 0 {
		b.Fatal("handler not called")
	}
}

// A PerGuild subscription with a trivial handler, events over 100 guilds,
// through the default lanes: the cost of the copy and the hand-off, and
// the throughput of the pool (Close, which waits for the last delivery,
// is timed).
func BenchmarkDispatchPerGuild(b *testing.B) {
	d := gatewayutil.NewDispatcher()
	var n atomic.Int64
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) { n.Add(int64(len(e.Data))) },
		gatewayutil.Deliver(gatewayutil.PerGuild))
	events := make([]*gatewayutil.Event, 100)
	for g := range uint64(len(events)) {
		events[g] = &gatewayutil.Event{Type: event.MessageCreate, Data: benchMessage(41771983423143937 + g<<22)}
	}
	benchDispatch(b, d, events)
	if err := d.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
	if st := d.Stats().Events[event.MessageCreate]; st.Delivered != st.Received {
		b.Fatalf("delivered %d of %d", st.Delivered, st.Received)
	}
}

// The Goroutine mode with a trivial handler.
func BenchmarkDispatchGoroutine(b *testing.B) {
	d := gatewayutil.NewDispatcher()
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) {},
		gatewayutil.Deliver(gatewayutil.Goroutine), gatewayutil.QueueSize(1024))
	benchDispatch(b, d, []*gatewayutil.Event{{Type: event.MessageCreate, Data: benchMessage(1)}})
	if err := d.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// Four shards dispatching at once to one inline handler each: what the
// shared counters cost under contention.
func BenchmarkDispatchInlineRawParallel(b *testing.B) {
	d := gatewayutil.NewDispatcher()
	defer d.Close(context.Background())
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) {})
	data := benchMessage(1)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		e := &gatewayutil.Event{Type: event.MessageCreate, Data: data}
		for pb.Next() {
			_ = d.Dispatch(context.Background(), e)
		}
	})
}

// Reading the three topic keys of a message.
func BenchmarkEventTopicKeys(b *testing.B) {
	data := benchMessage(41771983423143937)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	e := &gatewayutil.Event{Type: event.MessageCreate}
	for b.Loop() {
		*e = gatewayutil.Event{Type: event.MessageCreate, Data: data}
		if e.GuildID() == 0 || e.ChannelID() == 0 || e.UserID() == 0 {
			b.Fatal("missing keys")
		}
	}
}
