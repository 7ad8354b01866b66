package main

import (
	"testing"
	"time"
)

// The soak's double-ownership audit tells a real overlap (both clients had
// their sockets at once) from the emulator noting a close late.
func TestSoakOverlapsTellRealFromLateCloseRecords(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	span := func(owner string, dialed, opened, clientClosed, closed int) connSpan {
		sp := connSpan{owner: owner, dialed: at(dialed), opened: at(opened), closed: at(closed)}
		if clientClosed >= 0 {
			sp.clientClosed = at(clientClosed)
		}
		return sp
	}
	cases := []struct {
		name     string
		spans    []connSpan
		overlaps int
		real     bool
	}{
		{"one after the other", []connSpan{span("a#1", 0, 1, 100, 101), span("b#2", 200, 201, 300, 301)}, 0, false},
		{"same owner reconnecting", []connSpan{span("a#1", 0, 1, 150, 250), span("a#1", 200, 201, 300, 301)}, 0, false},
		// a's client closed at 100, b dialed at 200, but the emulator
		// read a's close only at 250.
		{"close recorded late", []connSpan{span("a#1", 0, 1, 100, 250), span("b#2", 200, 201, 300, 301)}, 1, false},
		// a's client still had its socket when b dialed.
		{"both open", []connSpan{span("a#1", 0, 1, 220, 230), span("b#2", 200, 201, 300, 301)}, 1, true},
		{"a never closed by its client", []connSpan{span("a#1", 0, 1, -1, 260), span("b#2", 200, 201, 300, 301)}, 1, true},
		{"unknown owner", []connSpan{span("", 0, 1, 100, 250), span("b#2", 200, 201, 300, 301)}, 1, true},
	}
	for _, c := range cases {
		got := overlaps(map[int][]connSpan{7: c.spans}, at(1000))
		if len(got) != c.overlaps {
			t.Errorf("%s: %d overlaps, want %d", c.name, len(got), c.overlaps)
			continue
		}
		for _, o := range got {
			if o.real != c.real || o.shard != 7 {
				t.Errorf("%s: real=%v shard %d, want real=%v shard 7", c.name, o.real, o.shard, c.real)
			}
			if o.emulatorOverlap <= 0 {
				t.Errorf("%s: overlap %v, want > 0", c.name, o.emulatorOverlap)
			}
		}
	}
	// A connection still open at the audit overlaps everything after it.
	open := []connSpan{span("a#1", 0, 1, -1, 0), span("b#2", 200, 201, 300, 301)}
	open[0].closed = time.Time{}
	if got := overlaps(map[int][]connSpan{1: open}, at(1000)); len(got) != 1 || !got[0].real {
		t.Errorf("open connection: %+v, want one real overlap", got)
	}
}
