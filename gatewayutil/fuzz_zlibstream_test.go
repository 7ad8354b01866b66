package gatewayutil

import (
	"bytes"
	stdzlib "compress/zlib"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/klauspost/compress/zlib"

	"github.com/gatewaykit/gateway"
)

// FuzzZlibStream feeds zlib-stream connections through the shard's
// decompressor the way the read loop does: WebSocket messages appended to a
// buffer, decoded once the buffer ends with 00 00 ff ff.
//
// Unless raw is set, data is split into messages at '\n' (each repeated grow
// times), compressed as Discord does (one zlib stream, a sync flush after
// each message) by klauspost's or the standard library's deflate at any
// level, and cut into WebSocket messages of the sizes in cuts. Then:
//
//   - for any cutting, the output is exactly the messages: each decode
//     returns the messages that ended in its buffer;
//   - a message over the limit fails with gateway.ErrMessageTooLarge, and
//     the stream stays broken;
//   - with flips (bytes XORed into the stream) or raw (data is the stream),
//     nothing panics, the output never passes the limit, every error
//     matches ErrDecompress or gateway.ErrMessageTooLarge, and an error is
//     final: the next message fails too.
//
// With bit 5 of grow set, the decompressor detaches after every complete
// buffer, as an idle shard's does, and must go on exactly where it was.
//
// Cuts never end a WebSocket message on 00 00 ff ff inside a gateway
// message: the protocol itself could not tell that from the end of one.
func FuzzZlibStream(f *testing.F) {
	hello := mustHex(f, zlibHelloHex)
	for i, seed := range [][]byte{
		[]byte(zlibHello),
		fuzzTrafficSeed(1, 8),
		fuzzTrafficSeed(2, 40),
		[]byte(`{"op":11}` + "\n" + `{"op":1,"d":null}` + "\n\n" + `{"op":0}`),
		bytes.Repeat([]byte("x"), 1000),
	} {
		var cuts []byte
		for _, n := range []int{1, 2, 3, 5, 100, 7, 4, 4096} {
			cuts = appendCut(cuts, n)
		}
		f.Add(seed, []byte(nil), []byte(nil), false, uint8(0), uint8(2*i), uint8(13))
		f.Add(seed, cuts, []byte(nil), false, uint8(33), uint8(2*i+1), uint8(9))
		f.Add(seed, cuts, []byte{7, 0, 0x5a, 40, 0, 1}, false, uint8(1), uint8(14), uint8(13))
	}
	f.Add(hello, appendCut(nil, 50), []byte(nil), true, uint8(0), uint8(0), uint8(13))
	f.Add(append(bytes.Clone(hello), hello[2:]...), []byte(nil), []byte(nil), true, uint8(0), uint8(0), uint8(13))

	f.Fuzz(func(t *testing.T, data, cuts, flips []byte, raw bool, grow, enc, limitSel uint8) {
		defer fuzzWatchdog()()
		limit := fuzzLimit(limitSel)
		var stream []byte
		var msgs [][]byte
		var ends []int // offset in stream after each message
		if raw {
			stream = data
		} else {
			msgs = fuzzMessages(data, int(grow%32)+1)
			stream, ends = zlibStreamOf(t, msgs, enc)
		}
		broken := raw || fuzzCorrupt(stream, flips)

		z := newZlibStream()
		defer z.release()
		out := getBuffer()
		defer putBuffer(out)
		pieces := fuzzCuts(cuts)
		start, pos, next := 0, 0, 0 // start of the buffered WebSocket messages, end of them, next message
		for pos < len(stream) {
			end := len(stream)
			if len(pieces) > 0 {
				end = min(pos+pieces[0], len(stream))
				pieces = pieces[1:]
			}
			if !broken {
				// Never cut right after a 00 00 ff ff that does not end a
				// gateway message.
				for end < len(stream) && bytes.HasSuffix(stream[start:end], zlibSuffix) && !isEnd(ends, end) {
					end++
				}
			}
			pos = end
			out.B = out.B[:0]
			startCap := cap(out.B)
			complete, err := z.decode(stream[start:end], true, out, limit)
			requireBounded(t, out, startCap, limit)
			if err != nil {
				requireDecodeError(t, err)
				if !broken && !errors.Is(err, gateway.ErrMessageTooLarge) {
					t.Fatalf("valid stream: %v", err)
				}
				if _, err2 := decodeAgain(z, limit); err2 == nil {
					t.Fatalf("the stream went on after %v", err)
				}
				return
			}
			if !complete {
				if bytes.HasSuffix(stream[start:end], zlibSuffix) {
					t.Fatalf("a buffer ending with 00 00 ff ff was not decoded")
				}
				continue
			}
			start = end
			if grow&0x20 != 0 {
				// Detach between messages, as an idle shard does.
				z.idle()
				if z.err != nil && !broken {
					t.Fatalf("detaching a valid stream: %v", z.err)
				}
			}
			if broken {
				continue
			}
			// The messages that ended in this buffer.
			var want []byte
			for next < len(ends) && ends[next] <= end {
				want = append(want, msgs[next]...)
				next++
			}
			if len(want) > limit {
				t.Fatalf("%d bytes decoded without error over a %d-byte limit", len(want), limit)
			}
			if !bytes.Equal(out.B, want) {
				t.Fatalf("decoded %d bytes %.60q..., want %d bytes %.60q...", len(out.B), out.B, len(want), want)
			}
		}
		if !broken && next != len(msgs) {
			t.Fatalf("%d of %d messages decoded", next, len(msgs))
		}
	})
}

// isEnd reports whether off is the end of a gateway message.
func isEnd(ends []int, off int) bool {
	for _, e := range ends {
		if e == off {
			return true
		}
	}
	return false
}

// decodeAgain feeds a valid-looking message to a decoder that failed.
func decodeAgain(d messageDecoder, limit int) (bool, error) {
	out := getBuffer()
	defer putBuffer(out)
	return d.decode([]byte{0x02, 0x00, 0x00, 0x00, 0xff, 0xff}, true, out, limit)
}

// zlibStreamOf compresses msgs as one zlib stream with a sync flush after
// each, with the encoder enc picks: klauspost's (even) or the standard
// library's (odd) deflate, at levels -2 (Huffman only) to 9.
func zlibStreamOf(t *testing.T, msgs [][]byte, enc uint8) ([]byte, []int) {
	level := int(enc/2%12) - 2
	w := zlibWriters.get(enc%2 == 1, level)
	defer zlibWriters.put(enc%2 == 1, level, w)
	var buf bytes.Buffer
	w.Reset(&buf)
	ends := make([]int, 0, len(msgs))
	for _, m := range msgs {
		if _, err := w.Write(m); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		ends = append(ends, buf.Len())
	}
	return buf.Bytes(), ends
}

// flushWriter is a zlib writer of either library.
type flushWriter interface {
	io.Writer
	Flush() error
	Reset(io.Writer)
}

// zlibWriters keeps compressors between fuzz runs: building one costs more
// than the rest of a run.
var zlibWriters = &writerCache{m: map[string][]flushWriter{}}

type writerCache struct {
	mu sync.Mutex
	m  map[string][]flushWriter
}

func (c *writerCache) get(std bool, level int) flushWriter {
	key := fmt.Sprint(std, level)
	c.mu.Lock()
	if ws := c.m[key]; len(ws) > 0 {
		w := ws[len(ws)-1]
		c.m[key] = ws[:len(ws)-1]
		c.mu.Unlock()
		return w
	}
	c.mu.Unlock()
	var w flushWriter
	var err error
	if std {
		w, err = stdzlib.NewWriterLevel(io.Discard, level)
	} else {
		w, err = zlib.NewWriterLevel(io.Discard, level)
	}
	if err != nil {
		panic(err)
	}
	return w
}

func (c *writerCache) put(std bool, level int, w flushWriter) {
	key := fmt.Sprint(std, level)
	c.mu.Lock()
	c.m[key] = append(c.m[key], w)
	c.mu.Unlock()
}
