package main

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/internal/exampletest"
)

// The program, built and run against the emulator, prints a message
// published to its guild and closes resumably on SIGINT.
func TestMinimalBot(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	emu, err := gatewaytest.NewServer(gatewaytest.Config{
		Tokens:            []string{"example-token"},
		Guilds:            2,
		AllowedPrivileged: intents.MessageContent,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer emu.Close()

	bot := exampletest.Start(t, exampletest.Build(t), "", []string{"DISCORD_TOKEN=example-token"}, "-api", emu.APIURL())
	sessions, err := emu.WaitSessions(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := sessions[0].Intents(); got != intents.GuildMessages|intents.DirectMessages|intents.MessageContent {
		t.Errorf("bot identified with intents %v, want what its one handler needs plus MESSAGE_CONTENT", got)
	}

	guild := emu.Guilds()[0]
	const channel = 4242
	data := fmt.Sprintf(`{"id":"1","channel_id":"%d","guild_id":"%d","author":{"id":"7","username":"ada"},"content":"hello, bot"}`, channel, guild)
	if n := emu.Publish(gatewaytest.Dispatch{Type: "MESSAGE_CREATE", GuildID: guild, ChannelID: channel, UserID: 7, Data: []byte(data)}); n != 1 {
		t.Fatalf("MESSAGE_CREATE reached %d sessions, want 1", n)
	}
	line, err := bot.WaitLine(ctx, "ada in 4242")
	if err != nil {
		t.Fatal(err)
	}
	if want := "shard 0: ada in 4242: hello, bot"; line != want {
		t.Errorf("bot printed %q, want %q", line, want)
	}

	if err := bot.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := bot.Wait(30 * time.Second); err != nil {
		t.Fatalf("after SIGINT: %v", err)
	}
	conns := emu.Conns()
	if len(conns) != 1 {
		t.Fatalf("%d connections, want 1", len(conns))
	}
	rec := conns[0].Record()
	if rec.CloseReceived != closecode.Resumable {
		t.Errorf("bot closed with %v, want %v, which keeps the session resumable", rec.CloseReceived, closecode.Resumable)
	}
}
