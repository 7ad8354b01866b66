package gatewayutil

import (
	"fmt"
	"sync"

	"github.com/gatewaykit/gateway"
)

// Message buffers. A shard borrows a buffer for each message it reads (the
// frame payloads, then the decompressed message) and gives it back once the
// message is dispatched, so an idle shard holds none and a busy one reuses
// the same few. A buffer that one huge message (a GUILD_CREATE of a big
// guild can be megabytes) grew past maxPooledBuffer is dropped on release
// rather than pooled, so memory goes back to the garbage collector instead
// of staying with the pool for good.
const (
	// minBufferCap is the capacity of a new buffer: most gateway messages
	// fit in it without growing.
	minBufferCap = 4 << 10
	// maxPooledBuffer is the largest capacity a released buffer may have to
	// go back to the pool.
	maxPooledBuffer = 256 << 10
)

// buffer is a growable byte slice that lives in bufferPool.
type buffer struct {
	B []byte
}

var bufferPool = sync.Pool{New: func() any { return &buffer{B: make([]byte, 0, minBufferCap)} }}

// getBuffer borrows an empty buffer from the pool.
func getBuffer() *buffer {
	b := bufferPool.Get().(*buffer)
	b.B = b.B[:0]
	return b
}

// putBuffer returns b to the pool, or drops its storage if a big message
// grew it past maxPooledBuffer. b must not be used afterwards. A nil b is
// ignored.
func putBuffer(b *buffer) {
	if b == nil {
		return
	}
	if cap(b.B) > maxPooledBuffer {
		b.B = make([]byte, 0, minBufferCap)
	}
	b.B = b.B[:0]
	bufferPool.Put(b)
}

// room makes sure at least n more bytes fit after len(b.B) without
// reallocating, growing the storage geometrically, and returns the free
// tail b.B[len:cap], cut at limit. The buffer may never hold more than limit bytes: asking
// for more returns an error matching gateway.ErrMessageTooLarge and leaves b
// as it was.
func (b *buffer) room(n, limit int) ([]byte, error) {
	need := len(b.B) + n
	if n < 0 || need > limit {
		return nil, fmt.Errorf("%w: over %d bytes", gateway.ErrMessageTooLarge, limit)
	}
	if need > cap(b.B) {
		c := max(2*cap(b.B), minBufferCap)
		for c < need {
			c *= 2
		}
		c = min(c, limit)
		nb := make([]byte, len(b.B), c)
		copy(nb, b.B)
		b.B = nb
	}
	return b.B[len(b.B):min(cap(b.B), limit)], nil
}

// Read chunks. The frame reader borrows one of these while data is flowing
// and gives it back when the socket runs dry, so a shard blocked waiting for
// its next message holds only its small inline buffer.
const readChunkSize = 64 << 10

type readChunk [readChunkSize]byte

var readChunkPool = sync.Pool{New: func() any { return new(readChunk) }}
