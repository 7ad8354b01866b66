package gatewayutil

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/flate"
)

// zlibSuffix ends every zlib-stream gateway message: the empty stored block
// of a zlib sync flush.
var zlibSuffix = []byte{0x00, 0x00, 0xff, 0xff}

// zlibWindow is deflate's window: how far back a match may reach, and so
// all the output history the next message can need.
const zlibWindow = 32 << 10

// zlibStream is the zlib-stream decompressor of one connection (docs/protocol.md
// §10.2): one inflate context for the connection's whole life, fed with
// each gateway message once its last WebSocket message ends with the sync
// flush suffix.
//
// It drives klauspost's flate directly, after checking the two-byte zlib
// header itself: the stream never ends, so zlib's Adler-32 trailer never
// comes and computing the checksum would be wasted work.
//
// # Detaching while idle
//
// A flate decompressor holds its 32 KiB window plus some 10 KiB of Huffman
// tables and scratch. Between two messages, though, the only state the
// stream needs is the window: every message ends with a sync flush, which
// closes the block (the next one brings its own tables) on a byte
// boundary. So a connection that went quiet can detach: copy the window
// into an exact-size slice it keeps, and give the decompressor back to a
// pool shared by every connection. The next message takes a decompressor
// and resets it with that window as its preset dictionary, which is exactly
// the state it had. Detaching costs a window's worth of copying each way,
// so the shard does it only once a connection is idle (see shardConn's
// idle check), never per message.
//
// flate does not hand out its window, so detach makes it write it: it
// feeds the decompressor one synthetic block of fixed-Huffman matches, all
// at the distance of the window's start, whose output is the window itself,
// in order.
type zlibStream struct {
	src    messageSource
	br     *bufio.Reader // over src: flate's fastest input path
	fr     io.ReadCloser // a flate decompressor reading br; nil while detached
	window []byte        // the window while detached
	out    int64         // bytes decompressed so far (capped at zlibWindow)
	header bool          // the zlib header was read
	err    error         // once set, the stream is broken for good
}

var (
	zlibStreamPool sync.Pool // *zlibStream without its decompressor
	flatePool      sync.Pool // io.ReadCloser: flate decompressors
)

// zlibDetaches counts detaches, so tests can prove idle shards take that
// path.
var zlibDetaches atomic.Int64

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
	} else {
		z.br.Reset(&z.src)
		z.window = z.window[:0]
		z.out, z.header, z.err = 0, false, nil
	}
	z.attach(nil)
	return z
}

// attach takes a decompressor from the pool and starts it with dict as its
// history.
func (z *zlibStream) attach(dict []byte) {
	z.br.Reset(&z.src)
	if fr, _ := flatePool.Get().(io.ReadCloser); fr != nil {
		_ = fr.(flate.Resetter).Reset(z.br, dict)
		z.fr = fr
		return
	}
	z.fr = flate.NewReaderDict(z.br, dict)
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
	if z.fr == nil {
		z.attach(z.window)
	}
	z.src.set(in)
	start := len(out.B)
	err := drain(z.fr, z.drained, out, limit)
	// Forget the input: it is the caller's buffer, back in its pool soon.
	z.src.set(nil)
	if err != nil {
		// The context stopped in the middle of a message: whatever
		// follows cannot be decoded.
		z.err = fmt.Errorf("zlib-stream: %w", err)
		return true, z.err
	}
	z.out = min(z.out+int64(len(out.B)-start), zlibWindow)
	return true, nil
}

// drained reports whether the decompressor consumed all of the message.
func (z *zlibStream) drained() bool { return z.src.empty() && z.br.Buffered() == 0 }

// idle detaches the decompressor between two messages (see zlibStream). It
// does nothing if already detached, before the stream started, or once it
// broke.
func (z *zlibStream) idle() {
	if z.fr == nil || !z.header || z.err != nil {
		return
	}
	w := int(z.out)
	if cap(z.window) < w {
		// Until the stream has put out a whole window, w grows with
		// every message (a heartbeat ACK adds a few bytes): round the
		// slice up so that a shard idling between ACKs does not
		// allocate a new one each time.
		z.window = make([]byte, w, min(zlibWindow, (w+windowGrain-1)/windowGrain*windowGrain))
	}
	z.window = z.window[:w]
	if w > 0 {
		var scratch *[]byte
		block := fullWindowBlock
		if w < zlibWindow {
			scratch = blockScratch.Get().(*[]byte)
			*scratch = appendWindowBlock((*scratch)[:0], w)
			block = *scratch
		}
		z.src.set(block)
		err := readWindow(z.fr, z.window)
		z.src.set(nil)
		if scratch != nil {
			blockScratch.Put(scratch)
		}
		if err != nil {
			// Cannot happen with a healthy decompressor; but the
			// block went in, so the stream cannot go on.
			z.err = fmt.Errorf("%w: zlib-stream: detaching: %w", ErrDecompress, err)
			return
		}
	}
	flatePool.Put(z.fr)
	z.fr = nil
	z.br.Reset(&z.src)
	zlibDetaches.Add(1)
}

// readWindow reads len(window) bytes from the decompressor fed with a
// window block.
func readWindow(fr io.Reader, window []byte) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if p != errSourceDrained {
				panic(p)
			}
			err = io.ErrUnexpectedEOF
		}
	}()
	_, err = io.ReadFull(fr, window)
	return err
}

// windowGrain is the step in which a detached window's slice grows while
// the stream is younger than a window.
const windowGrain = 4 << 10

// fullWindowBlock is the synthetic block for a full window, the usual case.
var fullWindowBlock = appendWindowBlock(nil, zlibWindow)

// blockScratch holds buffers (*[]byte) for the synthetic blocks of partial
// windows.
var blockScratch = sync.Pool{New: func() any { return new([]byte) }}

// appendWindowBlock appends to dst a deflate block (fixed Huffman codes, not
// final) whose first w output bytes are the last w bytes of the history
// before it, in order: ceil(w/258) matches of length 258 at distance w,
// then the end of the block, an empty final block, and padding. w is in [1, zlibWindow].
func appendWindowBlock(dst []byte, w int) []byte {
	bw := bitWriter{out: dst}
	bw.bits(0, 1) // BFINAL 0
	bw.bits(1, 2) // BTYPE 01: fixed Huffman codes
	dsym, dextra, dbits := distanceCode(w)
	for n := 0; n < w; n += 258 {
		// Length 258 is symbol 285: 8-bit code 11000101.
		bw.code(0xc5, 8)
		// Fixed distance codes are the 5-bit symbol itself.
		bw.code(uint32(dsym), 5)
		bw.bits(uint32(dextra), dbits)
	}
	bw.code(0, 7) // end of block: symbol 256, 7-bit code 0000000
	// Then an empty final block, so that a decompressor reading ahead
	// stops at a clean end of stream (io.EOF) rather than decoding the
	// padding as a corrupt stored block, an error it allocates.
	bw.bits(1, 1) // BFINAL 1
	bw.bits(1, 2) // BTYPE 01
	bw.code(0, 7) // end of block
	return bw.flush()
}

// distanceCode returns deflate's distance symbol for d (1..32768), and its
// extra bits with their count (RFC 1951 §3.2.5).
func distanceCode(d int) (sym, extra, nbits int) {
	if d <= 4 {
		return d - 1, 0, 0
	}
	v := d - 1
	nbits = 0
	for (v >> nbits) >= 4 {
		nbits++
	}
	// v has nbits+2 significant bits: the top two pick the symbol.
	top := v >> nbits // 2 or 3
	sym = 2*nbits + 2 + (top - 2)
	extra = v & (1<<nbits - 1)
	return sym, extra, nbits
}

// bitWriter writes a deflate bit stream: values least significant bit
// first, Huffman codes most significant bit first.
type bitWriter struct {
	out  []byte
	acc  uint64
	nacc uint
}

func (w *bitWriter) bits(v uint32, n int) {
	w.acc |= uint64(v) << w.nacc
	w.nacc += uint(n)
	for w.nacc >= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.nacc -= 8
	}
}

func (w *bitWriter) code(c uint32, n int) {
	var r uint32
	for i := 0; i < n; i++ {
		r = r<<1 | (c>>i)&1
	}
	w.bits(r, n)
}

func (w *bitWriter) flush() []byte {
	if w.nacc > 0 {
		w.out = append(w.out, byte(w.acc))
	}
	// Padding: flate may read a little ahead of the end of the block.
	return append(w.out, 0, 0, 0, 0, 0, 0, 0, 0)
}

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

// release returns the decompressor and the stream to their pools;
// newZlibStream resets them completely, broken or not.
func (z *zlibStream) release() {
	z.src.set(nil)
	if z.fr != nil {
		flatePool.Put(z.fr)
		z.fr = nil
	}
	zlibStreamPool.Put(z)
}
