package gateway_test

import (
	"io"
	"os"
	"testing"

	"github.com/gatewaykit/gateway"
)

// BenchmarkClientProcess measures the core's cost per MESSAGE_CREATE
// dispatch on top of the envelope scan.
func BenchmarkClientProcess(b *testing.B) {
	d, err := os.ReadFile("encoding/testdata/message_create.json")
	if err != nil {
		b.Skipf("SKIP: no realistic MESSAGE_CREATE fixture: %v", err)
	}
	c, _ := gateway.NewClient(gateway.WithToken(testToken), gateway.WithIntents(0))
	w := &wire{}
	for _, m := range [][]byte{hello, ready} {
		if _, err := c.Process(m, w); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(d)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := c.Process(d, io.Discard)
		if err != nil || !res.IsDispatch() {
			b.Fatal(err, res.Kind)
		}
	}
}
