package encoding

import (
	"testing"

	"github.com/gatewaykit/gateway/opcode"
)

// The ETF benchmarks decode the same events as the JSON ones, encoded the
// way Discord sends them in ETF (atom keys, snowflakes as 64-bit
// integers, t as an atom), so the pairs compare the two wire encodings of
// one event. MB/s counts the bytes of each encoding's own message.

func benchCodecDecode(b *testing.B, c Codec, msg []byte) {
	b.Helper()
	var env Envelope
	if err := c.Decode(msg, &env); err != nil {
		b.Fatalf("Decode: %v", err)
	}
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := c.Decode(msg, &env); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkETFvsJSONDecode/MESSAGE_CREATE is the hot path: one realistic
// ~1.5 KB dispatch. GUILD_CREATE is a 100 KB one.
func BenchmarkETFvsJSONDecode(b *testing.B) {
	events := []struct {
		name string
		json []byte
	}{
		{"MESSAGE_CREATE", messageCreate(b)},
		{"GUILD_CREATE_100K", guildCreate(100 << 10)},
	}
	for _, ev := range events {
		etfMsg := discordETF(b, ev.json)
		b.Run(ev.name+"/etf", func(b *testing.B) { benchCodecDecode(b, NewETF(), etfMsg) })
		b.Run(ev.name+"/json", func(b *testing.B) { benchCodecDecode(b, JSON(), ev.json) })
	}
}

// BenchmarkETFvsJSONEncode measures commands: a heartbeat and an identify.
func BenchmarkETFvsJSONEncode(b *testing.B) {
	cmds := []struct {
		name string
		env  Envelope
	}{
		{"heartbeat", Envelope{Op: opcode.Heartbeat, D: []byte(`1337`)}},
		{"identify", Envelope{Op: opcode.Identify, D: []byte(`{"token":"Bot abc.def","intents":3276799,"properties":{"os":"linux","browser":"gatewaykit","device":"gatewaykit"},"compress":false,"large_threshold":250,"shard":[0,1],"presence":{"since":null,"activities":[{"name":"tests","type":0}],"status":"online","afk":false}}`)}},
	}
	for _, cmd := range cmds {
		for _, c := range []Codec{NewETF(), JSON()} {
			b.Run(cmd.name+"/"+c.Name(), func(b *testing.B) {
				buf, err := c.Encode(nil, &cmd.env)
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(buf)))
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if buf, err = c.Encode(buf[:0], &cmd.env); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
