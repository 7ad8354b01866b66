package gatewayutil

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/flate"
)

// zlibSuffix ends every zlib-stream gateway message: the empty stored block
// of a zlib sync flush.
var zlibSuffix = []byte{0x00, 0x00, 0xff, 0xff}

// zlibStream is the zlib-stream decompressor of one connection (protocol.md
// §10.2): one inflate context for the connection's whole life, fed with
// each gateway message once its last WebSocket message ends with the sync
// flush suffix.
//
// It drives klauspost's flate directly, after checking the two-byte zlib
// header itself: the stream never ends, so zlib's Adler-32 trailer never
// comes and computing the checksum would be wasted work. The 32 KiB window
// is the one big piece of per-connection state; the decompressors are pooled
// across connections, so a reconnect reuses one instead of allocating anew.
type zlibStream struct {
	src    messageSource
	br     *bufio.Reader // over src: flate's fastest input path
	fr     io.ReadCloser // a flate decompressor reading br
	header bool          // the zlib header was read
	err    error         // once set, the stream is broken for good
}

var zlibStreamPool sync.Pool

// zlibInputBuffer is the size of the buffer between a message and flate.
// klauspost's flate decodes straight from a bufio.Reader's buffer, its
// fastest path; refilling it is a copy, cheap next to inflating, so it is
// kept small: it stays with the connection while the shard is idle.
const zlibInputBuffer = 256

// newZlibStream returns a zlib-stream decompressor at the start of a stream.
func newZlibStream() *zlibStream {
	z, _ := zlibStreamPool.Get().(*zlibStream)
	if z == nil {
		z = new(zlibStream)
		z.br = bufio.NewReaderSize(&z.src, zlibInputBuffer)
		z.fr = flate.NewReader(z.br)
	} else {
		z.br.Reset(&z.src)
		_ = z.fr.(flate.Resetter).Reset(z.br, nil)
		z.header, z.err = false, nil
	}
	return z
}

func (z *zlibStream) decode(in []byte, _ bool, out *buffer, limit int) (bool, error) {
	if z.err != nil {
		return true, z.err
	}
	if !bytes.HasSuffix(in, zlibSuffix) {
		return false, nil
	}
	if !z.header {
		if err := checkZlibHeader(in); err != nil {
			z.err = err
			return true, err
		}
		in = in[2:]
		z.header = true
	}
	z.src.set(in)
	if err := drain(z.fr, z.drained, out, limit); err != nil {
		// The context stopped in the middle of a message: whatever
		// follows cannot be decoded.
		z.err = fmt.Errorf("zlib-stream: %w", err)
		z.src.set(nil)
		return true, z.err
	}
	return true, nil
}

// drained reports whether the decompressor consumed all of the message.
func (z *zlibStream) drained() bool { return z.src.empty() && z.br.Buffered() == 0 }

// checkZlibHeader validates the two-byte header that starts a zlib stream
// (RFC 1950 §2.2): deflate with a window of at most 32 KiB, a valid check
// value, and no preset dictionary.
func checkZlibHeader(b []byte) error {
	if len(b) < 2 {
		return fmt.Errorf("%w: zlib-stream: %d bytes are too short for a zlib header", ErrDecompress, len(b))
	}
	cmf, flg := b[0], b[1]
	switch {
	case cmf&0x0f != 8 || cmf>>4 > 7:
		return fmt.Errorf("%w: zlib-stream: header %02x%02x is not deflate with a 32 KiB window", ErrDecompress, cmf, flg)
	case (uint16(cmf)<<8|uint16(flg))%31 != 0:
		return fmt.Errorf("%w: zlib-stream: header %02x%02x fails its check", ErrDecompress, cmf, flg)
	case flg&0x20 != 0:
		return fmt.Errorf("%w: zlib-stream: header asks for a preset dictionary", ErrDecompress)
	}
	return nil
}

// release returns the decompressor to the pool; newZlibStream resets it
// completely, broken or not.
func (z *zlibStream) release() {
	z.src.set(nil)
	zlibStreamPool.Put(z)
}
