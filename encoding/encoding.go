// Package encoding reads and writes the gateway's message envelope,
// {"op","d","s","t"}, in JSON and in ETF.
//
// Decoding reads op, s and t and hands back d raw, without decoding it: the
// hot path never builds a tree for an event nobody wants. Whatever the wire
// encoding, [Envelope.D] is JSON, so handlers see the same bytes for a
// connection with encoding=json or encoding=etf.
//
// Start with [New] (or [JSON] and [NewETF]) to get a [Codec] for a
// connection's encoding, then call [Codec.Decode] for every message and
// [Codec.Encode] for every command.
package encoding

import (
	"errors"
	"fmt"

	"github.com/gatewaykit/gateway/opcode"
)

// Envelope is one gateway message: its op code, sequence number, event name
// and raw data.
type Envelope struct {
	// Op is the op code.
	Op opcode.Opcode
	// S is the sequence number; meaningful only when HasS is true (it is
	// absent or null on anything but dispatches).
	S    int64
	HasS bool
	// T is the event name, "" when absent or null. Documented names are the
	// shared constants of package event, so decoding them allocates nothing.
	T string
	// D is the "d" value as JSON text: nil when the key is absent, the four
	// bytes "null" when it is null. With the JSON codec it aliases the
	// decoded message; with the ETF codec it aliases the codec's own buffer.
	// Either way it is valid only until the next Decode; copy it to keep it.
	D []byte
}

// Reset clears e for reuse.
func (e *Envelope) Reset() { *e = Envelope{} }

// Codec decodes and encodes envelopes in one wire encoding. A Codec may keep
// buffers between calls: use one per connection, from one goroutine.
type Codec interface {
	// Name is the value of the gateway URL's "encoding" parameter: "json"
	// or "etf".
	Name() string
	// Binary reports whether messages in this encoding travel in binary
	// WebSocket frames (ETF) rather than text frames (JSON).
	Binary() bool
	// Decode parses one whole message into env. Keys may come in any order
	// and unknown keys are ignored. A malformed message returns an error
	// matching ErrMalformed that says where the problem is; env is then
	// undefined.
	Decode(msg []byte, env *Envelope) error
	// Encode appends env to dst in this encoding. env.D must be valid JSON
	// (nil means null). For op 0 the s and t keys are written too; for
	// every other op only op and d, as clients send them.
	Encode(dst []byte, env *Envelope) ([]byte, error)
}

// ErrMalformed is matched (errors.Is) by every decoding error.
var ErrMalformed = errors.New("malformed gateway message")

// SyntaxError says what is wrong with a message and at which byte offset.
type SyntaxError struct {
	Encoding string // "json" or "etf"
	Offset   int    // byte offset into the message where the problem was found
	Msg      string // what was wrong
}

// Error names the encoding, the byte offset of the fault and what was
// wrong there.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s: malformed message at offset %d: %s", e.Encoding, e.Offset, e.Msg)
}

// Is makes errors.Is(err, ErrMalformed) true.
func (e *SyntaxError) Is(target error) bool { return target == ErrMalformed }

// ErrUnknownEncoding is returned by New for anything but "json" and "etf".
var ErrUnknownEncoding = errors.New("unknown gateway encoding")

// New returns a fresh Codec for an encoding name, "json" or "etf".
func New(name string) (Codec, error) {
	switch name {
	case "json", "":
		return JSON(), nil
	case "etf":
		return NewETF(), nil
	}
	return nil, fmt.Errorf("encoding %q: %w (want json or etf)", name, ErrUnknownEncoding)
}
