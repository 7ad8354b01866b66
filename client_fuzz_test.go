package gateway_test

import (
	"bytes"
	"testing"

	"github.com/gatewaykit/gateway"
)

// FuzzClient feeds a Client arbitrary message sequences (split on 0xff
// bytes) after a valid start. Nothing may panic, and the state must only
// move forward.
func FuzzClient(f *testing.F) {
	sep := []byte{0xff}
	f.Add(bytes.Join([][]byte{hello, ready, mc(2), mc(3)}, sep))
	f.Add(bytes.Join([][]byte{hello, msg(9, nil, nil, "true"), mc(2)}, sep))
	f.Add(bytes.Join([][]byte{msg(7, nil, nil, "null"), hello}, sep))
	f.Add(bytes.Join([][]byte{hello, ready, msg(1, nil, nil, "null"), ack, []byte(`{"op":0,"s":-1,"t":"X","d":[]}`)}, sep))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := gateway.NewClient(gateway.WithToken(testToken), gateway.WithIntents(0), gateway.WithLogger(quiet)) // logs would slow fuzzing
		if err != nil {
			t.Fatal(err)
		}
		w := &wire{}
		prev := c.State()
		for _, m := range bytes.Split(data, sep) {
			res, err := c.Process(m, w)
			st := c.State()
			if st < prev {
				t.Fatalf("state went back from %v to %v", prev, st)
			}
			prev = st
			if err == nil && res.IsDispatch() && res.Seq > c.Seq() {
				t.Fatalf("seq %d delivered but Seq() is %d", res.Seq, c.Seq())
			}
			_ = c.Heartbeat(w)
		}
		for _, p := range w.payloads {
			if len(p) > gateway.MaxPayloadSize {
				t.Fatalf("wrote %d bytes", len(p))
			}
		}
	})
}
