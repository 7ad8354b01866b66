package gatewayutil

import (
	"bytes"
	"compress/flate"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/internal/testenv"
)

// zlibStreamMessages compresses msgs as one zlib stream with a sync flush
// after each, the way the gateway sends zlib-stream, with the standard
// library's compressor (not the decompressor's sibling).
func zlibStreamMessages(t testing.TB, msgs [][]byte) [][]byte {
	t.Helper()
	var buf bytes.Buffer
	buf.Write([]byte{0x78, 0x9c})
	fw, err := flate.NewWriter(&buf, flate.DefaultCompression)
	require.NoError(t, err)
	out := make([][]byte, len(msgs))
	for i, m := range msgs {
		_, err := fw.Write(m)
		require.NoError(t, err)
		require.NoError(t, fw.Flush())
		out[i] = bytes.Clone(buf.Bytes())
		buf.Reset()
	}
	return out
}

// idleTestMessages is a long, varied gateway stream: tiny messages (ACKs),
// realistic dispatches from the emulator's generator, and huge ones well
// over the 32 KiB window (a GUILD_CREATE-sized blob of many events), for
// many windows' worth of output.
func idleTestMessages(t testing.TB, n int, seed uint64) [][]byte {
	t.Helper()
	tr := gatewaytest.NewTraffic(gatewaytest.TrafficConfig{Seed: int64(seed), Guilds: 20, HugeEvery: -1})
	rng := rand.New(rand.NewPCG(seed, 1))
	msgs := make([][]byte, n)
	for i := range msgs {
		switch r := rng.IntN(10); {
		case r < 3:
			msgs[i] = []byte(`{"t":null,"s":null,"op":11,"d":null}`)
		case r < 9:
			ev := tr.Next()
			msgs[i] = fmt.Appendf(nil, `{"t":%q,"s":%d,"op":0,"d":%s}`, ev.Type, i+1, ev.Data)
		default:
			var big []byte
			big = fmt.Appendf(big, `{"t":%q,"s":%d,"op":0,"d":{"members":[`, event.GuildCreate, i+1)
			for big = append(big, tr.Next().Data...); len(big) < 40<<10+rng.IntN(80<<10); {
				big = append(big, ',')
				big = append(big, tr.Next().Data...)
			}
			msgs[i] = append(big, "]}}"...)
		}
	}
	return msgs
}

// A zlib-stream connection that detaches its decompressor while idle and
// reattaches it for the next message decodes exactly what one that never
// detaches decodes: before the first detach, after many, with the window
// not yet full (less than 32 KiB of output so far), full and wrapped many
// times over, and around messages bigger than the window.
func TestZlibStreamDetachIsTransparent(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			msgs := idleTestMessages(t, 600, seed)
			wire := zlibStreamMessages(t, msgs)
			rng := rand.New(rand.NewPCG(seed, 2))

			steady, idle := newZlibStream(), newZlibStream()
			defer steady.release()
			defer idle.release()
			var plain []byte // everything decoded so far
			detaches := 0
			for i, in := range wire {
				want, err := decodeOne(t, steady, in, 1<<24)
				require.NoError(t, err)
				require.Equal(t, string(msgs[i]), string(want), "message %d, never detached", i)
				got, err := decodeOne(t, idle, in, 1<<24)
				require.NoError(t, err)
				require.Equal(t, string(msgs[i]), string(got), "message %d, after %d detaches", i, detaches)
				plain = append(plain, got...)

				// Detach after the first message (a short window), then
				// at random, sometimes twice in a row.
				if i == 0 || rng.IntN(3) == 0 {
					idle.idle()
					require.Nil(t, idle.fr, "detached")
					w := min(len(plain), zlibWindow)
					require.Equal(t, w, len(idle.window), "the window is the history, exactly")
					require.Equal(t, plain[len(plain)-w:], idle.window, "window after message %d", i)
					if rng.IntN(4) == 0 {
						idle.idle() // no-op when detached
					}
					detaches++
				}
			}
			require.Greater(t, len(plain), 20*zlibWindow, "the window wrapped many times")
			require.Greater(t, detaches, 100)
		})
	}
}

// The synthetic block reproduces the history for every window size,
// including the edges of deflate's distance codes and of the 258-byte
// match length.
func TestZlibWindowBlockSizes(t *testing.T) {
	history := make([]byte, 40<<10)
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range history {
		history[i] = byte('a' + rng.IntN(26))
	}
	for _, w := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 255, 256, 257, 258, 259, 516, 1024, 1025, 4096, 16384, 16385, 24576, 24577, 32767, 32768} {
		msgs := [][]byte{history[:w], []byte(`{"op":11}`)}
		wire := zlibStreamMessages(t, msgs)
		z := newZlibStream()
		_, err := decodeOne(t, z, wire[0], 1<<20)
		require.NoError(t, err)
		z.idle()
		require.NoError(t, z.err, "w=%d", w)
		require.Equal(t, history[:w], z.window, "w=%d", w)
		got, err := decodeOne(t, z, wire[1], 1<<20)
		require.NoError(t, err, "w=%d", w)
		require.Equal(t, `{"op":11}`, string(got))
		z.release()
	}
}

// distanceCode agrees with RFC 1951's table at every symbol's edges.
func TestZlibDistanceCode(t *testing.T) {
	bases := []int{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	extra := []int{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	for sym, base := range bases {
		last := base + 1<<extra[sym] - 1
		for _, d := range []int{base, last} {
			s, x, n := distanceCode(d)
			require.Equal(t, sym, s, "d=%d", d)
			require.Equal(t, extra[sym], n, "d=%d", d)
			require.Equal(t, d-base, x, "d=%d", d)
		}
	}
}

// A detached stream holds its window and nothing of the decompressor: that
// is the point.
func TestZlibStreamDetachedHoldsOnlyTheWindow(t *testing.T) {
	msgs := idleTestMessages(t, 40, 9)
	wire := zlibStreamMessages(t, msgs)
	z := newZlibStream()
	defer z.release()
	for _, in := range wire {
		_, err := decodeOne(t, z, in, 1<<24)
		require.NoError(t, err)
	}
	z.idle()
	require.Nil(t, z.fr)
	require.Equal(t, zlibWindow, cap(z.window), "an exact-size window")
	require.Zero(t, z.br.Buffered())
}

// A stream younger than a window grows its history with every heartbeat
// ACK; a shard idling between ACKs must not allocate a new window (nor a new
// synthetic block) at each one: with thousands of shards that was steady
// garbage, kilobytes per heartbeat.
func TestZlibStreamYoungIdleDoesNotAllocate(t *testing.T) {
	testenv.SkipAllocationCounts(t)
	msgs := [][]byte{bytes.Repeat([]byte(`{"op":0,"t":"READY"}`), 100)}
	for range 200 {
		msgs = append(msgs, []byte(`{"op":11}`))
	}
	wire := zlibStreamMessages(t, msgs)
	z := newZlibStream()
	defer z.release()
	out := getBuffer()
	defer putBuffer(out)
	next := 0
	cycle := func() {
		out.B = out.B[:0]
		if _, err := z.decode(wire[next], true, out, 1<<20); err != nil {
			t.Fatal(err)
		}
		next++
		z.idle()
		if z.err != nil || z.fr != nil {
			t.Fatalf("message %d: not detached: %v", next, z.err)
		}
	}
	cycle()
	allocs := testing.AllocsPerRun(100, cycle)
	require.Zero(t, allocs, "decoding an ACK and detaching again should not allocate")
	require.Equal(t, string(msgs[next-1]), string(out.B))
	require.Less(t, int(z.out), zlibWindow, "the stream should still be younger than a window")
}
