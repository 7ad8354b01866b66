package closecode_test

import (
	"fmt"

	"github.com/gatewaykit/gateway/closecode"
)

func Example() {
	for _, c := range []closecode.Code{4000, 4007, 4014} {
		fmt.Println(c, "->", c.Action())
	}
	// Output:
	// 4000 unknown error -> resume
	// 4007 invalid seq -> reidentify
	// 4014 disallowed intent(s) -> fatal
}
