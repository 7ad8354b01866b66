package gatewayutil

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway"
)

// The captured Discord HELLO payloads of docs/protocol.md §10.5.
const (
	zlibHelloHex = "789c34c9410a83301005d0bbfc755262a9207315233235431b8851e2d85242eede6eba7bf02a1494cf940c8e3fb61dd4398300aa780a17bd0beb1cb34a797102ddba6bfffb590b2f021a317a3c58e5cd1fbb9760578ed90efd103c4cf558e352b6c383dcc5b509536b5f000000ffff"
	zlibHello    = `{"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250,"_trace":["[\"gateway-prd-main-858d\",{\"micros\":0.0}]"]}}`
	zstdHelloHex = "28b52ffd00406403004207191c7089737428d0cb55ffa74a4b7ecbdee7ff9712d3d4ab9097d2ff3304312247620224fd7a8d63cbe10ba22f85f106c952f55bcef7a4e29c5c6c827b0b5fc70f3db3759d1c25414019fab608c7cd2c492f13da2d1b0ef5ca51527aa77947ad3d8cbe0f030100244a12"
	zstdHello    = `{"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250,"_trace":["[\"gateway-prd-us-east1-c-7s4x\",{\"micros\":0.0}]"]}}`
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// decodeOne runs one complete message through d and returns its output.
func decodeOne(t testing.TB, d messageDecoder, in []byte, limit int) ([]byte, error) {
	t.Helper()
	out := getBuffer()
	defer putBuffer(out)
	complete, err := d.decode(in, true, out, limit)
	if err != nil {
		return nil, err
	}
	require.True(t, complete, "message should be complete")
	return bytes.Clone(out.B), nil
}

func TestZlibStreamCapturedHello(t *testing.T) {
	z := newZlibStream()
	defer z.release()
	got, err := decodeOne(t, z, mustHex(t, zlibHelloHex), 1<<20)
	require.NoError(t, err)
	require.Equal(t, zlibHello, string(got))
}

func TestZstdStreamCapturedHello(t *testing.T) {
	z, err := newZstdStream(DefaultMaxZstdWindow)
	require.NoError(t, err)
	defer z.release()
	got, err := decodeOne(t, z, mustHex(t, zstdHelloHex), 1<<20)
	require.NoError(t, err)
	require.Equal(t, zstdHello, string(got))
}

// zlibStreamWriter compresses messages the way Discord does: one zlib
// stream, a sync flush after each message.
type zlibStreamWriter struct {
	buf bytes.Buffer
	zw  *zlib.Writer
}

func newZlibStreamWriter(t testing.TB) *zlibStreamWriter {
	w := &zlibStreamWriter{}
	zw, err := zlib.NewWriterLevel(&w.buf, zlib.DefaultCompression)
	require.NoError(t, err)
	w.zw = zw
	return w
}

func (w *zlibStreamWriter) message(t testing.TB, msg []byte) []byte {
	t.Helper()
	w.buf.Reset()
	_, err := w.zw.Write(msg)
	require.NoError(t, err)
	require.NoError(t, w.zw.Flush())
	out := bytes.Clone(w.buf.Bytes())
	require.True(t, bytes.HasSuffix(out, zlibSuffix), "a sync flush ends with 00 00 ff ff")
	return out
}

// zstdStreamWriter compresses messages the way Discord does: one zstd
// frame that never ends, flushed after each message.
type zstdStreamWriter struct {
	buf bytes.Buffer
	zw  *zstd.Encoder
}

func newZstdStreamWriter(t testing.TB) *zstdStreamWriter {
	w := &zstdStreamWriter{}
	zw, err := zstd.NewWriter(&w.buf, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(256<<10))
	require.NoError(t, err)
	w.zw = zw
	return w
}

func (w *zstdStreamWriter) message(t testing.TB, msg []byte) []byte {
	t.Helper()
	w.buf.Reset()
	_, err := w.zw.Write(msg)
	require.NoError(t, err)
	require.NoError(t, w.zw.Flush())
	return bytes.Clone(w.buf.Bytes())
}

// testMessage makes a JSON-looking message of exactly n bytes.
func testMessage(rng *rand.Rand, seq, n int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `{"op":0,"s":%d,"t":"MESSAGE_CREATE","d":{"content":"`, seq)
	words := []string{"gateway", "shard", "resume", "heartbeat", "guild", "channel", "hello", "zlib"}
	for b.Len() < n-3 {
		b.WriteString(words[rng.IntN(len(words))])
		b.WriteByte(' ')
		if rng.IntN(10) == 0 {
			fmt.Fprintf(&b, "%d ", rng.Uint64())
		}
	}
	s := b.String()[:n-3] + `"}}`
	return []byte(s)
}

// streamSizes are message sizes that walk the decompressors through their
// edge cases: tiny, the size of the output buffer, exact multiples of the
// 32 KiB flate window (the message then ends exactly where the window
// wraps and the final flush has nothing left to return), over 64 KiB and
// over 1 MiB.
var streamSizes = []int{
	100, 1400, minBufferCap, 32 << 10, 32 << 10, 7000, 32<<10 - 7000, 64 << 10,
	70 << 10, 1, 2, 3, minBufferCap - 1, minBufferCap + 1, (1 << 20) + 12345, 1400, 32 << 10, 500,
}

func TestZlibStreamManyMessages(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	w := newZlibStreamWriter(t)
	z := newZlibStream()
	defer z.release()
	before := drainedStops.Load()
	defer func() {
		require.Greater(t, drainedStops.Load(), before, "a message ending where the window wraps stops through the drained source")
	}()
	for i, n := range streamSizes {
		want := testMessage(rng, i, max(n, 40))[:n]
		got, err := decodeOne(t, z, w.message(t, want), 8<<20)
		require.NoError(t, err, "message %d (%d bytes)", i, n)
		require.Equal(t, want, got, "message %d (%d bytes)", i, n)
	}
}

func TestZstdStreamManyMessages(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	w := newZstdStreamWriter(t)
	z, err := newZstdStream(DefaultMaxZstdWindow)
	require.NoError(t, err)
	defer z.release()
	before := drainedStops.Load()
	defer func() {
		require.Greater(t, drainedStops.Load(), before, "a message filling the output buffer exactly stops through the drained source")
	}()
	for i, n := range streamSizes {
		want := testMessage(rng, i, max(n, 40))[:n]
		got, err := decodeOne(t, z, w.message(t, want), 8<<20)
		require.NoError(t, err, "message %d (%d bytes)", i, n)
		require.Equal(t, want, got, "message %d (%d bytes)", i, n)
	}
}

// A zlib-stream message split over several WebSocket messages is not
// complete until the one that ends with the suffix.
func TestZlibStreamSplitMessage(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	w := newZlibStreamWriter(t)
	z := newZlibStream()
	defer z.release()
	for i := range 20 {
		want := testMessage(rng, i, 3000+rng.IntN(20000))
		comp := w.message(t, want)
		acc := getBuffer()
		cuts := []int{rng.IntN(len(comp)), rng.IntN(len(comp))}
		if cuts[0] > cuts[1] {
			cuts[0], cuts[1] = cuts[1], cuts[0]
		}
		parts := [][]byte{comp[:cuts[0]], comp[cuts[0]:cuts[1]], comp[cuts[1]:]}
		out := getBuffer()
		for k, p := range parts {
			acc.B = append(acc.B, p...)
			complete, err := z.decode(acc.B, true, out, 1<<20)
			require.NoError(t, err)
			if k < len(parts)-1 && !bytes.HasSuffix(acc.B, zlibSuffix) {
				require.False(t, complete, "part %d of %d is not the end", k, len(parts))
			}
			if complete {
				break
			}
		}
		require.Equal(t, want, out.B, "message %d", i)
		putBuffer(out)
		putBuffer(acc)
	}
}

// Decompression bombs stop at the output limit with a clear error, without
// allocating more than the limit.
func TestDecompressionBombs(t *testing.T) {
	bomb := make([]byte, 64<<20) // 64 MiB of zeros compress to ~64 KiB
	const limit = 1 << 20

	t.Run("zlib-stream", func(t *testing.T) {
		w := newZlibStreamWriter(t)
		comp := w.message(t, bomb)
		z := newZlibStream()
		defer z.release()
		_, err := decodeOne(t, z, comp, limit)
		require.ErrorIs(t, err, gateway.ErrMessageTooLarge)
		// The context is gone for good: the stream cannot go on.
		_, err = decodeOne(t, z, w.message(t, []byte(`{"op":11}`)), limit)
		require.Error(t, err)
	})
	t.Run("zstd-stream", func(t *testing.T) {
		w := newZstdStreamWriter(t)
		z, err := newZstdStream(DefaultMaxZstdWindow)
		require.NoError(t, err)
		defer z.release()
		_, err = decodeOne(t, z, w.message(t, bomb), limit)
		require.ErrorIs(t, err, gateway.ErrMessageTooLarge)
	})
	t.Run("payload", func(t *testing.T) {
		var buf bytes.Buffer
		zw := zlib.NewWriter(&buf)
		_, _ = zw.Write(bomb)
		require.NoError(t, zw.Close())
		_, err := decodeOne(t, payloadInflater{}, buf.Bytes(), limit)
		require.ErrorIs(t, err, gateway.ErrMessageTooLarge)
	})
}

func TestZstdStreamWindowBound(t *testing.T) {
	var buf bytes.Buffer
	zw, err := zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(4<<20))
	require.NoError(t, err)
	_, _ = zw.Write([]byte(`{"op":11}`))
	require.NoError(t, zw.Flush())
	z, err := newZstdStream(1 << 20)
	require.NoError(t, err)
	defer z.release()
	_, err = decodeOne(t, z, buf.Bytes(), 1<<20)
	require.ErrorIs(t, err, ErrDecompress, "a 4 MiB window is over the 1 MiB bound")
}

func TestCorruptStreams(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	t.Run("zlib header", func(t *testing.T) {
		z := newZlibStream()
		defer z.release()
		_, err := decodeOne(t, z, []byte{0x12, 0x34, 0, 0, 0xff, 0xff}, 1<<20)
		require.ErrorIs(t, err, ErrDecompress)
	})
	t.Run("zlib body", func(t *testing.T) {
		w := newZlibStreamWriter(t)
		comp := w.message(t, testMessage(rng, 1, 5000))
		for i := 2; i < len(comp)-4; i++ {
			comp[i] ^= 0x5a
		}
		z := newZlibStream()
		defer z.release()
		_, err := decodeOne(t, z, comp, 1<<20)
		require.ErrorIs(t, err, ErrDecompress)
	})
	t.Run("zstd", func(t *testing.T) {
		z, err := newZstdStream(DefaultMaxZstdWindow)
		require.NoError(t, err)
		defer z.release()
		_, err = decodeOne(t, z, []byte("definitely not zstd"), 1<<20)
		require.ErrorIs(t, err, ErrDecompress)
	})
	t.Run("payload", func(t *testing.T) {
		_, err := decodeOne(t, payloadInflater{}, []byte{0x78, 0x9c, 1, 2, 3}, 1<<20)
		require.ErrorIs(t, err, ErrDecompress)
	})
}

func TestPayloadInflater(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for i, n := range []int{10, 1400, 70 << 10, (1 << 20) + 5} {
		want := testMessage(rng, i, max(n, 40))[:n]
		var buf bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&buf, flate.BestSpeed)
		_, _ = zw.Write(want)
		require.NoError(t, zw.Close())
		got, err := decodeOne(t, payloadInflater{}, buf.Bytes(), 4<<20)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	// Text messages pass through untouched.
	out := getBuffer()
	defer putBuffer(out)
	complete, err := payloadInflater{}.decode([]byte(`{"op":11}`), false, out, 1<<20)
	require.NoError(t, err)
	require.True(t, complete)
	require.Equal(t, `{"op":11}`, string(out.B))
}

func TestBufferRoom(t *testing.T) {
	b := getBuffer()
	free, err := b.room(10, 100)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(free), 10)
	_, err = b.room(101, 100)
	require.ErrorIs(t, err, gateway.ErrMessageTooLarge)
	b.B = append(b.B, make([]byte, 90)...)
	_, err = b.room(11, 100)
	require.ErrorIs(t, err, gateway.ErrMessageTooLarge)
	free, err = b.room(10, 100)
	require.NoError(t, err)
	require.Equal(t, 10, len(free), "the free space stops at the limit")
	putBuffer(b)

	big := getBuffer()
	_, err = big.room(maxPooledBuffer+1, 1<<30)
	require.NoError(t, err)
	putBuffer(big)
	require.LessOrEqual(t, cap(big.B), maxPooledBuffer, "a grown buffer is dropped on release")
}

func TestDrainRejectsForeignPanics(t *testing.T) {
	defer func() {
		r := recover()
		require.Equal(t, "boom", r)
	}()
	out := getBuffer()
	_ = drain(panicReader{}, func() bool { return false }, out, 1<<20)
	t.Fatal("drain swallowed a foreign panic")
}

type panicReader struct{}

func (panicReader) Read([]byte) (int, error) { panic("boom") }

var _ = errors.New
