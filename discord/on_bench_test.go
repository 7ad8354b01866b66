package discord_test

import (
	"context"
	"testing"

	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// userMessage is the kind of type a bot author writes for encoding/json
// today (the fields a command handler reads).
type userMessage struct {
	ID        string `json:"id"`
	ChannelID string `json:"channel_id"`
	GuildID   string `json:"guild_id"`
	Content   string `json:"content"`
	Author    struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Bot      bool   `json:"bot"`
	} `json:"author"`
	Member struct {
		Nick  *string  `json:"nick"`
		Roles []string `json:"roles"`
	} `json:"member"`
}

// benchOn dispatches the benchmark MESSAGE_CREATE to one On handler, inline
// on the dispatching goroutine, as a shard's read loop would.
func benchOn[T any](b *testing.B, check func(*T) bool) {
	d := gatewayutil.NewDispatcher()
	defer func() { _ = d.Close(context.Background()) }()
	bad := 0
	gatewayutil.On(d, event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event, v *T) {
		if !check(v) {
			bad++
		}
	})
	ev := &gatewayutil.Event{Type: event.MessageCreate, Seq: 1, Data: messageCreateD(b)}
	ctx := context.Background()
	b.SetBytes(int64(len(ev.Data)))
	loop(b, func() {
		if err := d.Dispatch(ctx, ev); err != nil {
			b.Fatal(err)
		}
	})
	if bad > 0 || d.Stats().Events[event.MessageCreate].DecodeErrors > 0 {
		b.Fatalf("%d handler calls saw a wrong value, %d decode errors", bad, d.Stats().Events[event.MessageCreate].DecodeErrors)
	}
}

func BenchmarkOnMessageCreateTyped(b *testing.B) {
	benchOn(b, func(m *discord.MessageCreate) bool { return m.Author.Username == "Wrenfield" })
}

func BenchmarkOnMessageCreateUserTypeEncodingJSON(b *testing.B) {
	benchOn(b, func(m *userMessage) bool { return m.Author.Username == "Wrenfield" })
}
