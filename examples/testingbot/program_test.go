package main

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/internal/exampletest"
)

// The program itself, built and run: it counts a message and prints the
// tally when stopped.
func TestProgramPrintsTally(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	emu := startEmulator(t, gatewaytest.Config{
		Tokens: []string{"test-token"}, Guilds: 1,
		HeartbeatInterval: time.Second, HeartbeatGrace: 5 * time.Second, // frequent heartbeats, generous grace
	})

	bot := exampletest.Start(t, exampletest.Build(t), "", []string{"DISCORD_TOKEN=test-token"}, "-api", emu.APIURL())
	if _, err := emu.WaitSessions(ctx, 1); err != nil {
		t.Fatal(err)
	}
	publishMessage(t, emu, emu.Guilds()[0], 31, "1")
	publishMessage(t, emu, emu.Guilds()[0], 31, "2")
	// Wait until the bot has read both: its heartbeats carry the last
	// sequence number it received.
	sessions, err := emu.WaitSessions(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	for last := sessions[0].Seq(); !heartbeatCarries(emu, last); {
		select {
		case <-ctx.Done():
			t.Fatalf("the bot never heartbeat with sequence %d", last)
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := bot.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := bot.Wait(30 * time.Second); err != nil {
		t.Fatalf("after SIGINT: %v", err)
	}
	if _, err := bot.WaitLine(ctx, "channel 31: 2 messages"); err != nil {
		t.Fatal(err)
	}
}

// heartbeatCarries reports whether the client sent a heartbeat carrying
// sequence number seq or later.
func heartbeatCarries(emu *gatewaytest.Server, seq int64) bool {
	for _, c := range emu.Conns() {
		for _, h := range c.Record().Heartbeats {
			if h.HasSeq && h.Seq >= seq {
				return true
			}
		}
	}
	return false
}
