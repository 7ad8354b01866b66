package cache_test

import (
	"context"
	"fmt"

	"github.com/gatewaykit/gateway/cache"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// The cache goes where the Dispatcher would go (Config.Sink of a shard or a
// Manager); handlers of update events read the object as it was with Old.
// Here two events are handed to it directly, as a shard would.
func Example() {
	d := gatewayutil.NewDispatcher()
	c := cache.New(d, cache.Policy{})
	d.Subscribe(event.GuildMemberUpdate, func(ctx context.Context, e *gatewayutil.Event) {
		before, _ := cache.Old[cache.Member](c, e)
		after, _ := c.Member(100, 2)
		fmt.Printf("nick %q -> %q\n", before.Nick, after.Nick)
	})

	ctx := context.Background()
	_ = c.Dispatch(ctx, &gatewayutil.Event{Type: event.GuildCreate, Seq: 1, Data: []byte(`{"id":"100","name":"Guild","owner_id":"1",
		"roles":[{"id":"100","name":"@everyone","permissions":"3072","position":0}],
		"channels":[{"id":"300","type":0,"name":"general","permission_overwrites":[{"id":"100","type":0,"allow":"0","deny":"2048"}]}],
		"members":[{"user":{"id":"2","username":"bob","discriminator":"0","global_name":null,"avatar":null},"nick":"b","roles":[],"joined_at":"2025-01-01T00:00:00+00:00","flags":0}]}`)})
	_ = c.Dispatch(ctx, &gatewayutil.Event{Type: event.GuildMemberUpdate, Seq: 2, Data: []byte(`{"guild_id":"100",
		"user":{"id":"2","username":"bob","discriminator":"0","global_name":null,"avatar":null},"nick":"bobby","roles":[],"joined_at":"2025-01-01T00:00:00+00:00","flags":0}`)})

	g, _ := c.Guild(100)
	p, _ := c.Permissions(100, 300, 2, 0)
	fmt.Println(g.Name, len(c.Channels(100)), "channel; can send:", p.Has(cache.PermissionSendMessages), "can view:", p.Has(cache.PermissionViewChannel))
	// Output:
	// nick "b" -> "bobby"
	// Guild 1 channel; can send: false can view: true
}
