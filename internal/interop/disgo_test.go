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

	"github.com/disgoorg/disgo/gateway"

	"github.com/gatewaykit/gateway/closecode"
)

// TestDisgo runs disgo v0.18.15's gateway package unchanged against the
// emulator as shard 1 of 2: READY for that shard, the GUILD_CREATE of
// exactly its guilds, MESSAGE_CREATEs in order, then a server close with
// 4000 (unknown error, resumable), after which it must RESUME (one
// identify in all) through READY's resume_gateway_url, get the events
// published meanwhile replayed, and go on with no gap in the sequence
// numbers. disgo identifies with compress:true, so the emulator
// zlib-compresses large payloads, which disgo inflates.
func TestDisgo(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()

	var o observed
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
				o.mu.Lock()
				o.errs = append(o.errs, fmt.Sprintf("GUILD_CREATE decoded without an id or name: %v %q", d.ID, d.Name))
				o.mu.Unlock()
			}
			o.guild(uint64(d.ID))
		case gateway.EventMessageCreate:
			o.message(d.Content)
		}
	}
	closed := func(_ gateway.Gateway, err error) {
		o.mu.Lock()
		o.errs = append(o.errs, fmt.Sprintf("disgo gave up on the gateway: %v", err))
		o.mu.Unlock()
	}
	gw := gateway.New(testToken, handle, closed,
		gateway.WithURL(f.srv.URL()),
		gateway.WithShardID(testShard),
		gateway.WithShardCount(testShardCount),
		gateway.WithIntents(gateway.IntentGuilds, gateway.IntentGuildMessages, gateway.IntentMessageContent),
		gateway.WithLogger(slog.New(&testLogHandler{t: t, o: &o})),
		// What disgo's bot package adds when it builds a gateway.
		gateway.WithOS(runtime.GOOS), gateway.WithBrowser("disgo"), gateway.WithDevice("disgo"),
	)
	if err := gw.Open(ctx); err != nil {
		t.Fatalf("disgo Open: %v", err)
	}
	defer gw.Close(context.Background())
	o.waitReady(ctx, t, f)

	f.publishMessages(t, 0, 5)
	o.waitMessages(ctx, t, 5)
	minSeq := o.lastSeq()
	old := f.session(t).Conn()
	if err := old.InjectClose(closecode.UnknownError); err != nil {
		t.Fatal(err)
	}
	select {
	case <-old.Done():
	case <-ctx.Done():
		t.Fatalf("the connection did not end after close 4000")
	}
	f.publishMessages(t, 5, 5) // while disgo reconnects: replayed on resume
	o.waitFor(ctx, t, "RESUMED", func(o *observed) bool { return o.resumed > 0 })
	f.publishMessages(t, 10, 5)
	o.waitMessages(ctx, t, 15)

	o.check(t, f, 15)
	f.checkResumedOnce(t, "disgo", minSeq, o.seqsSeen())
	if rec := f.session(t).Conn().Record(); !rec.ResumeURL {
		t.Errorf("disgo resumed on %q, not through READY's resume_gateway_url", rec.Path)
	}
}

// testLogHandler sends a client's slog records to the test log and counts
// its errors as failures of the run.
type testLogHandler struct {
	t     *testing.T
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
	if r.Level >= slog.LevelError {
		h.o.mu.Lock()
		h.o.errs = append(h.o.errs, "client logged an error: "+msg)
		h.o.mu.Unlock()
	}
	if r.Level >= slog.LevelInfo {
		h.t.Log(msg)
	}
	return nil
}

func (h *testLogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &testLogHandler{t: h.t, o: h.o, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h *testLogHandler) WithGroup(string) slog.Handler { return h }
