package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/internal/exampletest"
)

// Run the bot, stop it with SIGTERM, publish an event while it is down,
// start it again: the second run resumes both shards (the emulator records
// no identify), and the event sent meanwhile is delivered.
func TestShardedBotResumesAfterRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	emu, err := gatewaytest.NewServer(gatewaytest.Config{Tokens: []string{"example-token"}, Shards: 2, MaxConcurrency: 2, Guilds: 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer emu.Close()

	bin := exampletest.Build(t)
	dir := t.TempDir()
	env := []string{"DISCORD_TOKEN=example-token"}
	args := []string{"-api", emu.APIURL(), "-sessions", filepath.Join(dir, "sessions")}

	// First run: both shards identify.
	bot := exampletest.Start(t, bin, dir, env, args...)
	for _, id := range []int{0, 1} {
		if _, err := bot.WaitLine(ctx, fmt.Sprintf("shard %d identified", id)); err != nil {
			t.Fatal(err)
		}
	}
	if err := bot.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := bot.Wait(30 * time.Second); err != nil {
		t.Fatalf("first run, after SIGTERM: %v", err)
	}
	firstRun := emu.Conns()
	if len(firstRun) != 2 {
		t.Fatalf("first run: %d connections, want 2", len(firstRun))
	}
	for _, c := range firstRun {
		if r := c.Record(); r.CloseReceived != closecode.Resumable {
			t.Errorf("first run: connection %d closed with %v, want %v (resumable)", r.ID, r.CloseReceived, closecode.Resumable)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "sessions", "*"))
	if len(files) != 2 {
		t.Fatalf("session files after the first run: %v, want one per shard", files)
	}

	// While the bot is down, a message arrives in a guild of shard 1. The
	// emulator keeps it for the session's resume.
	var guild uint64
	for _, g := range emu.Guilds() {
		if gatewaytest.ShardFor(g, 2) == 1 {
			guild = g
			break
		}
	}
	data := fmt.Sprintf(`{"id":"777","channel_id":"1","guild_id":"%d","author":{"id":"7","username":"ada"},"content":""}`, guild)
	if n := emu.Publish(gatewaytest.Dispatch{Type: "MESSAGE_CREATE", GuildID: guild, ChannelID: 1, UserID: 7, Data: []byte(data)}); n != 1 {
		t.Fatalf("message buffered for %d sessions, want 1", n)
	}

	// Second run: both shards resume, and the message is replayed.
	bot = exampletest.Start(t, bin, dir, env, args...)
	for _, id := range []int{0, 1} {
		if _, err := bot.WaitLine(ctx, fmt.Sprintf("shard %d resumed", id)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := bot.WaitLine(ctx, fmt.Sprintf("shard 1: message 777 in guild %d", guild)); err != nil {
		t.Fatal(err)
	}
	if err := bot.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := bot.Wait(30 * time.Second); err != nil {
		t.Fatalf("second run, after SIGINT: %v", err)
	}

	// The emulator's records: the second run's connections resumed and none
	// identified.
	all := emu.Conns()
	second := slices.DeleteFunc(all, func(c *gatewaytest.Conn) bool { return slices.Contains(firstRun, c) })
	if len(second) != 2 {
		t.Fatalf("second run: %d connections, want 2", len(second))
	}
	for _, c := range second {
		r := c.Record()
		if r.Identify != nil {
			t.Errorf("second run: connection %d identified", r.ID)
		}
		if len(r.Resumes) != 1 || r.Resumes[0].Outcome != gatewaytest.Resumed {
			t.Errorf("second run: connection %d resumes %+v, want one that resumed", r.ID, r.Resumes)
		}
	}
	if n := len(emu.Sessions()); n != 2 {
		t.Errorf("emulator has %d sessions, want the first run's 2", n)
	}
	if lines := bot.Lines(); slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, "identified") }) {
		t.Errorf("second run printed an identify: %q", lines)
	}
}
