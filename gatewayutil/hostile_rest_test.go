package gatewayutil

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/ratelimit"
)

// hostileGatewayBot answers GET /gateway/bot with the given shard count and
// max_concurrency.
func hostileGatewayBot(t *testing.T, shards, maxConcurrency string) *restServer {
	return newRESTServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		fmt.Fprintf(w, `{"url":"ws://127.0.0.1:9","shards":%s,"session_start_limit":{"total":1000,"remaining":1000,"reset_after":0,"max_concurrency":%s}}`, shards, maxConcurrency)
	})
}

// TestFetchGatewayBotRefusesHugeValues: a /gateway/bot answering shards or
// max_concurrency 1e8 used to end in "fatal error: out of memory" (a shard
// id slice and a limiter bucket per unit, allocated before any check). Both
// are refused with ErrBadResponse naming the value; the bounds themselves
// are accepted.
func TestFetchGatewayBotRefusesHugeValues(t *testing.T) {
	for _, c := range []struct{ shards, mc, want string }{
		{"100000000", "1", "shards 100000000"},
		{fmt.Sprint(MaxShardCount + 1), "1", fmt.Sprintf("shards %d", MaxShardCount+1)},
		{"1", "100000000", "max_concurrency 100000000"},
		{"1", fmt.Sprint(ratelimit.MaxIdentifyConcurrency + 1), fmt.Sprintf("max_concurrency %d", ratelimit.MaxIdentifyConcurrency+1)},
	} {
		s := hostileGatewayBot(t, c.shards, c.mc)
		_, err := FetchGatewayBot(t.Context(), s.Client(), s.api(), testToken)
		if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("shards %s, max_concurrency %s: got %v, want ErrBadResponse about %q", c.shards, c.mc, err, c.want)
		}
		noLeak(t, err)
	}
	s := hostileGatewayBot(t, fmt.Sprint(MaxShardCount), fmt.Sprint(ratelimit.MaxIdentifyConcurrency))
	bot, err := FetchGatewayBot(t.Context(), s.Client(), s.api(), testToken)
	if err != nil || bot.Shards != MaxShardCount || bot.SessionStartLimit.MaxConcurrency != ratelimit.MaxIdentifyConcurrency {
		t.Fatalf("the bounds themselves: %+v, %v", bot, err)
	}
}

// TestManagerRefusesHugeGatewayBot: a Manager asking such a /gateway/bot
// fails to start with a clear error instead of running out of memory.
func TestManagerRefusesHugeGatewayBot(t *testing.T) {
	for _, c := range [][2]string{{"100000000", "16"}, {"16", "100000000"}} {
		s := hostileGatewayBot(t, c[0], c[1])
		m, err := NewManager(ManagerConfig{
			Shard:      Config{Token: gateway.NewToken(testToken), Intents: intents.Guilds},
			APIBase:    s.api(),
			HTTPClient: s.Client(),
		})
		if err != nil {
			t.Fatal(err)
		}
		err = m.Start(t.Context())
		if !errors.Is(err, ErrBadResponse) {
			t.Fatalf("shards %s, max_concurrency %s: Start returned %v, want ErrBadResponse", c[0], c[1], err)
		}
		noLeak(t, err)
	}
}
