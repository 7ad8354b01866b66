package gatewaytest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/gatewaykit/gateway/gatewaytest"
)

// Start an emulated gateway and ask it for GET /gateway/bot, as a shard
// manager does before connecting.
func Example() {
	srv, err := gatewaytest.NewServer(gatewaytest.Config{
		Tokens:         []string{"my-token"},
		Shards:         2,
		MaxConcurrency: 1,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := srv.Start(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodGet, srv.APIURL()+"/gateway/bot", nil)
	req.Header.Set("Authorization", "Bot my-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var gb gatewaytest.GatewayBot
	if err := json.NewDecoder(resp.Body).Decode(&gb); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("gateway on loopback:", strings.HasPrefix(gb.URL, "ws://127.0.0.1:"), gb.URL == srv.URL())
	fmt.Println("recommended shards:", gb.Shards)
	l := gb.SessionStartLimit
	fmt.Printf("session starts: %d of %d left, max_concurrency %d\n", l.Remaining, l.Total, l.MaxConcurrency)
	// Nobody is connected yet, so a published event reaches no session.
	fmt.Println("delivered:", srv.Publish(gatewaytest.Dispatch{Type: "USER_UPDATE", Data: []byte(`{}`)}))
	// Output:
	// gateway on loopback: true true
	// recommended shards: 2
	// session starts: 1000 of 1000 left, max_concurrency 1
	// delivered: 0
}
