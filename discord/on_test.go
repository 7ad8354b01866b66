package discord_test

import (
	"context"
	"testing"

	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// TestOnDeliversTypedPayload checks that gatewayutil.On hands a handler a
// *discord.MessageCreate decoded from the event's data, with no type of the
// user's own.
func TestOnDeliversTypedPayload(t *testing.T) {
	d := gatewayutil.NewDispatcher()
	defer func() {
		if err := d.Close(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	var got *discord.MessageCreate
	gatewayutil.On(d, event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event, m *discord.MessageCreate) {
		got = m
	})
	data := messageCreateD(t)
	buf := append([]byte(nil), data...)
	if err := d.Dispatch(context.Background(), &gatewayutil.Event{Type: event.MessageCreate, Seq: 1, Data: buf}); err != nil {
		t.Fatal(err)
	}
	if got == nil {
		t.Fatal("handler not called")
	}
	// The shard reuses its buffer: the payload must not point into it.
	for i := range buf {
		buf[i] = 'x'
	}
	if got.Author.Username != "Wrenfield" || got.GuildID != 1091403920930152448 || got.Content == "" || got.Content[0] != '<' {
		t.Errorf("payload %+v", got.Message)
	}
}
