package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatewaykit/gateway/cluster/internal/natsserver"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/internal/exampletest"
)

const shardCount = 2

// A node (examples/node -events durable) runs the shards against the
// emulator and publishes their events; this program, as a separate process,
// consumes them from NATS and prints a message sent into a guild, content
// included. SIGINT stops both cleanly.
func TestWorkerPrintsMessageFromNode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// The node's durable stream reserves its bound (1 GiB by default) out of
	// JetStream's file storage: room for it and the buckets. Only what is
	// written uses disk.
	nats, err := natsserver.Start(natsserver.Options{StoreDir: t.TempDir(), MaxStore: 4 << 30})
	if err != nil {
		t.Fatal(err)
	}
	defer nats.Stop()
	emu, err := gatewaytest.NewServer(gatewaytest.Config{
		Addr: "127.0.0.1:0", Tokens: []string{"example-token"}, Shards: shardCount, Guilds: 2 * shardCount,
		AllowedPrivileged: intents.MessageContent, // the node asks for it to publish content
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer emu.Close()

	workerBin := exampletest.Build(t)
	nodeBin := filepath.Join(t.TempDir(), "node")
	if out, err := exec.Command("go", "build", "-o", nodeBin, "../node").CombinedOutput(); err != nil {
		t.Fatalf("go build ../node: %v\n%s", err, out)
	}

	node := exampletest.Start(t, nodeBin, "", []string{"DISCORD_TOKEN=example-token"},
		"-nats", nats.URL(), "-api", emu.APIURL(), "-instance", "node-a", "-app", "example", "-events", "durable")
	// The node creates the events stream before it reports running.
	if _, err := node.WaitLine(ctx, "node node-a running"); err != nil {
		t.Fatal(err)
	}
	worker := exampletest.Start(t, workerBin, "", nil,
		"-nats", nats.URL(), "-app", "example", "-group", "greeter", "-instance", "w1",
		"-shards", fmt.Sprint(shardCount), "-events", "durable")
	if _, err := worker.WaitLine(ctx, "worker w1 running"); err != nil {
		t.Fatal(err)
	}
	for s := range shardCount {
		if _, err := node.WaitLine(ctx, fmt.Sprintf("shard %d ready", s)); err != nil {
			t.Fatal(err)
		}
	}

	// A message in the last guild reaches the node's shard, then NATS,
	// then the worker.
	guilds := emu.Guilds()
	guild := guilds[len(guilds)-1]
	shard := gatewaytest.ShardFor(guild, shardCount)
	data := fmt.Sprintf(`{"id":"4242","channel_id":"99","guild_id":"%d","author":{"id":"7","username":"ada"},"content":"hello workers"}`, guild)
	if n := emu.Publish(gatewaytest.Dispatch{Type: "MESSAGE_CREATE", GuildID: guild, ChannelID: 99, UserID: 7, Data: []byte(data)}); n != 1 {
		t.Fatalf("message delivered to %d sessions, want 1", n)
	}
	if _, err := worker.WaitLine(ctx, fmt.Sprintf("worker w1: shard %d: message 4242 in 99: hello workers", shard)); err != nil {
		t.Fatal(err)
	}

	for name, p := range map[string]*exampletest.Program{"worker": worker, "node": node} {
		if err := p.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		if err := p.Wait(time.Minute); err != nil {
			t.Fatalf("%s after SIGINT: %v", name, err)
		}
	}
}
