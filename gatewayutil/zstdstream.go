package gatewayutil

import (
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// DefaultMaxZstdWindow bounds the window a zstd-stream connection may ask
// for, and so the history each connection keeps: Discord's streams use a
// 256 KiB window (docs/protocol.md §10.4); the bound leaves room for more without
// letting a server make every shard hold hundreds of megabytes.
const DefaultMaxZstdWindow = 8 << 20

// zstdStream is the zstd-stream decompressor of one connection (docs/protocol.md
// §10.4): one decoder for the connection's whole life, fed each WebSocket
// message as one gateway message. The frame never ends. The decoder runs
// with concurrency 1, which makes klauspost's decoder synchronous (no
// goroutines), and with a bounded window.
type zstdStream struct {
	src messageSource
	dec *zstd.Decoder
	err error // once set, the stream is broken for good
}

var zstdStreamPool sync.Pool

// newZstdStream returns a zstd-stream decompressor at the start of a stream
// whose window may be at most maxWindow bytes.
func newZstdStream(maxWindow uint64) (*zstdStream, error) {
	opts := []zstd.DOption{zstd.WithDecoderMaxWindow(maxWindow), zstd.WithDecoderMaxMemory(maxWindow)}
	z, _ := zstdStreamPool.Get().(*zstdStream)
	if z == nil {
		z = new(zstdStream)
		dec, err := zstd.NewReader(nil, append(opts, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))...)
		if err != nil {
			return nil, fmt.Errorf("gatewayutil: zstd decoder: %w", err)
		}
		z.dec = dec
	}
	z.err = nil
	if err := z.dec.ResetWithOptions(&z.src, opts...); err != nil {
		z.dec.Close()
		return nil, fmt.Errorf("gatewayutil: zstd decoder: %w", err)
	}
	return z, nil
}

func (z *zstdStream) decode(in []byte, _ bool, out *buffer, limit int) (bool, error) {
	if z.err != nil {
		return true, z.err
	}
	z.src.set(in)
	if err := drain(z.dec, z.src.empty, out, limit); err != nil {
		z.err = fmt.Errorf("zstd-stream: %w", err)
		z.src.set(nil)
		return true, z.err
	}
	return true, nil
}

// release returns the decoder to the pool, or closes it if its stream
// broke.
func (z *zstdStream) release() {
	z.src.set(nil)
	if z.err != nil {
		z.dec.Close()
		return
	}
	zstdStreamPool.Put(z)
}
