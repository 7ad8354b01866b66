//go:build !race

// disgo v0.18.15 races with itself (its heartbeat goroutine writes the
// cancel func that CloseWithCode reads, gateway_impl.go:237), so the race
// detector fails any run that reconnects; this file runs without -race
// (scripts/test runs it so) and disgo_race_test.go says so under -race.

package interop

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"testing"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/gateway"
)

// TestDisgo runs disgo v0.18.15's gateway package unchanged against the
// emulator (see runClient). disgo identifies with compress:true, so the
// emulator zlib-compresses large payloads, which disgo inflates; it
// resumes through READY's resume_gateway_url.
func TestDisgo(t *testing.T) {
	runClient(t, clientCase{browser: "disgo", usesResumeURL: true, parallel: true, start: startDisgo})
}

// startDisgo opens a disgo gateway.
func startDisgo(ctx context.Context, t *testing.T, f *fixture, o *observed) clientHandle {
	handle := func(typ gateway.EventType, seq int, _ int, ev gateway.EventData) {
		switch typ {
		case gateway.EventTypeHeartbeatAck, gateway.EventTypeRaw:
			return // not dispatches: no sequence number
		}
		o.seq(int64(seq))
		if typ == gateway.EventTypeResumed { // disgo hands RESUMED on with no data
			o.resume()
			return
		}
		switch d := ev.(type) {
		case gateway.EventReady:
			o.ready(d.SessionID, d.Shard[:])
		case gateway.EventGuildCreate:
			if d.ID == 0 || d.Name == "" {
				o.fail(fmt.Sprintf("GUILD_CREATE decoded without an id or name: %v %q", d.ID, d.Name))
			}
			o.guild(uint64(d.ID))
		case gateway.EventMessageCreate:
			o.message(d.Content)
		}
	}
	closed := func(_ gateway.Gateway, err error) { o.fail(fmt.Sprintf("disgo gave up on the gateway: %v", err)) }
	gw := gateway.New(testToken, handle, closed,
		gateway.WithURL(f.srv.URL()),
		gateway.WithShardID(testShard),
		gateway.WithShardCount(testShardCount),
		gateway.WithIntents(gateway.IntentGuilds, gateway.IntentGuildMessages, gateway.IntentMessageContent),
		gateway.WithLogger(slog.New(&testLogHandler{o: o})),
		// What disgo's bot package adds when it builds a gateway.
		gateway.WithOS(runtime.GOOS), gateway.WithBrowser("disgo"), gateway.WithDevice("disgo"),
	)
	if err := gw.Open(ctx); err != nil {
		t.Fatalf("disgo Open: %v", err)
	}
	return clientHandle{
		stop: func() { gw.Close(context.Background()) },
		setPresence: func(ctx context.Context) error {
			return gw.Send(ctx, gateway.OpcodePresenceUpdate, gateway.MessageDataPresenceUpdate{
				Status:     discord.OnlineStatusOnline,
				Activities: []discord.Activity{{Name: presenceName, Type: discord.ActivityTypeGame}},
			})
		},
	}
}

// testLogHandler keeps a client's slog records (info and above) for the
// test log and counts its errors as failures of the run.
type testLogHandler struct {
	o     *observed
	attrs []slog.Attr
}

func (h *testLogHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *testLogHandler) Handle(_ context.Context, r slog.Record) error {
	msg := r.Message
	for _, a := range h.attrs {
		msg += " " + a.String()
	}
	r.Attrs(func(a slog.Attr) bool {
		msg += " " + a.String()
		return true
	})
	switch {
	case r.Level >= slog.LevelError:
		h.o.fail("client logged an error: " + msg)
	case r.Level >= slog.LevelInfo:
		h.o.note(msg)
	}
	return nil
}

func (h *testLogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &testLogHandler{o: h.o, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h *testLogHandler) WithGroup(string) slog.Handler { return h }
