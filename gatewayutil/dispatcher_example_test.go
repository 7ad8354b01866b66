package gatewayutil_test

import (
	"context"
	"fmt"
	"sync"

	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewayutil"
)

func ExampleDispatcher() {
	d := gatewayutil.NewDispatcher()
	ctx := context.Background()

	// A raw handler for one guild's messages, on the shard's read path.
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) {
		fmt.Printf("guild %d, channel %d: dispatch #%d\n", e.GuildID(), e.ChannelID(), e.Seq)
	}, gatewayutil.InGuild(81384788765712384))

	// A typed handler for every guild's member joins, ordered per guild on
	// a pool of workers.
	type member struct {
		GuildID string `json:"guild_id"`
		User    struct {
			Username string `json:"username"`
		} `json:"user"`
	}
	var mu sync.Mutex
	joined := map[string][]string{}
	gatewayutil.On(d, event.GuildMemberAdd, func(ctx context.Context, e *gatewayutil.Event, m *member) {
		mu.Lock()
		defer mu.Unlock()
		joined[m.GuildID] = append(joined[m.GuildID], m.User.Username)
	}, gatewayutil.Deliver(gatewayutil.PerGuild))

	// Identify with exactly what the handlers need.
	fmt.Println("intents:", d.Intents())

	// What a shard does for every dispatch it reads.
	e := &gatewayutil.Event{Shard: 0}
	for seq, m := range []struct{ t, d string }{
		{event.MessageCreate, `{"id":"1","guild_id":"81384788765712384","channel_id":"290926798999357250","content":"hi"}`},
		{event.MessageCreate, `{"id":"2","guild_id":"5","channel_id":"6","content":"elsewhere"}`},
		{event.GuildMemberAdd, `{"guild_id":"5","user":{"id":"7","username":"ana"}}`},
		{event.GuildMemberAdd, `{"guild_id":"5","user":{"id":"8","username":"bo"}}`},
		{event.TypingStart, `{"channel_id":"6","user_id":"7"}`}, // nobody wants it: not even parsed
	} {
		e.Type, e.Seq, e.Data = m.t, int64(seq+1), []byte(m.d)
		if err := d.Dispatch(ctx, e); err != nil {
			fmt.Println(err)
		}
	}

	// Close lets the workers finish what is queued.
	if err := d.Close(ctx); err != nil {
		fmt.Println(err)
	}
	fmt.Println("joined guild 5:", joined["5"])
	st := d.Stats()
	fmt.Println("typing received:", st.Events[event.TypingStart].Received, "delivered:", st.Events[event.TypingStart].Delivered)
	// Output:
	// intents: GUILD_MEMBERS|GUILD_MESSAGES
	// guild 81384788765712384, channel 290926798999357250: dispatch #1
	// joined guild 5: [ana bo]
	// typing received: 1 delivered: 0
}
