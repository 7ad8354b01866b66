package gatewayutil_test

import (
	"context"
	"fmt"
	"log"
	"sync"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
)

// A shard against a local gateway emulator: it identifies, receives READY
// and one GUILD_CREATE per guild, and is closed with a resumable code, which
// hands back a session a new shard could resume.
func ExampleShard() {
	emu, err := gatewaytest.NewServer(gatewaytest.Config{Guilds: 2, TimeScale: 0.01})
	if err != nil {
		log.Fatal(err)
	}
	if err := emu.Start(context.Background()); err != nil {
		log.Fatal(err)
	}
	defer emu.Close()

	var mu sync.Mutex
	guilds := 0
	ready := make(chan struct{})
	sink := gatewayutil.EventSinkFunc(func(ctx context.Context, e *gatewayutil.Event) error {
		mu.Lock()
		defer mu.Unlock()
		switch e.Type {
		case event.Ready:
			fmt.Println("READY, seq", e.Seq)
		case event.GuildCreate:
			if guilds++; guilds == 2 {
				close(ready)
			}
		}
		return nil
	})

	shard, err := gatewayutil.NewShard(gatewayutil.Config{
		Token:           gateway.NewToken("my-bot-token"),
		Intents:         intents.Guilds,
		URL:             emu.URL(), // from GET /gateway/bot against Discord
		Compression:     gatewayutil.CompressZlibStream,
		Sink:            sink,
		ResumeURLPolicy: gatewayutil.LoopbackResumeURLs, // the emulator's resume URL is local
	})
	if err != nil {
		log.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- shard.Run(context.Background()) }()

	<-ready
	fmt.Println("guilds:", guilds)
	fmt.Println("state:", shard.Status().State)

	session, err := shard.Close(context.Background(), closecode.Resumable)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Run returned:", <-done)
	fmt.Println("resumable:", session.Resumable())
	// Output:
	// READY, seq 1
	// guilds: 2
	// state: connected
	// Run returned: <nil>
	// resumable: true
}
