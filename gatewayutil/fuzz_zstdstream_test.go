package gatewayutil

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/gatewaykit/gateway"
)

// FuzzZstdStream feeds zstd-stream connections through the shard's
// decompressor the way the read loop does: each WebSocket message decoded as
// it arrives.
//
// Unless raw is set, data is split into messages at '\n' (each repeated grow
// times) and compressed as Discord does (one zstd frame that never ends,
// flushed after each message) at any level, window (1 KiB to 1 MiB) and with
// or without a checksum; groups says how many whole messages each WebSocket
// message carries (Discord sends one; zero and several must work too). The
// decoder accepts windows up to maxWindow (64 KiB to 8 MiB). Then:
//
//   - the output of each WebSocket message is exactly its messages, unless
//     the stream's window is over the decoder's bound, which fails with
//     ErrDecompress;
//   - a message over the limit fails with gateway.ErrMessageTooLarge, and
//     the stream stays broken;
//   - with flips (bytes XORed into the stream) or raw (data is the stream,
//     cut at cuts), nothing panics, the output never passes the limit,
//     every error matches ErrDecompress or gateway.ErrMessageTooLarge, and an
//     error is final.
func FuzzZstdStream(f *testing.F) {
	hello := mustHex(f, zstdHelloHex)
	for i, seed := range [][]byte{
		[]byte(zstdHello),
		fuzzTrafficSeed(3, 8),
		fuzzTrafficSeed(4, 40),
		[]byte(`{"op":11}` + "\n" + `{"op":1,"d":null}` + "\n\n" + `{"op":0}`),
		bytes.Repeat([]byte("y"), 5000),
	} {
		f.Add(seed, []byte(nil), []byte(nil), false, uint8(0), uint8(3*i), uint8(13))
		f.Add(seed, []byte{1, 0, 2, 3}, []byte(nil), false, uint8(40), uint8(5*i+1), uint8(9))
		f.Add(seed, []byte(nil), []byte{9, 0, 0x40, 30, 0, 2}, false, uint8(1), uint8(7), uint8(13))
	}
	f.Add(hello, []byte(nil), []byte(nil), true, uint8(0), uint8(0), uint8(13))
	f.Add(hello, appendCut(nil, 60), []byte(nil), true, uint8(0), uint8(0), uint8(13))

	f.Fuzz(func(t *testing.T, data, groups, flips []byte, raw bool, grow, enc, limitSel uint8) {
		defer fuzzWatchdog()()
		limit := fuzzLimit(limitSel)
		maxWindow := uint64(64<<10) << (enc >> 5 % 8)
		// The WebSocket messages of the stream, and what each decodes to.
		var wsMsgs, wants [][]byte
		window := 0
		if raw {
			// groups are cut lengths here.
			rest := data
			for _, n := range fuzzCuts(groups) {
				if len(rest) == 0 {
					break
				}
				n = min(n, len(rest))
				wsMsgs, rest = append(wsMsgs, rest[:n]), rest[n:]
			}
			if len(rest) > 0 || len(wsMsgs) == 0 {
				wsMsgs = append(wsMsgs, rest)
			}
		} else {
			msgs := fuzzMessages(data, int(grow%32)+1)
			_, window, _ = zstdOptions(enc)
			wsMsgs, wants = zstdGroups(t, msgs, enc, groups)
		}
		broken := raw
		if !raw && len(flips) > 0 {
			// Corrupt a copy of the stream, keeping the message boundaries.
			stream := bytes.Join(wsMsgs, nil)
			if fuzzCorrupt(stream, flips) {
				broken = true
				for i, m := range wsMsgs {
					wsMsgs[i], stream = stream[:len(m)], stream[len(m):]
				}
			}
		}
		tooWide := uint64(window) > maxWindow

		z, err := newZstdStream(maxWindow)
		if err != nil {
			t.Fatal(err)
		}
		defer z.release()
		out := getBuffer()
		defer putBuffer(out)
		for i, m := range wsMsgs {
			out.B = out.B[:0]
			startCap := cap(out.B)
			complete, err := z.decode(m, true, out, limit)
			requireBounded(t, out, startCap, limit)
			if !complete {
				t.Fatalf("zstd-stream: a WebSocket message is always a whole gateway message")
			}
			if err != nil {
				requireDecodeError(t, err)
				if !broken && !tooWide && !errors.Is(err, gateway.ErrMessageTooLarge) {
					t.Fatalf("valid stream, message %d of %d: %v", i, len(wsMsgs), err)
				}
				if !broken && !errors.Is(err, gateway.ErrMessageTooLarge) && !errors.Is(err, zstd.ErrWindowSizeExceeded) && !errors.Is(err, zstd.ErrDecoderSizeExceeded) {
					t.Fatalf("a window of %d over the %d bound: %v", window, maxWindow, err)
				}
				if !broken && errors.Is(err, gateway.ErrMessageTooLarge) && len(wants[i]) <= limit {
					t.Fatalf("message of %d bytes refused with a %d-byte limit: %v", len(wants[i]), limit, err)
				}
				if _, err2 := decodeAgain(z, limit); err2 == nil {
					t.Fatalf("the stream went on after %v", err)
				}
				return
			}
			if broken {
				continue
			}
			if tooWide && len(m) > 0 {
				t.Fatalf("a window of %d passed the %d bound", window, maxWindow)
			}
			if len(wants[i]) > limit {
				t.Fatalf("%d bytes decoded without error over a %d-byte limit", len(wants[i]), limit)
			}
			if !bytes.Equal(out.B, wants[i]) {
				t.Fatalf("message %d: decoded %d bytes %.60q..., want %d bytes %.60q...", i, len(out.B), out.B, len(wants[i]), wants[i])
			}
		}
	})
}

// zstdOptions picks an encoder from enc: level (4), window (1 KiB, 32 KiB,
// 256 KiB as Discord, 1 MiB) and checksum.
func zstdOptions(enc uint8) (zstd.EncoderLevel, int, bool) {
	levels := []zstd.EncoderLevel{zstd.SpeedFastest, zstd.SpeedDefault, zstd.SpeedBetterCompression, zstd.SpeedBestCompression}
	windows := []int{1 << 10, 32 << 10, 256 << 10, 1 << 20}
	return levels[enc%4], windows[enc/4%4], enc&16 != 0
}

// zstdGroups compresses msgs as one never-ending zstd frame, flushed after
// each message, and groups the messages into WebSocket messages: groups[i]
// % 5 messages in the i-th (zero is an empty WebSocket message), one each
// once groups runs out. It returns the WebSocket messages and what each
// decodes to.
func zstdGroups(t *testing.T, msgs [][]byte, enc uint8, groups []byte) (wsMsgs, wants [][]byte) {
	level, window, crc := zstdOptions(enc)
	w := zstdWriters.get(level, window, crc)
	defer zstdWriters.put(level, window, crc, w)
	var buf bytes.Buffer
	w.Reset(&buf)
	for i := 0; i < len(msgs); {
		k := 1
		if len(groups) > 0 {
			k, groups = int(groups[0]%5), groups[1:]
		}
		var cur, want []byte
		for ; k > 0 && i < len(msgs); k-- {
			buf.Reset()
			if _, err := w.Write(msgs[i]); err != nil {
				t.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			cur = append(cur, buf.Bytes()...)
			want = append(want, msgs[i]...)
			i++
		}
		wsMsgs, wants = append(wsMsgs, cur), append(wants, want)
	}
	return wsMsgs, wants
}

// zstdWriters keeps encoders between fuzz runs, by options.
var zstdWriters = &zstdCache{m: map[string][]*zstd.Encoder{}}

type zstdCache struct {
	mu sync.Mutex
	m  map[string][]*zstd.Encoder
}

func (c *zstdCache) get(level zstd.EncoderLevel, window int, crc bool) *zstd.Encoder {
	key := fmt.Sprint(level, window, crc)
	c.mu.Lock()
	if ws := c.m[key]; len(ws) > 0 {
		w := ws[len(ws)-1]
		c.m[key] = ws[:len(ws)-1]
		c.mu.Unlock()
		return w
	}
	c.mu.Unlock()
	w, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(level), zstd.WithWindowSize(window), zstd.WithEncoderCRC(crc), zstd.WithEncoderConcurrency(1))
	if err != nil {
		panic(err)
	}
	return w
}

func (c *zstdCache) put(level zstd.EncoderLevel, window int, crc bool, w *zstd.Encoder) {
	key := fmt.Sprint(level, window, crc)
	c.mu.Lock()
	c.m[key] = append(c.m[key], w)
	c.mu.Unlock()
}
