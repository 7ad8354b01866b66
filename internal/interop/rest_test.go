package interop

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/diamondburned/arikawa/v3/api"
	"github.com/disgoorg/disgo/rest"
)

// restBot is what a client decoded from GET /gateway/bot.
type restBot struct {
	url                               string
	shards, total, remaining, maxConc int
	resetAfter                        time.Duration
}

// TestGatewayBotREST has each client's own REST code ask the emulator for
// GET /gateway/bot, as a shard manager does before it connects: each must
// decode the gateway URL, the recommended shard count and the session start
// limit the emulator serves (and authenticate as that client does: discordgo
// and arikawa with the "Bot " prefix given by the user, disgo adding it).
func TestGatewayBotREST(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()

	clients := map[string]func() (restBot, error){
		"discordgo": func() (restBot, error) {
			old := discordgo.EndpointGatewayBot
			discordgo.EndpointGatewayBot = f.srv.APIURL() + "/gateway/bot"
			defer func() { discordgo.EndpointGatewayBot = old }()
			dg, err := discordgo.New("Bot " + testToken)
			if err != nil {
				return restBot{}, err
			}
			gb, err := dg.GatewayBot(discordgo.WithContext(ctx))
			if err != nil {
				return restBot{}, err
			}
			l := gb.SessionStartLimit
			return restBot{gb.URL, gb.Shards, l.Total, l.Remaining, l.MaxConcurrency, time.Duration(l.ResetAfter) * time.Millisecond}, nil
		},
		"arikawa": func() (restBot, error) {
			old := api.EndpointGatewayBot
			api.EndpointGatewayBot = f.srv.APIURL() + "/gateway/bot"
			defer func() { api.EndpointGatewayBot = old }()
			gb, err := api.NewClient("Bot " + testToken).WithContext(ctx).BotURL()
			if err != nil {
				return restBot{}, err
			}
			if gb.StartLimit == nil {
				return restBot{url: gb.URL, shards: gb.Shards}, nil
			}
			l := gb.StartLimit
			return restBot{gb.URL, gb.Shards, l.Total, l.Remaining, l.MaxConcurrency, l.ResetAfter.Duration()}, nil
		},
		"disgo": func() (restBot, error) {
			client := rest.NewClient(testToken, rest.WithURL(f.srv.APIURL()))
			defer client.Close(ctx)
			gb, err := rest.NewGateway(client).GetGatewayBot(rest.WithCtx(ctx))
			if err != nil {
				return restBot{}, err
			}
			l := gb.SessionStartLimit
			return restBot{gb.URL, gb.Shards, l.Total, l.Remaining, l.MaxConcurrency, time.Duration(l.ResetAfter) * time.Millisecond}, nil
		},
	}
	cfg := f.srv.Config()
	for name, get := range clients {
		got, err := get()
		if err != nil {
			t.Errorf("%s: GET /gateway/bot: %v", name, err)
			continue
		}
		// discordgo appends a slash to the URL it got (for macOS, its
		// comment says).
		if strings.TrimSuffix(got.url, "/") != f.srv.URL() || got.shards != testShardCount || got.total != cfg.SessionStartLimit ||
			got.remaining != cfg.SessionStartLimit || got.maxConc != cfg.MaxConcurrency ||
			got.resetAfter <= 0 || got.resetAfter > 24*time.Hour {
			t.Errorf("%s decoded %+v; the emulator serves url %s, %d shards, %d of %d session starts, max_concurrency %d",
				name, got, f.srv.URL(), testShardCount, cfg.SessionStartLimit, cfg.SessionStartLimit, cfg.MaxConcurrency)
		}
	}
}
