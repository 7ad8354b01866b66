package gatewayutil

import (
	"errors"
	"fmt"
)

// Compression is how the gateway compresses what it sends (docs/protocol.md
// §10). The client never compresses what it sends.
type Compression int

const (
	// CompressNone sends every message as is. An idle shard holds about
	// 11 KiB (BENCHMARKS.md); each message costs the most bandwidth.
	CompressNone Compression = iota
	// CompressZlibStream is transport compression "zlib-stream": the whole
	// connection is one zlib stream and each message ends with a sync
	// flush (00 00 ff ff), possibly after several WebSocket messages. Its
	// 32 KiB window keeps an idle shard at about 43 KiB: the choice for
	// many shards.
	CompressZlibStream
	// CompressZstdStream is transport compression "zstd-stream": the whole
	// connection is one zstd frame and each WebSocket message holds exactly
	// one gateway message. It inflates about twice as fast as zlib-stream,
	// but Discord's 256 KiB window means each connection keeps the window
	// plus block buffers: about 740 KiB per idle shard with klauspost's
	// decoder, comparable to libzstd's. Config.MaxZstdWindow bounds what
	// a server may ask for.
	CompressZstdStream
	// CompressPayload is payload compression ("compress": true in
	// Identify, JSON only): some messages arrive as binary WebSocket
	// messages that each hold a complete zlib stream.
	CompressPayload
)

var compressionNames = [...]string{"none", "zlib-stream", "zstd-stream", "payload"}

// String returns the name ParseCompression accepts: "none",
// "zlib-stream", "zstd-stream" or "payload".
func (c Compression) String() string {
	if c >= 0 && int(c) < len(compressionNames) {
		return compressionNames[c]
	}
	return fmt.Sprintf("Compression(%d)", int(c))
}

// queryValue is the gateway URL's "compress" parameter, "" for none.
func (c Compression) queryValue() string {
	switch c {
	case CompressZlibStream, CompressZstdStream:
		return compressionNames[c]
	}
	return ""
}

// ErrUnknownCompression is matched by the error ParseCompression returns for
// a name it does not know.
var ErrUnknownCompression = errors.New("gatewayutil: unknown compression")

// ParseCompression parses a compression name as the stressbot's -compress
// flag takes it: "none" (or ""), "zlib-stream", "zstd-stream" or "payload".
func ParseCompression(s string) (Compression, error) {
	if s == "" {
		return CompressNone, nil
	}
	for i, n := range compressionNames {
		if s == n {
			return Compression(i), nil
		}
	}
	return 0, fmt.Errorf("%w %q (want none, zlib-stream, zstd-stream or payload)", ErrUnknownCompression, s)
}

// ErrDecompress is matched by the errors for a compressed message that
// cannot be decompressed: a corrupt stream, or a stream that does not end a
// message where it should. A connection's stream cannot recover from it; the
// shard closes the connection and resumes on a new one.
var ErrDecompress = errors.New("gatewayutil: cannot decompress gateway message")

// messageDecoder turns the payload of one WebSocket data message into gateway
// messages. It is per connection: transport compression keeps one
// decompression context for the connection's whole life.
type messageDecoder interface {
	// decode appends the gateway message carried by in (the payload of one
	// WebSocket message, binary or text) to out, never letting out grow
	// past limit bytes. It reports false if the message is not complete
	// yet (zlib-stream: more WebSocket messages follow); in must then stay
	// untouched until the message completes, as the decoder may keep it.
	decode(in []byte, binary bool, out *buffer, limit int) (complete bool, err error)
	// release gives the decoder's resources back to their pool. The
	// decoder cannot be used afterwards.
	release()
}
