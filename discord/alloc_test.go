package discord_test

import (
	"testing"

	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/internal/testenv"
)

// TestMessageCreateDecodeAllocs holds the typed decode of the benchmarks'
// 1.45 KB MESSAGE_CREATE to its budget: at most 2 allocations on average
// into a value the caller has, 3 counting a fresh value as gatewayutil.On
// makes (the issue asks for at most 6). Strings, arrays and Members come
// from blocks a pooled decoder shares between payloads, so most events
// allocate nothing but the value itself.
func TestMessageCreateDecodeAllocs(t *testing.T) {
	testenv.SkipAllocationCounts(t)
	d := messageCreateD(t)
	var m discord.MessageCreate
	reused := testing.AllocsPerRun(200, func() {
		if err := m.DecodeJSON(d); err != nil {
			t.Fatal(err)
		}
	})
	fresh := testing.AllocsPerRun(200, func() {
		m := new(discord.MessageCreate)
		if err := m.DecodeJSON(d); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("allocations: %.0f into a reused value, %.0f into a new one", reused, fresh)
	if reused > 2 {
		t.Errorf("decoding into a reused value: %.0f allocations, budget 2", reused)
	}
	if fresh > 3 {
		t.Errorf("decoding into a new value: %.0f allocations, budget 3", fresh)
	}
}

// TestAppendJSONAllocs checks that re-encoding into a buffer with room
// allocates nothing.
func TestAppendJSONAllocs(t *testing.T) {
	testenv.SkipAllocationCounts(t)
	var m discord.MessageCreate
	if err := m.DecodeJSON(messageCreateD(t)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 8192)
	if n := testing.AllocsPerRun(200, func() { buf = m.AppendJSON(buf[:0]) }); n != 0 {
		t.Errorf("AppendJSON: %.0f allocations, want 0", n)
	}
}
