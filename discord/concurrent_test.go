package discord_test

import (
	"bytes"
	"sync"
	"testing"

	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/gatewaytest"
)

// TestConcurrentDecodesStayApart decodes the same traffic on several
// goroutines at once (decoder states are pooled, strings share buffers)
// while the input buffers are overwritten after each decode, and checks
// that every value still re-encodes to what a lone decode gave.
func TestConcurrentDecodesStayApart(t *testing.T) {
	tr := gatewaytest.NewTraffic(gatewaytest.TrafficConfig{Seed: 11, Guilds: 4, HugeEvery: -1})
	type sample struct {
		typ  string
		data []byte
		want []byte
	}
	var samples []sample
	for range 300 {
		ev := tr.Next()
		p, _ := discord.PayloadFor(ev.Type)
		if err := p.DecodeJSON(ev.Data); err != nil {
			t.Fatal(err)
		}
		samples = append(samples, sample{ev.Type, ev.Data, p.AppendJSON(nil)})
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var kept []discord.Payload
			for i := range samples {
				s := samples[(i+g*75)%len(samples)]
				buf := bytes.Clone(s.data)
				p, _ := discord.PayloadFor(s.typ)
				if err := p.DecodeJSON(buf); err != nil {
					errs <- err.Error()
					return
				}
				clear(buf) // the shard reuses its buffer
				kept = append(kept, p)
			}
			for i, p := range kept {
				s := samples[(i+g*75)%len(samples)]
				if got := p.AppendJSON(nil); !bytes.Equal(got, s.want) {
					errs <- s.typ + ": " + string(got)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
