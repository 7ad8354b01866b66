package gatewayutil_test

import (
	"context"
	"fmt"
	"os"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// A process saves its shards' sessions on shutdown; the next one loads them
// and resumes. A different shard count finds nothing, so it identifies.
func ExampleFileSessionStore() {
	dir, err := os.MkdirTemp("", "sessions")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	// The first process, shutting down gracefully.
	store, err := gatewayutil.NewFileSessionStore(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	err = store.Save(ctx, gateway.Session{
		ID: "8f2b", Seq: 4242, ResumeURL: "wss://gateway-us-east1-c.discord.gg", ShardID: 1, ShardCount: 4,
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// The next process, on the same directory.
	restarted, err := gatewayutil.NewFileSessionStore(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	sess, found, err := restarted.Load(ctx, 1, 4)
	fmt.Println(found, err, sess)
	_, found, err = restarted.Load(ctx, 1, 8) // resharded
	fmt.Println(found, err)

	// Output:
	// true <nil> session 8f2b seq 4242 shard [1, 4]
	// false <nil>
}
