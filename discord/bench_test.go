package discord_test

import (
	"encoding/json"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/encoding"
)

// cpuTime returns the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loop runs body b.N times and reports, besides ns/op (wall clock), the
// process's CPU time per op, garbage collection included: on a shared
// machine it is the steadier of the two.
func loop(b *testing.B, body func()) {
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		body()
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// The same 1.45 KB MESSAGE_CREATE d as the encoding benchmarks, decoded
// into the same struct by the generated decoder and by encoding/json.

func BenchmarkMessageCreateTyped(b *testing.B) {
	d := messageCreateD(b)
	b.SetBytes(int64(len(d)))
	var m discord.MessageCreate
	loop(b, func() {
		if err := m.DecodeJSON(d); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkMessageCreateTypedNew(b *testing.B) {
	d := messageCreateD(b)
	b.SetBytes(int64(len(d)))
	loop(b, func() {
		m := new(discord.MessageCreate)
		if err := m.DecodeJSON(d); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkMessageCreateEncodingJSON(b *testing.B) {
	d := messageCreateD(b)
	b.SetBytes(int64(len(d)))
	loop(b, func() {
		var m discord.MessageCreate
		if err := json.Unmarshal(d, &m); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkMessageCreateAppendJSON(b *testing.B) {
	d := messageCreateD(b)
	var m discord.MessageCreate
	if err := m.DecodeJSON(d); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(d)))
	buf := make([]byte, 0, 4096)
	loop(b, func() { buf = m.AppendJSON(buf[:0]) })
}

func BenchmarkMessageCreateMarshalEncodingJSON(b *testing.B) {
	d := messageCreateD(b)
	var m discord.MessageCreate
	if err := m.DecodeJSON(d); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(d)))
	loop(b, func() {
		if _, err := json.Marshal(m); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkMessageCreateEnvelopeFloor decodes the whole MESSAGE_CREATE
// message (the envelope, validating d without building anything) with the
// project's JSON codec: the least any decoder must do with these bytes.
// Typed decoding's cost is best read as a multiple of this, measured in
// the same run.
func BenchmarkMessageCreateEnvelopeFloor(b *testing.B) {
	msg, err := os.ReadFile("../encoding/testdata/message_create.json")
	if err != nil {
		b.Fatal(err)
	}
	codec := encoding.JSON()
	var env encoding.Envelope
	b.SetBytes(int64(len(msg)))
	loop(b, func() {
		if err := codec.Decode(msg, &env); err != nil {
			b.Fatal(err)
		}
	})
}
