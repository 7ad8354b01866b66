package gatewayutil_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"

	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/ratelimit"
)

// Ask /gateway/bot how many shards to run and how fast they may identify,
// then hand the session start limit to the identify limiter. A stand-in for
// Discord on 127.0.0.1 answers here; pass "" as the API base for Discord.
func ExampleFetchGatewayBot() {
	discord := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bot my-token" {
			http.Error(w, `{"message": "401: Unauthorized", "code": 0}`, http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"url": "wss://gateway.discord.gg", "shards": 64, "session_start_limit":
			{"total": 2000, "remaining": 1987, "reset_after": 3600000, "max_concurrency": 16}}`)
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	discord.Listener = l
	discord.Start()
	defer discord.Close()
	api := discord.URL + "/api/v10"
	ctx := context.Background()

	bot, err := gatewayutil.FetchGatewayBot(ctx, nil, api, "my-token")
	if err != nil {
		fmt.Println(err)
		return
	}
	ssl := bot.SessionStartLimit
	fmt.Printf("%s: %d shards, %d of %d session starts left for %v, %d at a time\n",
		bot.URL, bot.Shards, ssl.Remaining, ssl.Total, ssl.ResetAfter, ssl.MaxConcurrency)

	identify, err := ratelimit.NewLocalIdentifyLimiter(ssl.MaxConcurrency, ratelimit.WithSessionStartLimit(ssl))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("can start all shards:", identify.CanStart(ctx, bot.Shards) == nil)

	_, err = gatewayutil.FetchGatewayBot(ctx, nil, api, "Bot wrong-token")
	fmt.Println("wrong token refused:", errors.Is(err, gatewayutil.ErrUnauthorized))

	// Output:
	// wss://gateway.discord.gg: 64 shards, 1987 of 2000 session starts left for 1h0m0s, 16 at a time
	// can start all shards: true
	// wrong token refused: true
}
