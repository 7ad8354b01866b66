package discord_test

import (
	"encoding/json"
	"testing"

	"github.com/gatewaykit/gateway/discord"
)

// The same 1.45 KB MESSAGE_CREATE d as the encoding benchmarks, decoded
// into the same struct by the generated decoder and by encoding/json.

func BenchmarkMessageCreateTyped(b *testing.B) {
	d := messageCreateD(b)
	b.SetBytes(int64(len(d)))
	b.ReportAllocs()
	var m discord.MessageCreate
	for b.Loop() {
		if err := m.DecodeJSON(d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMessageCreateTypedNew(b *testing.B) {
	d := messageCreateD(b)
	b.SetBytes(int64(len(d)))
	b.ReportAllocs()
	for b.Loop() {
		m := new(discord.MessageCreate)
		if err := m.DecodeJSON(d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMessageCreateEncodingJSON(b *testing.B) {
	d := messageCreateD(b)
	b.SetBytes(int64(len(d)))
	b.ReportAllocs()
	for b.Loop() {
		var m discord.MessageCreate
		if err := json.Unmarshal(d, &m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMessageCreateAppendJSON(b *testing.B) {
	d := messageCreateD(b)
	var m discord.MessageCreate
	if err := m.DecodeJSON(d); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(d)))
	b.ReportAllocs()
	buf := make([]byte, 0, 4096)
	for b.Loop() {
		buf = m.AppendJSON(buf[:0])
	}
}

func BenchmarkMessageCreateMarshalEncodingJSON(b *testing.B) {
	d := messageCreateD(b)
	var m discord.MessageCreate
	if err := m.DecodeJSON(d); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(d)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(m); err != nil {
			b.Fatal(err)
		}
	}
}
