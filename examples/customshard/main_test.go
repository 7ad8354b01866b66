package main

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/internal/exampletest"
)

// The hand-made shard manager, built and run against the emulator:
// both shards identify, heartbeat, resume after op 7, deliver a dispatch
// and close resumably on SIGINT, without a single protocol violation.
func TestCustomShardManager(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	emu, err := gatewaytest.NewServer(gatewaytest.Config{
		Tokens: []string{"example-token"}, Shards: 2, MaxConcurrency: 2, Guilds: 4,
		// Heartbeats every second, so the test sees several; a generous
		// grace, since the machine may be busy.
		HeartbeatInterval: time.Second, HeartbeatGrace: 3 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer emu.Close()

	bot := exampletest.Start(t, exampletest.Build(t), "", []string{"DISCORD_TOKEN=example-token"},
		"-gateway", emu.URL(), "-shards", "2", "-max-concurrency", "2")
	for _, id := range []int{0, 1} {
		if _, err := bot.WaitLine(ctx, fmt.Sprintf("shard %d: READY", id)); err != nil {
			t.Fatal(err)
		}
	}

	// Op 7 on shard 0: it must reconnect and resume.
	for _, s := range emu.Sessions() {
		if id, _ := s.Shard(); id == 0 {
			if err := s.InjectReconnect(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := bot.WaitLine(ctx, "shard 0: RESUMED"); err != nil {
		t.Fatal(err)
	}

	// A message in a guild of shard 1 reaches shard 1.
	var guild uint64
	for _, g := range emu.Guilds() {
		if gatewaytest.ShardFor(g, 2) == 1 {
			guild = g
			break
		}
	}
	data := fmt.Sprintf(`{"id":"9","channel_id":"1","guild_id":"%d","author":{"id":"7","username":"ada"},"content":""}`, guild)
	emu.Publish(gatewaytest.Dispatch{Type: "MESSAGE_CREATE", GuildID: guild, ChannelID: 1, UserID: 7, Data: []byte(data)})
	if _, err := bot.WaitLine(ctx, "shard 1: MESSAGE_CREATE"); err != nil {
		t.Fatal(err)
	}

	// Both live connections heartbeat, and every heartbeat is acknowledged
	// (a missed ACK would make the shard reconnect).
	// (Server.Wait re-checks only when connections change, so poll.)
	for live := 0; live < 2; {
		select {
		case <-ctx.Done():
			t.Fatalf("connections heartbeating: %d of 2", live)
		case <-time.After(100 * time.Millisecond):
		}
		live = 0
		for _, c := range emu.Conns() {
			if !c.Closed() && c.Record().HeartbeatCount >= 2 {
				live++
			}
		}
	}

	if err := bot.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := bot.Wait(30 * time.Second); err != nil {
		t.Fatalf("after SIGINT: %v", err)
	}

	identifies, resumed := 0, 0
	for _, c := range emu.Conns() {
		r := c.Record()
		if len(r.Violations) > 0 {
			t.Errorf("connection %d: protocol violations %+v", r.ID, r.Violations)
		}
		if r.Identify != nil {
			identifies++
		}
		for _, res := range r.Resumes {
			if res.Outcome == gatewaytest.Resumed {
				resumed++
			}
		}
		if r.CloseReceived == 0 || r.CloseReceived.InvalidatesWhenSent() {
			t.Errorf("connection %d: closed with %v, want a code that keeps the session", r.ID, r.CloseReceived)
		}
	}
	if identifies != 2 || resumed != 1 {
		t.Errorf("%d identifies and %d resumes, want 2 and 1", identifies, resumed)
	}
	if got := len(emu.Conns()); got != 3 {
		t.Errorf("%d connections, want 3 (two shards, one reconnect)", got)
	}
}
