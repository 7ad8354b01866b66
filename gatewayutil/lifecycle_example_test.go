package gatewayutil_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
)

func ExampleLifecycle() {
	emu := startExampleEmulator(gatewaytest.Config{Guilds: 2})
	defer emu.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	notes := make(chan gatewayutil.Lifecycle, 16)
	exampleShard(ctx, emu, gatewayutil.Config{
		// Called on the shard's goroutine, in order: keep it short.
		OnLifecycle: func(l gatewayutil.Lifecycle) { notes <- l },
	})
	for l := range notes {
		fmt.Println(l)
		if l.Kind == gatewayutil.LifecycleGuildsReady {
			break
		}
	}
	// Output:
	// shard 0 connecting
	// shard 0 ready
	// shard 0 guilds ready
}

func ExampleShard_WaitGuildsReady() {
	emu := startExampleEmulator(gatewaytest.Config{Guilds: 3})
	defer emu.Close()
	// One guild stays unavailable (an outage): its GUILD_CREATE never comes.
	emu.WithholdGuildCreate(emu.Guilds()[1])
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sh := exampleShard(ctx, emu, gatewayutil.Config{})

	wctx, wcancel := context.WithTimeout(ctx, 2*time.Second)
	defer wcancel()
	err := sh.WaitGuildsReady(wctx)
	var nr *gatewayutil.GuildsNotReadyError
	if errors.As(err, &nr) {
		fmt.Println("missing:", len(nr.Missing), "of", nr.Total, "- the withheld one:", nr.Missing[0] == emu.Guilds()[1])
	}
	// Output: missing: 1 of 3 - the withheld one: true
}

// exampleManager starts a Manager against emu.
func exampleManager(emu *gatewaytest.Server, cfg gatewayutil.ManagerConfig) *gatewayutil.Manager {
	cfg.Shard.Token = gateway.NewToken("my-bot-token")
	cfg.Shard.Intents = 1 // GUILDS
	cfg.Shard.ResumeURLPolicy = gatewayutil.LoopbackResumeURLs
	cfg.Shard.CommandWindow = 600 * time.Millisecond
	cfg.APIBase = emu.APIURL()
	cfg.IdentifyWindow = 50 * time.Millisecond // the emulator's 5 s window, time-scaled
	cfg.ReshardOverlap = 100 * time.Millisecond
	m, err := gatewayutil.NewManager(cfg)
	if err != nil {
		log.Fatal(err)
	}
	if err := m.Start(context.Background()); err != nil {
		log.Fatal(err)
	}
	return m
}

func ExampleManager_WaitReady() {
	emu := startExampleEmulator(gatewaytest.Config{Guilds: 4, Shards: 2, MaxConcurrency: 2})
	defer emu.Close()
	m := exampleManager(emu, gatewayutil.ManagerConfig{})
	defer func() { _ = m.Shutdown(context.Background()) }()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.WaitReady(ctx); err != nil {
		log.Fatal(err) // a *NotReadyError names the shards that were not
	}
	fmt.Println("all", m.ShardCount(), "shards ready")
	// Output: all 2 shards ready
}

func ExampleManager_Broadcast() {
	emu := startExampleEmulator(gatewaytest.Config{Guilds: 4, Shards: 2, MaxConcurrency: 2})
	defer emu.Close()
	m := exampleManager(emu, gatewayutil.ManagerConfig{})
	defer func() { _ = m.Shutdown(context.Background()) }()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// One op 3 on every shard; each shard's own command limit applies.
	if err := m.Broadcast(ctx, idle{since: 1700000000000}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("presence set on", m.ShardCount(), "shards")
	// Output: presence set on 2 shards
}

func ExampleManager_SendGuildCommand() {
	emu := startExampleEmulator(gatewaytest.Config{Guilds: 4, Shards: 2, MaxConcurrency: 2})
	defer emu.Close()
	m := exampleManager(emu, gatewayutil.ManagerConfig{})
	defer func() { _ = m.Shutdown(context.Background()) }()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	g := emu.Guilds()[3]
	// Sent on shard (g >> 22) % 2, the one that owns the guild.
	if err := m.SendGuildCommand(ctx, guildCommand{guild: g}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("sent on shard", m.ShardForGuild(g))
	// Output: sent on shard 1
}

func ExampleManagerConfig_autoReshard() {
	// The emulator recommends 2 shards and refuses a session holding more
	// than 2 of its 4 guilds with 4011 (sharding required).
	emu := startExampleEmulator(gatewaytest.Config{Guilds: 4, Shards: 2, MaxGuildsPerShard: 2})
	defer emu.Close()
	m := exampleManager(emu, gatewayutil.ManagerConfig{ShardCount: 1, AutoReshard: true})
	defer func() { _ = m.Shutdown(context.Background()) }()

	for deadline := time.Now().Add(20 * time.Second); m.ShardCount() != 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			log.Fatal("no reshard")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.WaitReady(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("resharded to", m.ShardCount(), "shards after 4011")
	// Output: resharded to 2 shards after 4011
}
