package opcode_test

import (
	"fmt"

	"github.com/gatewaykit/gateway/opcode"
)

func Example() {
	op := opcode.Opcode(11)
	fmt.Println(op, op.Receivable(), op.Sendable())
	fmt.Println(opcode.Opcode(5), opcode.Opcode(5).Known())
	// Output:
	// HEARTBEAT_ACK true false
	// OPCODE(5) false
}
