package interop

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// TestDiscordgo runs discordgo v0.28.1 unchanged against the emulator (see
// runClient). discordgo identifies with "Bot <token>", the $-spelled
// properties, a legacy game presence with an empty status and no
// activities, and compress:true (the emulator then zlib-compresses large
// payloads, which discordgo inflates). It resumes on the URL it first
// connected to, not on resume_gateway_url.
func TestDiscordgo(t *testing.T) {
	runClient(t, clientCase{browser: "DiscordGo", start: startDiscordgo})
}

// startDiscordgo starts a discordgo session. discordgo takes its REST base
// from package variables, read when it asks GET /gateway for the gateway
// URL: they point at the emulator until the session stops.
func startDiscordgo(_ context.Context, t *testing.T, f *fixture, o *observed) clientHandle {
	oldGateway, oldGatewayBot, oldLogger := discordgo.EndpointGateway, discordgo.EndpointGatewayBot, discordgo.Logger
	discordgo.EndpointGateway = f.srv.APIURL() + "/gateway"
	discordgo.EndpointGatewayBot = discordgo.EndpointGateway + "/bot"
	discordgo.Logger = func(level, _ int, format string, a ...any) {
		msg := fmt.Sprintf(format, a...)
		if level == discordgo.LogError {
			o.fail("discordgo logged an error: " + msg)
		} else {
			o.note(fmt.Sprintf("discordgo (level %d): %s", level, msg))
		}
	}
	restore := func() {
		discordgo.EndpointGateway, discordgo.EndpointGatewayBot, discordgo.Logger = oldGateway, oldGatewayBot, oldLogger
	}

	dg, err := discordgo.New("Bot " + testToken)
	if err != nil {
		restore()
		t.Fatal(err)
	}
	dg.LogLevel = discordgo.LogError
	dg.SyncEvents = true // handlers in arrival order, on the reading goroutine
	dg.ShardID, dg.ShardCount = testShard, testShardCount
	dg.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentMessageContent

	dg.AddHandler(func(_ *discordgo.Session, e *discordgo.Event) { o.seq(e.Sequence) })
	dg.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
		var shard []int
		if r.Shard != nil {
			shard = r.Shard[:]
		}
		o.ready(r.SessionID, shard)
	})
	dg.AddHandler(func(_ *discordgo.Session, g *discordgo.GuildCreate) {
		id, err := strconv.ParseUint(g.ID, 10, 64)
		if err != nil || g.Name == "" {
			o.fail(fmt.Sprintf("GUILD_CREATE decoded without an id or name: %q %q", g.ID, g.Name))
		}
		o.guild(id)
	})
	dg.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { o.message(m.Content) })
	dg.AddHandler(func(_ *discordgo.Session, _ *discordgo.Resumed) { o.resume() })

	if err := dg.Open(); err != nil {
		restore()
		t.Fatalf("discordgo Open: %v", err)
	}
	return clientHandle{
		stop: func() {
			if err := dg.Close(); err != nil {
				t.Errorf("discordgo Close: %v", err)
			}
			restore()
		},
		setPresence: func(context.Context) error { return dg.UpdateGameStatus(0, presenceName) },
	}
}
