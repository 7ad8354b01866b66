package gatewaytest

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// Transport compression names, the values of the compress query parameter.
const (
	CompressNone = ""
	CompressZlib = "zlib-stream"
	CompressZstd = "zstd-stream"
)

// compressor turns gateway messages into the bytes of one WebSocket
// message each. Transport compressors keep one context for the whole
// connection (docs/protocol.md §10): zlib-stream ends every message with a
// Z_SYNC_FLUSH (00 00 ff ff), zstd-stream flushes a block per message and
// never ends its frame.
type compressor interface {
	// compress returns the compressed bytes of msg, valid until the next
	// call.
	compress(msg []byte) ([]byte, error)
}

// zlibStream is a zlib-stream transport compressor.
type zlibStream struct {
	buf bytes.Buffer
	w   *zlib.Writer
}

func newZlibStream() (*zlibStream, error) {
	z := &zlibStream{}
	w, err := zlib.NewWriterLevel(&z.buf, flate.BestSpeed)
	if err != nil {
		return nil, fmt.Errorf("gatewaytest: zlib writer: %w", err)
	}
	z.w = w
	return z, nil
}

func (z *zlibStream) compress(msg []byte) ([]byte, error) {
	z.buf.Reset()
	if _, err := z.w.Write(msg); err != nil {
		return nil, fmt.Errorf("gatewaytest: zlib-stream: %w", err)
	}
	if err := z.w.Flush(); err != nil {
		return nil, fmt.Errorf("gatewaytest: zlib-stream flush: %w", err)
	}
	return z.buf.Bytes(), nil
}

// zstdStream is a zstd-stream transport compressor: a 256 KiB window and
// no checksum, like the frames Discord sends.
type zstdStream struct {
	buf bytes.Buffer
	w   *zstd.Encoder
}

func newZstdStream() (*zstdStream, error) {
	z := &zstdStream{}
	w, err := zstd.NewWriter(&z.buf,
		zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(256<<10),
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderCRC(false),
		zstd.WithLowerEncoderMem(true),
	)
	if err != nil {
		return nil, fmt.Errorf("gatewaytest: zstd writer: %w", err)
	}
	z.w = w
	return z, nil
}

func (z *zstdStream) compress(msg []byte) ([]byte, error) {
	z.buf.Reset()
	if _, err := z.w.Write(msg); err != nil {
		return nil, fmt.Errorf("gatewaytest: zstd-stream: %w", err)
	}
	if err := z.w.Flush(); err != nil {
		return nil, fmt.Errorf("gatewaytest: zstd-stream flush: %w", err)
	}
	return z.buf.Bytes(), nil
}

// payloadZlib compresses single payloads for identify compress:true: each
// one a complete zlib stream, no context shared between payloads. Writers
// are pooled across connections.
type payloadZlib struct {
	buf bytes.Buffer
}

var zlibWriterPool = sync.Pool{New: func() any {
	w, _ := zlib.NewWriterLevel(nil, flate.BestSpeed)
	return w
}}

func (p *payloadZlib) compress(msg []byte) ([]byte, error) {
	p.buf.Reset()
	w := zlibWriterPool.Get().(*zlib.Writer)
	defer zlibWriterPool.Put(w)
	w.Reset(&p.buf)
	if _, err := w.Write(msg); err != nil {
		return nil, fmt.Errorf("gatewaytest: payload zlib: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("gatewaytest: payload zlib: %w", err)
	}
	return p.buf.Bytes(), nil
}

// newTransport returns the compressor for a compress query value, nil for
// none.
func newTransport(name string) (compressor, error) {
	switch name {
	case CompressZlib:
		return newZlibStream()
	case CompressZstd:
		return newZstdStream()
	}
	return nil, nil
}
