// Command testingbot is a bot written to be tested. Its logic (a tally of
// messages per channel) is a type with handlers, and its shard setup is a
// function; main_test.go runs both, unchanged, against the gatewaytest
// emulator while the emulator injects faults: reconnects, dropped
// connections, resumable invalid sessions, split frames. Read main_test.go
// to test your own bot the same way.
//
//	DISCORD_TOKEN=... go run ./examples/testingbot
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"sync"
	"syscall"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewayutil"
)

func main() {
	api := flag.String("api", gatewayutil.DefaultAPIBase, "REST API base URL to ask GET /gateway/bot (the emulator prints its own)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	t := newTally()
	d := gatewayutil.NewDispatcher()
	t.register(d)
	m, err := newManager(gateway.NewToken(os.Getenv("DISCORD_TOKEN")), *api, d, slog.Default())
	if err == nil {
		err = m.Run(ctx)
	}
	// On the way out, print the tally.
	for _, line := range t.report() {
		fmt.Println(line)
	}
	if err != nil {
		slog.Error("bot stopped", "err", err)
		os.Exit(1)
	}
}

// newManager is the bot's shard setup, shared by main and the tests so that
// the tests run what production runs.
func newManager(token gateway.Token, api string, d *gatewayutil.Dispatcher, log *slog.Logger) (*gatewayutil.Manager, error) {
	if token.IsZero() {
		return nil, errors.New("set DISCORD_TOKEN (against the emulator any value works)")
	}
	cfg := gatewayutil.ManagerConfig{
		Shard: gatewayutil.Config{
			Token:       token,
			Intents:     d.Intents(),
			Compression: gatewayutil.CompressZlibStream,
			Sink:        d,
			Logger:      log,
		},
		APIBase: api,
		Logger:  log,
	}
	if api != gatewayutil.DefaultAPIBase {
		// The emulator hands out resume URLs on 127.0.0.1.
		cfg.Shard.ResumeURLPolicy = gatewayutil.LoopbackResumeURLs
	}
	return gatewayutil.NewManager(cfg)
}

// tally counts messages per channel. It remembers the message ids it saw,
// so that it counts a message Discord delivers twice only once (Discord
// may repeat events, docs/protocol.md §12.4).
type tally struct {
	mu          sync.Mutex
	perChan     map[string]int
	seen        map[string]bool
	repeats     int
	maxRemember int
}

func newTally() *tally {
	return &tally{perChan: map[string]int{}, seen: map[string]bool{}, maxRemember: 100_000}
}

// message is the part of MESSAGE_CREATE the tally reads.
type message struct {
	ID        string `json:"id"`
	ChannelID string `json:"channel_id"`
}

// register subscribes the tally's handler to d.
func (t *tally) register(d *gatewayutil.Dispatcher) {
	gatewayutil.On(d, event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event, m *message) {
		t.add(m)
	})
}

func (t *tally) add(m *message) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.seen[m.ID] {
		t.repeats++
		return
	}
	if len(t.seen) >= t.maxRemember {
		clear(t.seen) // bounded memory: forget old ids
	}
	t.seen[m.ID] = true
	t.perChan[m.ChannelID]++
}

// counts returns the tally so far, and how many repeats it ignored.
func (t *tally) counts() (perChan map[string]int, repeats int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]int, len(t.perChan))
	for k, v := range t.perChan {
		out[k] = v
	}
	return out, t.repeats
}

// report is the tally as lines, by channel.
func (t *tally) report() []string {
	perChan, repeats := t.counts()
	var lines []string
	for ch, n := range perChan {
		lines = append(lines, fmt.Sprintf("channel %s: %d messages", ch, n))
	}
	sort.Strings(lines)
	return append(lines, fmt.Sprintf("%d repeated deliveries ignored", repeats))
}
