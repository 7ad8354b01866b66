package interop

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/diamondburned/arikawa/v3/gateway"
	"github.com/diamondburned/arikawa/v3/utils/ws"
)

// TestArikawa runs arikawa v3.6.0's gateway package unchanged against the
// emulator as shard 1 of 2: READY for that shard, the GUILD_CREATE of
// exactly its guilds, MESSAGE_CREATEs in order, then op 7 Reconnect, after
// which it must RESUME (one identify in all), get the events published
// meanwhile replayed, and go on with no gap in the sequence numbers.
// arikawa identifies with compress:true, so the emulator zlib-compresses
// large payloads, which arikawa inflates.
func TestArikawa(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()

	id := gateway.DefaultIdentifier("Bot " + testToken) // what arikawa's session package sends
	id.SetShard(testShard, testShardCount)
	id.AddIntents(gateway.IntentGuilds | gateway.IntentGuildMessages | gateway.IntentMessageContent)
	opts := gateway.DefaultGatewayOpts
	gw := gateway.NewCustomWithIdentifier(gateway.AddGatewayParams(f.srv.URL()), id, &opts)

	var o observed
	connCtx, stop := context.WithCancel(ctx)
	ops := gw.Connect(connCtx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for op := range ops {
			if op.Code == 0 {
				o.seq(op.Sequence)
			}
			switch d := op.Data.(type) {
			case *gateway.ReadyEvent:
				var shard []int
				if d.Shard != nil {
					shard = d.Shard[:]
				}
				o.ready(d.SessionID, shard)
			case *gateway.GuildCreateEvent:
				if !d.ID.IsValid() || d.Name == "" {
					o.mu.Lock()
					o.errs = append(o.errs, fmt.Sprintf("GUILD_CREATE decoded without an id or name: %v %q", d.ID, d.Name))
					o.mu.Unlock()
				}
				o.guild(uint64(d.ID))
			case *gateway.MessageCreateEvent:
				o.message(d.Content)
			case *gateway.ResumedEvent:
				o.resume()
			case *ws.BackgroundErrorEvent:
				t.Logf("arikawa background error: %v", d.Err)
			case *ws.CloseEvent:
				t.Logf("arikawa: connection closed: %v", d)
			}
		}
	}()
	defer func() {
		stop()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("arikawa's event channel stayed open 10 s after its context ended")
		}
	}()
	o.waitReady(ctx, t, f)

	f.publishMessages(t, 0, 5)
	o.waitMessages(ctx, t, 5)
	minSeq := o.lastSeq()
	old := f.session(t).Conn()
	if err := old.InjectReconnect(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-old.Done():
	case <-ctx.Done():
		t.Fatalf("arikawa kept the connection after op 7")
	}
	f.publishMessages(t, 5, 5) // while arikawa reconnects: replayed on resume
	o.waitFor(ctx, t, "RESUMED", func(o *observed) bool { return o.resumed > 0 })
	f.publishMessages(t, 10, 5)
	o.waitMessages(ctx, t, 15)

	o.check(t, f, 15)
	f.checkResumedOnce(t, "Arikawa", minSeq, o.seqsSeen())
}
