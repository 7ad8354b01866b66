package cluster

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewayutil"
)

func TestParseChunk(t *testing.T) {
	for v, want := range map[string][2]int{"1/2": {1, 2}, "7/7": {7, 7}, "3/10": {3, 10}} {
		i, n, ok := parseChunk(v)
		if !ok || i != want[0] || n != want[1] {
			t.Errorf("parseChunk(%q) = %d, %d, %v", v, i, n, ok)
		}
	}
	for _, v := range []string{"", "1", "0/2", "3/2", "1/1", "a/2", "1/b", "-1/2", "1/2/3"} {
		if _, _, ok := parseChunk(v); ok {
			t.Errorf("parseChunk(%q) accepted", v)
		}
	}
}

// The assembler joins the parts of an event in order, gives up on an event
// whose parts do not follow each other (counting it once) and on one bigger
// than its bound, and never holds more than one event.
func TestAssemblerJoinsAndDropsIncompleteEvents(t *testing.T) {
	a := assembler{max: 10}
	if w, d := a.add("s", 5, 1, 3, []byte("abc")); w != nil || d != 0 || !a.holding() {
		t.Fatalf("first part: %q, %d dropped, holding %v", w, d, a.holding())
	}
	a.add("s", 5, 2, 3, []byte("def"))
	if w, d := a.add("s", 5, 3, 3, []byte("g")); string(w) != "abcdefg" || d != 0 || a.holding() {
		t.Fatalf("last part: %q, %d dropped, holding %v", w, d, a.holding())
	}

	// Part 2 missing: the event is dropped when part 3 comes, its
	// remaining parts are not counted again, and the next event joins.
	a.add("s", 6, 1, 4, []byte("a"))
	if w, d := a.add("s", 6, 3, 4, []byte("c")); w != nil || d != 1 || a.holding() {
		t.Fatalf("gap: %q, %d dropped, holding %v", w, d, a.holding())
	}
	if _, d := a.add("s", 6, 4, 4, []byte("d")); d != 0 {
		t.Fatalf("rest of a dropped event counted again: %d", d)
	}
	// A first part arriving while another event is held drops the held one.
	a.add("s", 7, 1, 2, []byte("x"))
	if w, d := a.add("s", 8, 1, 2, []byte("y")); w != nil || d != 1 {
		t.Fatalf("new event over a held one: %q, %d dropped", w, d)
	}
	if w, _ := a.add("s", 8, 2, 2, []byte("z")); string(w) != "yz" {
		t.Fatalf("event after a dropped one: %q", w)
	}
	// Starting mid-event (a takeover after the stream dropped the first
	// parts, a live subscription joining late): counted once.
	if _, d := a.add("s", 9, 2, 3, []byte("b")); d != 1 {
		t.Fatalf("mid-event start: %d dropped", d)
	}
	if _, d := a.add("s", 9, 3, 3, []byte("c")); d != 0 {
		t.Fatalf("mid-event start counted twice")
	}
	// Over the bound: dropped, nothing kept.
	a.add("s", 10, 1, 2, []byte("123456"))
	if w, d := a.add("s", 10, 2, 2, []byte("789012")); w != nil || d != 1 || a.holding() || a.buf != nil {
		t.Fatalf("over max: %q, %d dropped, holding %v, buf %d bytes", w, d, a.holding(), len(a.buf))
	}
}

// hugeEventData is a MESSAGE_CREATE-shaped payload of about size bytes.
func hugeEventData(guild uint64, seq, size int) []byte {
	b := messageData(guild, seq)
	pad := bytes.Repeat([]byte("x"), size)
	return append(append(b[:len(b)-1], `,"pad":"`...), append(pad, `"}`...)...)
}

// An event bigger than the server's max_payload (1 MiB here) is published in
// parts into the durable stream, each part stored once even when the event
// is replayed, and a worker hands the whole event to its handlers, between
// its neighbours, once.
func TestDurableEventOverMaxPayloadIsPublishedInParts(t *testing.T) {
	srv := startNATS(t)
	cfg := eventsConfig()
	pub, pnc := newPublisher(t, srv.URL(), cfg, PublisherConfig{Mode: Durable, StreamMaxBytes: 64 << 20})
	if mp := pnc.MaxPayload(); mp != 1<<20 {
		t.Fatalf("server max_payload %d, the test assumes 1 MiB", mp)
	}
	const shards = 1
	var got [][]byte
	rec := newRecorder(shards)
	d := gatewayutil.NewDispatcher()
	d.SubscribeAll(func(ctx context.Context, e *gatewayutil.Event) {
		rec.mu.Lock()
		got = append(got, append([]byte(nil), e.Data...))
		rec.mu.Unlock()
		rec.handler(ctx, e)
	})
	wnc := connectNATS(t, srv.URL(), "w")
	c, err := NewConsumer(context.Background(), openBuckets(t, wnc, cfg), wnc, ConsumerConfig{
		Group: "svc", Instance: "w", ShardCount: shards, Dispatcher: d, Mode: Durable,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	sp := pub.ForShard(0)
	sp.SetSession(gateway.Session{ID: "s"})
	want := map[int][]byte{}
	for seq := 1; seq <= 6; seq++ {
		data := messageData(9<<22, seq)
		if seq == 3 || seq == 4 {
			data = hugeEventData(9<<22, seq, 2<<20+seq*1000) // 3 parts
		}
		want[seq] = data
		e := &gatewayutil.Event{Shard: 0, Type: "GUILD_MEMBERS_CHUNK", Seq: int64(seq), Data: data}
		if err := sp.Dispatch(context.Background(), e); err != nil {
			t.Fatalf("seq %d: %v", seq, err)
		}
		if seq == 4 {
			// Replayed after a resume: every part deduplicated.
			if err := sp.Dispatch(context.Background(), e); err != nil {
				t.Fatal(err)
			}
		}
	}
	if st := pub.Stats(); st.Chunked != 3 || st.Failed != 0 {
		t.Fatalf("publisher stats %+v: want 3 events in parts (one a replay), none failed", st)
	}
	eventually(t, 20*time.Second, "every event handled", func() bool { return rec.n.Load() >= 6 })
	time.Sleep(200 * time.Millisecond) // room for a repeat to show
	rec.check(t, map[int]int64{0: 6})
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for i, b := range got {
		if !bytes.Equal(b, want[i+1]) {
			t.Errorf("event %d: %d bytes handled, want %d (the parts were not joined as published)", i+1, len(b), len(want[i+1]))
		}
	}
	if st := c.Stats(); st.Incomplete != 0 || st.Malformed != 0 {
		t.Errorf("consumer stats %+v", st)
	}
}

// FuzzChunkHeaders feeds the assembler parts whose Gateway-Chunk values and
// sizes come from the peer: it never panics, never holds more than its
// bound, and returns a whole event only after a first part and every part
// after it, in order.
func FuzzChunkHeaders(f *testing.F) {
	f.Add("1/2", "2/2", "1/3", []byte("abc"))
	f.Add("2/3", "3/3", "1/1", []byte(""))
	f.Add("0/2", "9/9", "1/2", []byte("xxxxxxxxxxxxxxxxxxxxxxxxx"))
	f.Fuzz(func(t *testing.T, a, b, c string, data []byte) {
		asm := assembler{max: 16}
		started := false
		next := 0
		for _, v := range []string{a, b, c, a, b} {
			i, n, ok := parseChunk(v)
			if !ok {
				continue
			}
			if i < 1 || n < 2 || i > n {
				t.Fatalf("parseChunk(%q) accepted %d/%d", v, i, n)
			}
			whole, _ := asm.add("s", 1, i, n, data)
			if len(asm.buf) > asm.max {
				t.Fatalf("holding %d bytes, bound %d", len(asm.buf), asm.max)
			}
			switch {
			case i == 1:
				started, next = true, 2
			case started && i == next:
				next++
			default:
				started = false
			}
			if whole != nil && (!started || i != n || len(whole) > asm.max) {
				t.Fatalf("whole event of %d bytes after part %d/%d without its parts in order", len(whole), i, n)
			}
			if whole != nil {
				started = false
			}
		}
	})
}
