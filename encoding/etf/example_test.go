package etf_test

import (
	"fmt"

	"github.com/gatewaykit/gateway/encoding/etf"
)

// Example decodes a dispatch as Discord sends it, with atom keys, a
// snowflake as a 64-bit integer and the event name as an atom, and encodes
// a heartbeat command from JSON.
func Example() {
	// #{op => 0, t => 'READY', d => #{id => 1234567890123456789, shard => [0, 1]}}
	// with UTF-8 atoms as keys, as Discord sends it.
	msg := []byte{131, 116, 0, 0, 0, 3,
		119, 2, 'o', 'p', 97, 0,
		119, 1, 't', 119, 5, 'R', 'E', 'A', 'D', 'Y',
		119, 1, 'd', 116, 0, 0, 0, 2,
		119, 2, 'i', 'd', 110, 8, 0, 0x15, 0x81, 0xe9, 0x7d, 0xf4, 0x10, 0x22, 0x11,
		119, 5, 's', 'h', 'a', 'r', 'd', 107, 0, 2, 0, 1,
	}
	var d etf.Decoder
	js, err := d.AppendJSON(nil, msg)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s\n", js)

	var e etf.Encoder
	cmd, err := e.AppendFromJSON(nil, []byte(`{"op":1,"d":251}`))
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", cmd)

	// Output:
	// {"op":0,"t":"READY","d":{"id":"1234567890123456789","shard":[0,1]}}
	// 83 74 00 00 00 02 6d 00 00 00 02 6f 70 61 01 6d 00 00 00 01 64 61 fb
}
