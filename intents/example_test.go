package intents_test

import (
	"fmt"

	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/intents"
)

func Example() {
	need := intents.For(event.MessageCreate, event.GuildCreate)
	fmt.Println(need, uint64(need))
	i, err := intents.Parse("GUILDS|GUILD_MEMBERS")
	fmt.Println(i.Privileged(), err)
	_, err = intents.Parse("GUILD_MESAGES")
	fmt.Println(err)
	// Output:
	// GUILDS|GUILD_MESSAGES|DIRECT_MESSAGES 4609
	// GUILD_MEMBERS <nil>
	// intents: unknown intent "GUILD_MESAGES"
}
