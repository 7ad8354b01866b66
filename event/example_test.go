package event_test

import (
	"fmt"

	"github.com/gatewaykit/gateway/event"
)

func Example() {
	name, ok := event.Intern([]byte("MESSAGE_CREATE"))
	fmt.Println(name == event.MessageCreate, ok, event.Known("MESSAGE_ACK"))
	// Output: true true false
}
