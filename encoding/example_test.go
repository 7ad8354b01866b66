package encoding_test

import (
	"fmt"

	"github.com/gatewaykit/gateway/encoding"
	"github.com/gatewaykit/gateway/opcode"
)

// Decode a dispatch, read one field of its data lazily, and encode a
// heartbeat carrying its sequence number.
func Example() {
	codec, err := encoding.New("json")
	if err != nil {
		fmt.Println(err)
		return
	}

	msg := []byte(`{"t":"MESSAGE_CREATE","s":42,"op":0,"d":{"id":"1434612333180436481","guild_id":"1091403920930152448","content":"hi"}}`)
	var env encoding.Envelope
	if err := codec.Decode(msg, &env); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(env.Op, env.S, env.T)
	fmt.Println(string(env.D))

	raw, found, err := encoding.Lookup(env.D, "guild_id")
	if err != nil || !found {
		fmt.Println("no guild_id", err)
		return
	}
	guildID, _ := encoding.ParseSnowflake(raw)
	fmt.Println("guild", guildID)

	heartbeat := encoding.Envelope{Op: opcode.Heartbeat, D: []byte("42")}
	out, err := codec.Encode(nil, &heartbeat)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))

	// Output:
	// DISPATCH 42 MESSAGE_CREATE
	// {"id":"1434612333180436481","guild_id":"1091403920930152448","content":"hi"}
	// guild 1091403920930152448
	// {"op":1,"d":42}
}

// A malformed message is an error that says where the problem is.
func ExampleSyntaxError() {
	var env encoding.Envelope
	err := encoding.JSON().Decode([]byte(`{"op":0,"d":{"a":1,}}`), &env)
	fmt.Println(err)
	// Output:
	// json: malformed message at offset 19: invalid character '}' looking for beginning of object key string
}

// Read the routing keys of an event's data in one pass.
func ExampleLookupKeys() {
	d := []byte(`{"id":"1434612333180436481","channel_id":"1091403921475407882","author":{"id":"298765432109876543"},"guild_id":"1091403920930152448"}`)
	keys := []string{"guild_id", "channel_id", "author", "user_id"}
	var values [4][]byte
	if err := encoding.LookupKeys(d, keys, values[:]); err != nil {
		fmt.Println(err)
		return
	}
	for i, key := range keys {
		if values[i] == nil {
			fmt.Println(key, "absent")
			continue
		}
		fmt.Println(key, string(values[i]))
	}
	authorID, _, _ := encoding.Lookup(values[2], "id")
	id, ok := encoding.ParseSnowflake(authorID)
	fmt.Println("author id", id, ok)
	// Output:
	// guild_id "1091403920930152448"
	// channel_id "1091403921475407882"
	// author {"id":"298765432109876543"}
	// user_id absent
	// author id 298765432109876543 true
}
