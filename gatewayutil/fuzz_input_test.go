package gatewayutil

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewaytest"
)

// Helpers shared by the fuzz targets of the read path (FuzzZlibStream,
// FuzzZstdStream, FuzzShardFrames): how they turn fuzz bytes into messages,
// cut points, corruption and limits.

// fuzzMessages splits data into gateway messages at each '\n', and makes
// each one grow times as long by repeating it: a small input then reaches
// the sizes where decompressors change behaviour (the 32 KiB flate window,
// the 128 KiB zstd block) without the fuzzer having to write them out.
func fuzzMessages(data []byte, grow int) [][]byte {
	parts := bytes.Split(data, []byte{'\n'})
	msgs := make([][]byte, 0, len(parts))
	for _, p := range parts {
		msgs = append(msgs, bytes.Repeat(p, grow))
	}
	return msgs
}

// fuzzCuts reads cut lengths from cuts, two bytes each (little endian,
// plus one): the sizes of successive pieces of a stream.
func fuzzCuts(cuts []byte) []int {
	out := make([]int, 0, len(cuts)/2)
	for i := 0; i+1 < len(cuts); i += 2 {
		out = append(out, int(binary.LittleEndian.Uint16(cuts[i:]))+1)
	}
	return out
}

// appendCut appends a piece length to a cuts encoding (the inverse of
// fuzzCuts, for seeds). n must be in [1, 65536].
func appendCut(cuts []byte, n int) []byte {
	return binary.LittleEndian.AppendUint16(cuts, uint16(n-1))
}

// fuzzCorrupt XORs bytes of stream in place: flips holds triples (two bytes
// of position, modulo the length, then the XOR mask). It reports whether
// any byte changed.
func fuzzCorrupt(stream, flips []byte) bool {
	changed := false
	for i := 0; i+2 < len(flips) && len(stream) > 0; i += 3 {
		pos := int(binary.LittleEndian.Uint16(flips[i:])) % len(stream)
		if flips[i+2] != 0 {
			stream[pos] ^= flips[i+2]
			changed = true
		}
	}
	return changed
}

// fuzzLimit maps a byte to an output limit from 64 bytes to 4 MiB, so the
// fuzzer meets the limit both inside a message and between messages.
func fuzzLimit(sel uint8) int { return 64 << (sel % 17) }

// requireDecodeError checks that a decoder's error says what happened:
// corrupt input (ErrDecompress) or the output limit (ErrMessageTooLarge).
func requireDecodeError(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrDecompress) && !errors.Is(err, gateway.ErrMessageTooLarge) {
		t.Fatalf("unclassified decode error %T: %v", err, err)
	}
}

// requireBounded checks that a decoder never let its output grow past the
// limit, nor allocate more than it: the buffer, which had capacity
// startCap when the decoder got it (pooled buffers come in any size), only
// grows up to the limit.
func requireBounded(t *testing.T, out *buffer, startCap, limit int) {
	t.Helper()
	if len(out.B) > limit {
		t.Fatalf("output %d bytes over the %d-byte limit", len(out.B), limit)
	}
	if c := cap(out.B); c > startCap && c > max(limit, minBufferCap) {
		t.Fatalf("output buffer grew to %d bytes for a %d-byte limit", c, limit)
	}
}

// fuzzTrafficSeed returns n real-looking gateway messages from the
// emulator's traffic generator, one per line: the seeds the stream fuzzers
// compress.
func fuzzTrafficSeed(seed int64, n int) []byte {
	tr := gatewaytest.NewTraffic(gatewaytest.TrafficConfig{Seed: seed, Guilds: 4, HugeEvery: -1})
	var b bytes.Buffer
	for i := range n {
		ev := tr.Next()
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(`{"t":"` + ev.Type + `","s":`)
		b.WriteString(strconv.Itoa(i + 2))
		b.WriteString(`,"op":0,"d":`)
		b.Write(bytes.ReplaceAll(ev.Data, []byte{'\n'}, nil))
		b.WriteByte('}')
	}
	return b.Bytes()
}

// fuzzHangAfter is how long one fuzz input may run. The fuzzer has no
// per-input timeout of its own: a hang only shows as "0/sec". A run that
// takes longer panics in the watchdog's goroutine, which crashes the worker
// so the fuzzer records the input as a failure, with every stack.
const fuzzHangAfter = 10 * time.Second

// fuzzWatchdog arms the hang watchdog for one fuzz input; call the
// returned function when the input is done.
func fuzzWatchdog() (stop func() bool) {
	return time.AfterFunc(fuzzHangAfter, func() {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		panic(fmt.Sprintf("fuzz input still running after %v:\n%s", fuzzHangAfter, buf))
	}).Stop
}
