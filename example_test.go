package gateway_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/intents"
)

// A Client driven by hand: the messages a gateway would send go in, the
// payloads the client answers with come out.
func Example() {
	c, err := gateway.NewClient(
		gateway.WithToken("my-token"),
		gateway.WithIntents(intents.Guilds|intents.GuildMessages),
		gateway.WithShard(0, 1),
		gateway.WithProperties(gateway.Properties{OS: "linux", Browser: "example", Device: "example"}),
	)
	if err != nil {
		panic(err)
	}
	var out bytes.Buffer
	server := []string{
		`{"op":10,"d":{"heartbeat_interval":41250}}`,
		`{"op":0,"s":1,"t":"READY","d":{"session_id":"abc","resume_gateway_url":"wss://gateway.discord.gg"}}`,
		`{"op":0,"s":2,"t":"MESSAGE_CREATE","d":{"id":"1","content":"hello"}}`,
		`{"op":1,"d":null}`,
	}
	for _, m := range server {
		out.Reset()
		res, err := c.ProcessNext(strings.NewReader(m), &out)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%-17s state=%-9v seq=%d", res.Kind, c.State(), c.Seq())
		if res.IsDispatch() {
			fmt.Printf(" %s", res.Type)
		}
		if out.Len() > 0 && !strings.Contains(out.String(), "my-token") {
			fmt.Printf(" -> %s", out.String())
		} else if out.Len() > 0 {
			fmt.Printf(" -> identify (%d bytes)", out.Len())
		}
		fmt.Println()
	}
	s := c.Close(closecode.Resumable)
	fmt.Println(s)
	// Output:
	// hello             state=identify  seq=0 -> identify (128 bytes)
	// ready             state=connected seq=1 READY
	// dispatch          state=connected seq=2 MESSAGE_CREATE
	// heartbeat request state=connected seq=2 -> {"op":1,"d":2}
	// session abc seq 2 shard [0, 1]
}
