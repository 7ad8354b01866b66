package gatewayutil

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/zlib"
)

// The streaming decompressors (zlib-stream, zstd-stream) read each message's
// compressed bytes from a messageSource. Their stream never ends, so the
// source must never report io.EOF between messages, and it cannot report
// any other error either: both decompressors keep the first read error for
// good, which would poison the connection's only decompression context.
//
// Instead, when a decompressor asks for input the current message does not
// have, the source panics with errSourceDrained, and drain recovers it. A
// decompressor asks for more input only once it has decoded everything the
// message held and wants the start of the next block, which belongs to the
// next message; at that point it has changed none of its state (both read a
// block header before touching anything), so the next message continues the
// stream exactly where this one stopped. Usually the decompressor returns
// the message's last bytes on its own and this never happens: it happens
// only when a message's output ends exactly where the decompressor's output
// window wraps, or when the output buffer filled up exactly.

// errSourceDrained is what a messageSource panics with when it has no more
// input for the current message.
var errSourceDrained = &drainedPanic{}

// drainedStops counts the messages that ended through errSourceDrained, so
// tests can prove they walked that path.
var drainedStops atomic.Int64

type drainedPanic struct{}

func (*drainedPanic) Error() string { return "gatewayutil: compressed message input exhausted" }

// messageSource feeds one message's compressed bytes to a streaming
// decompressor. It implements io.ByteReader so klauspost's flate does not
// wrap it in a bufio.Reader of its own.
type messageSource struct {
	b []byte
}

func (s *messageSource) set(b []byte) { s.b = b }

func (s *messageSource) empty() bool { return len(s.b) == 0 }

// Read copies the message's remaining input; when none is left it panics
// with errSourceDrained (see above).
func (s *messageSource) Read(p []byte) (int, error) {
	if len(s.b) == 0 {
		if len(p) == 0 {
			return 0, nil
		}
		panic(errSourceDrained)
	}
	n := copy(p, s.b)
	s.b = s.b[n:]
	return n, nil
}

// ReadByte returns the next input byte, or panics like Read.
func (s *messageSource) ReadByte() (byte, error) {
	if len(s.b) == 0 {
		panic(errSourceDrained)
	}
	c := s.b[0]
	s.b = s.b[1:]
	return c, nil
}

// drain reads the decompressor r into out until the message source src
// (behind r, possibly through a buffer reporting buffered bytes) has nothing
// left and r has returned everything it decoded from it. It stops with an
// error matching gateway.ErrMessageTooLarge if out would grow past limit.
func drain(r io.Reader, exhausted func() bool, out *buffer, limit int) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if p != errSourceDrained {
				panic(p)
			}
			// The decompressor asked for the next message's input: this
			// message is complete.
			drainedStops.Add(1)
			err = nil
		}
	}()
	for {
		if len(out.B) == limit {
			// Full: the message fits only if nothing more comes out.
			var probe [1]byte
			n, rerr := r.Read(probe[:])
			switch {
			case n > 0:
				_, err := out.room(1, limit)
				return err
			case rerr != nil:
				return fmt.Errorf("%w: %w", ErrDecompress, rerr)
			case exhausted():
				return nil
			}
			continue
		}
		free, err := out.room(1, limit)
		if err != nil {
			return err
		}
		if len(free) < minBufferCap && len(out.B) < limit {
			// Read in reasonably large steps rather than a byte at a time.
			free, err = out.room(min(minBufferCap, limit-len(out.B)), limit)
			if err != nil {
				return err
			}
		}
		n, rerr := r.Read(free)
		out.B = out.B[:len(out.B)+n]
		if rerr != nil {
			return fmt.Errorf("%w: %w", ErrDecompress, rerr)
		}
		if n < len(free) && exhausted() {
			// The decompressor had no more output for the space it was
			// given, and it consumed all the input: done.
			return nil
		}
	}
}

// payloadInflater decompresses payload-compressed messages (docs/protocol.md
// §10.3): each binary WebSocket message is a complete zlib stream of its
// own, text messages are plain. No state is shared between messages, so a
// connection keeps nothing between them: the zlib readers come from a pool
// shared by every connection.
type payloadInflater struct{}

type pooledZlib struct {
	src bytes.Reader
	zr  io.ReadCloser
}

var zlibPool sync.Pool

func (payloadInflater) decode(in []byte, binary bool, out *buffer, limit int) (bool, error) {
	if !binary {
		if _, err := out.room(len(in), limit); err != nil {
			return true, err
		}
		out.B = append(out.B, in...)
		return true, nil
	}
	z, _ := zlibPool.Get().(*pooledZlib)
	if z == nil {
		z = new(pooledZlib)
	}
	defer func() {
		z.src.Reset(nil) // do not keep the caller's buffer reachable from the pool
		zlibPool.Put(z)
	}()
	z.src.Reset(in)
	var err error
	if z.zr == nil {
		z.zr, err = zlib.NewReader(&z.src)
	} else {
		err = z.zr.(zlib.Resetter).Reset(&z.src, nil)
	}
	if err != nil {
		return true, fmt.Errorf("%w: zlib header: %w", ErrDecompress, err)
	}
	for {
		if len(out.B) == limit {
			// Full: the message fits only if the stream ends here.
			var probe [1]byte
			n, rerr := z.zr.Read(probe[:])
			switch {
			case n > 0:
				_, err := out.room(1, limit)
				return true, err
			case rerr == io.EOF:
				return true, nil
			case rerr != nil:
				return true, fmt.Errorf("%w: %w", ErrDecompress, rerr)
			}
			continue
		}
		free, err := out.room(1, limit)
		if err != nil {
			return true, err
		}
		if len(free) < minBufferCap && len(out.B) < limit {
			free, _ = out.room(min(minBufferCap, limit-len(out.B)), limit)
		}
		n, rerr := z.zr.Read(free)
		out.B = out.B[:len(out.B)+n]
		if rerr == io.EOF {
			// The checksum was verified; trailing garbage is ignored, as
			// zlib does.
			return true, nil
		}
		if rerr != nil {
			return true, fmt.Errorf("%w: %w", ErrDecompress, rerr)
		}
	}
}

func (payloadInflater) release() {}
