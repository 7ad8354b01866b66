package interop

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/diamondburned/arikawa/v3/discord"
	"github.com/diamondburned/arikawa/v3/gateway"
	"github.com/diamondburned/arikawa/v3/utils/ws"
)

// TestArikawa runs arikawa v3.6.0's gateway package unchanged against the
// emulator (see runClient). arikawa identifies with compress:true, so the
// emulator zlib-compresses large payloads, which arikawa inflates. It
// resumes on the URL it first connected to, not on resume_gateway_url.
func TestArikawa(t *testing.T) {
	runClient(t, clientCase{browser: "Arikawa", parallel: true, start: startArikawa})
}

// startArikawa connects an arikawa gateway and reads its events until
// stopped.
func startArikawa(ctx context.Context, t *testing.T, f *fixture, o *observed) clientHandle {
	id := gateway.DefaultIdentifier("Bot " + testToken) // what arikawa's session package sends
	id.SetShard(testShard, testShardCount)
	id.AddIntents(gateway.IntentGuilds | gateway.IntentGuildMessages | gateway.IntentMessageContent)
	opts := gateway.DefaultGatewayOpts
	gw := gateway.NewCustomWithIdentifier(gateway.AddGatewayParams(f.srv.URL()), id, &opts)

	connCtx, cancel := context.WithCancel(ctx)
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
					o.fail(fmt.Sprintf("GUILD_CREATE decoded without an id or name: %v %q", d.ID, d.Name))
				}
				o.guild(uint64(d.ID))
			case *gateway.MessageCreateEvent:
				o.message(d.Content)
			case *gateway.ResumedEvent:
				o.resume()
			case *ws.BackgroundErrorEvent:
				o.note(fmt.Sprintf("arikawa background error: %v", d.Err))
			case *ws.CloseEvent:
				o.note(fmt.Sprintf("arikawa: connection closed: %v", d))
			}
		}
	}()
	stop := func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("arikawa's event channel stayed open 10 s after its context ended")
		}
	}
	setPresence := func(ctx context.Context) error {
		return gw.Send(ctx, &gateway.UpdatePresenceCommand{
			Status:     discord.OnlineStatus,
			Activities: []discord.Activity{{Name: presenceName, Type: discord.GameActivity}},
		})
	}
	return clientHandle{stop: stop, setPresence: setPresence}
}
