package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// startEmulator starts an emulated Discord gateway on 127.0.0.1 for one
// test and stops it when the test ends.
func startEmulator(t *testing.T, cfg gatewaytest.Config) *gatewaytest.Server {
	t.Helper()
	emu, err := gatewaytest.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	return emu
}

// The bot's handlers and shard setup, run against the emulator while it
// disrupts the connections: every message is counted exactly once.
func TestTallySurvivesFaults(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	emu := startEmulator(t, gatewaytest.Config{Tokens: []string{"test-token"}, Shards: 2, MaxConcurrency: 2, Guilds: 4})

	// The bot, exactly as main builds it, with its logs in the test's.
	tally := newTally()
	d := gatewayutil.NewDispatcher()
	tally.register(d)
	m, err := newManager(gateway.NewToken("test-token"), emu.APIURL(), d, slog.New(slog.NewTextHandler(t.Output(), nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown(context.Background())
	// Wait until both shards are connected: one message to a guild of
	// each shard, counted by the bot. (A fault before the bot has read
	// READY would make it identify a new session, and the events of the
	// old one would be lost, as on Discord.)
	if _, err := emu.WaitSessions(ctx, 2); err != nil {
		t.Fatal(err)
	}
	guilds := emu.Guilds()
	for shard := range 2 {
		for _, g := range guilds {
			if gatewaytest.ShardFor(g, 2) == shard {
				publishMessage(t, emu, g, 999, fmt.Sprintf("warm-up-%d", shard))
				break
			}
		}
	}
	waitTally(ctx, t, tally, 2)

	// Publish 60 messages to 3 channels in every guild (so both shards get
	// some), injecting a fault into one of the sessions after every 5th.
	faults := []gatewaytest.FaultKind{
		gatewaytest.FaultReconnect, gatewaytest.FaultDropTCP, gatewaytest.FaultInvalidSessionResumable,
		gatewaytest.FaultClose, gatewaytest.FaultSplitFrames, gatewaytest.FaultReorderKeys,
	}
	want := map[string]int{"999": 2}
	injected := 0
	for i := range 60 {
		guild := guilds[i%len(guilds)]
		channel := uint64(1000 + i%3)
		publishMessage(t, emu, guild, channel, fmt.Sprint(i+1))
		want[fmt.Sprint(channel)]++
		if i%5 == 4 {
			sessions := emu.Sessions()
			inject(ctx, t, sessions[i%len(sessions)], faults[(i/5)%len(faults)])
			injected++
		}
	}
	// Wait for the tally to reach every message.
	got, repeats := waitTally(ctx, t, tally, 62)
	for ch, n := range want {
		if got[ch] != n {
			t.Errorf("channel %s: %d messages, want %d", ch, got[ch], n)
		}
	}
	t.Logf("%d faults injected, %d repeats ignored", injected, repeats)

	// The emulator's records show the faults were survived by resuming.
	resumed := 0
	for _, c := range emu.Conns() {
		for _, r := range c.Record().Resumes {
			if r.Outcome == gatewaytest.Resumed {
				resumed++
			}
		}
	}
	if resumed == 0 {
		t.Error("no connection resumed: the faults did not disrupt anything")
	}
}

// A wrong token stops the bot at once with an error that says so: the
// emulator refuses it in GET /gateway/bot as Discord does (HTTP 401), before
// any shard connects.
func TestWrongTokenIsRefused(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	emu := startEmulator(t, gatewaytest.Config{Tokens: []string{"the-right-token"}})

	d := gatewayutil.NewDispatcher()
	newTally().register(d)
	m, err := newManager(gateway.NewToken("a-wrong-token"), emu.APIURL(), d, slog.New(slog.NewTextHandler(t.Output(), nil)))
	if err != nil {
		t.Fatal(err)
	}
	err = m.Run(ctx)
	if !errors.Is(err, gatewayutil.ErrUnauthorized) {
		t.Fatalf("Run: %v, want an error matching gatewayutil.ErrUnauthorized", err)
	}
	if strings.Contains(err.Error(), "a-wrong-token") {
		t.Errorf("the error shows the token: %v", err)
	}
	if n := len(emu.Conns()); n != 0 {
		t.Errorf("%d connections to the gateway, want none", n)
	}
}

// publishMessage publishes a MESSAGE_CREATE to the guild's shard.
func publishMessage(t *testing.T, emu *gatewaytest.Server, guild, channel uint64, id string) {
	t.Helper()
	data := fmt.Sprintf(`{"id":%q,"channel_id":"%d","guild_id":"%d","author":{"id":"7"},"content":""}`, id, channel, guild)
	if n := emu.Publish(gatewaytest.Dispatch{Type: "MESSAGE_CREATE", GuildID: guild, ChannelID: channel, UserID: 7, Data: []byte(data)}); n != 1 {
		t.Fatalf("message %s reached %d sessions, want 1", id, n)
	}
}

// waitTally waits until the tally holds total messages (polling: the
// handlers run on the shards' goroutines) and returns it.
func waitTally(ctx context.Context, t *testing.T, tally *tally, total int) (map[string]int, int) {
	t.Helper()
	for {
		got, repeats := tally.counts()
		n := 0
		for _, c := range got {
			n += c
		}
		if n >= total {
			if n > total {
				t.Errorf("tally has %d messages, want %d: %v", n, total, got)
			}
			return got, repeats
		}
		select {
		case <-ctx.Done():
			t.Fatalf("tally has %d of %d messages: %v", n, total, got)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// inject injects a fault into a session, retrying while the session is
// between two connections (the previous fault's reconnect).
func inject(ctx context.Context, t *testing.T, s *gatewaytest.Session, k gatewaytest.FaultKind) {
	t.Helper()
	for {
		err := s.Inject(k)
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("inject %v: %v", k, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
