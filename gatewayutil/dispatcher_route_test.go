package gatewayutil_test

import (
	"context"
	"testing"

	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// A shard reuses one Event for every dispatch, and Dispatch caches where it
// found the event's type in it: the cache must follow subscriptions made
// and cancelled meanwhile, other event types, and other Dispatchers.
func TestDispatchReusedEventFollowsSubscriptions(t *testing.T) {
	d1, d2 := gatewayutil.NewDispatcher(), gatewayutil.NewDispatcher()
	defer closeOK(t, d1)
	defer closeOK(t, d2)
	var a, b, c, other int
	e := &gatewayutil.Event{Type: event.MessageCreate, Data: []byte(`{}`)}
	dispatch := func(d *gatewayutil.Dispatcher, typ string) {
		e.Type = typ
		if err := d.Dispatch(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	dispatch(d1, event.MessageCreate) // nobody yet
	cancelA := d1.Subscribe(event.MessageCreate, func(context.Context, *gatewayutil.Event) { a++ })
	dispatch(d1, event.MessageCreate)
	d1.Subscribe(event.TypingStart, func(context.Context, *gatewayutil.Event) { other++ })
	dispatch(d1, event.TypingStart)
	dispatch(d1, event.MessageCreate)
	d2.Subscribe(event.MessageCreate, func(context.Context, *gatewayutil.Event) { b++ })
	dispatch(d2, event.MessageCreate)
	dispatch(d1, event.MessageCreate)
	cancelA()
	dispatch(d1, event.MessageCreate)
	d1.Subscribe("SOME_FUTURE_EVENT", func(context.Context, *gatewayutil.Event) { c++ })
	dispatch(d1, "SOME_FUTURE_EVENT")
	dispatch(d1, "ANOTHER_FUTURE_EVENT")
	dispatch(d1, "SOME_FUTURE_EVENT")
	if a != 3 || b != 1 || c != 2 || other != 1 {
		t.Errorf("deliveries a=%d (want 3) b=%d (want 1) c=%d (want 2) other=%d (want 1)", a, b, c, other)
	}
	if got := d1.Stats().Events[event.MessageCreate].Received; got != 5 {
		t.Errorf("d1 received %d MESSAGE_CREATE, want 5", got)
	}
}
