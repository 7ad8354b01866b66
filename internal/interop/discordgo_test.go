package interop

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// TestDiscordgo runs discordgo v0.28.1 unchanged against the emulator as
// shard 1 of 2: READY for that shard, the GUILD_CREATE of exactly its
// guilds, MESSAGE_CREATEs in order, then op 7 Reconnect, after which it
// must RESUME (one identify in all), get the events published meanwhile
// replayed, and go on with no gap in the sequence numbers. discordgo
// identifies with "Bot <token>", the $-spelled properties, a legacy game
// presence with an empty status, and compress:true (the emulator then
// zlib-compresses large payloads, which discordgo inflates).
func TestDiscordgo(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()

	// discordgo takes its REST base from package variables, read when it
	// asks for GET /gateway; the URL it gets back is the emulator's.
	oldGateway, oldGatewayBot := discordgo.EndpointGateway, discordgo.EndpointGatewayBot
	discordgo.EndpointGateway = f.srv.APIURL() + "/gateway"
	discordgo.EndpointGatewayBot = discordgo.EndpointGateway + "/bot"
	var o observed
	oldLogger := discordgo.Logger
	discordgo.Logger = func(level, _ int, format string, a ...any) {
		msg := fmt.Sprintf(format, a...)
		t.Logf("discordgo (level %d): %s", level, msg)
		if level == discordgo.LogError {
			o.mu.Lock()
			o.errs = append(o.errs, "discordgo logged an error: "+msg)
			o.mu.Unlock()
		}
	}
	t.Cleanup(func() {
		discordgo.EndpointGateway, discordgo.EndpointGatewayBot = oldGateway, oldGatewayBot
		discordgo.Logger = oldLogger
	})

	dg, err := discordgo.New("Bot " + testToken)
	if err != nil {
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
			o.mu.Lock()
			o.errs = append(o.errs, fmt.Sprintf("GUILD_CREATE decoded without an id or name: %q %q", g.ID, g.Name))
			o.mu.Unlock()
		}
		o.guild(id)
	})
	dg.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { o.message(m.Content) })
	dg.AddHandler(func(_ *discordgo.Session, _ *discordgo.Resumed) { o.resume() })

	if err := dg.Open(); err != nil {
		t.Fatalf("discordgo Open: %v", err)
	}
	defer dg.Close()
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
		t.Fatalf("discordgo kept the connection after op 7")
	}
	f.publishMessages(t, 5, 5) // while discordgo reconnects: replayed on resume
	o.waitFor(ctx, t, "RESUMED", func(o *observed) bool { return o.resumed > 0 })
	f.publishMessages(t, 10, 5)
	o.waitMessages(ctx, t, 15)

	o.check(t, f, 15)
	f.checkResumedOnce(t, "DiscordGo", minSeq, o.seqsSeen())
}
