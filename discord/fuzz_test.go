package discord_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
)

// FuzzDecodePayload feeds untrusted bytes to the generated decoder of one
// of the 79 payload types (picked by kind). It must never panic; what it
// accepts must re-encode as valid JSON that decodes again, and encoding is
// stable from then on.
func FuzzDecodePayload(f *testing.F) {
	index := map[string]uint8{}
	for i, name := range event.All {
		index[name] = uint8(i)
	}
	f.Add(index[event.MessageCreate], messageCreateD(f))
	tr := gatewaytest.NewTraffic(gatewaytest.TrafficConfig{Seed: 3, Guilds: 2, HugeEvery: -1, DMShare: 0.2})
	seeded := map[string]bool{}
	for range 2000 {
		ev := tr.Next()
		if !seeded[ev.Type] {
			seeded[ev.Type] = true
			f.Add(index[ev.Type], ev.Data)
		}
	}
	f.Add(index[event.Ready], []byte(`{"v":10,"user":{"id":"1","username":"b","discriminator":"0","global_name":null,"avatar":null,"bot":true},"guilds":[{"id":"2","unavailable":true}],"session_id":"s","resume_gateway_url":"wss://x","shard":[0,1],"application":{"id":"1","flags":0}}`))
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		name := event.All[int(kind)%len(event.All)]
		p, _ := discord.PayloadFor(name)
		if err := p.DecodeJSON(data); err != nil {
			return
		}
		out1 := p.AppendJSON(nil)
		if !json.Valid(out1) {
			t.Fatalf("%s: re-encoding is not JSON: %s", name, out1)
		}
		q, _ := discord.PayloadFor(name)
		if err := q.DecodeJSON(out1); err != nil {
			t.Fatalf("%s: own output does not decode: %v\n%s", name, err, out1)
		}
		if out2 := q.AppendJSON(nil); !bytes.Equal(out1, out2) {
			t.Fatalf("%s: encoding not stable:\n%s\n%s", name, out1, out2)
		}
	})
}

// FuzzTimestamp checks the timestamp parser against its own output: any
// string it accepts must come back from encoding as the same instant.
func FuzzTimestamp(f *testing.F) {
	for _, s := range []string{
		"2025-11-02T18:04:31.512000+00:00", "2025-11-02T18:04:31Z", "2025-11-02T18:04:31.5-07:30",
		"0001-01-01T00:00:00Z", "9999-12-31T23:59:60.999999999+00:00", "2024-02-29T00:00:00+23:59",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		in, _ := json.Marshal(s)
		var ts discord.Timestamp
		if err := ts.UnmarshalJSON(in); err != nil {
			return
		}
		out, err := ts.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back discord.Timestamp
		if err := back.UnmarshalJSON(out); err != nil {
			t.Fatalf("%q -> %s does not parse: %v", s, out, err)
		}
		if !back.Equal(ts.Time) {
			t.Fatalf("%q -> %s -> %v, want %v", s, out, back, ts)
		}
	})
}
