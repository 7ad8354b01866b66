package encoding

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/gatewaykit/gateway/encoding/etf"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/opcode"
)

// NewETF returns a fresh codec for encoding=etf. It keeps buffers between
// calls: use one per connection, from one goroutine.
//
// Decode expects what Discord sends: the version byte 131, then a map
// (possibly inside a COMPRESSED term) whose keys op, s, t and d are atoms or
// binaries, in any order; other keys are checked and ignored. op must be an
// integer, s an integer or the atom nil, t an atom, a binary or nil. Only d
// is transcoded, into JSON text in the codec's own buffer, by the rules of
// package etf (snowflakes above 2^53 become strings, as in JSON); Env.D
// aliases that buffer until the next Decode. A documented event name in t
// is the constant of package event; decoding allocates nothing else in
// steady state.
//
// Encode writes the version byte and a map with binary keys (atom keys make
// Discord close with 4002): op and d, and for op 0 also s and t, with t as
// an atom as Discord sends it. d is translated from env.D's JSON text.
//
// Errors from Decode are *SyntaxError values with Encoding "etf", matching
// ErrMalformed; their Offset counts from the start of the message (from the
// start of the inflated term for a COMPRESSED message, which Msg notes).
func NewETF() Codec { return &etfCodec{} }

// NewETFServer returns a fresh ETF codec for the server side of a
// connection, such as an emulator of Discord's gateway. It encodes what
// Discord sends: a map with atom keys d, op, s and t, always all four (s
// and t as nil when absent), t an atom, every object key inside d an atom
// too, and every snowflake (a string of a decimal integer above 2^53) a
// 64-bit integer. A client decoding it with [NewETF] gets the same
// envelope back. It decodes what clients must send: like [NewETF], but any
// map key that is not a binary, at any depth, is an error, since Discord
// closes the connection with 4002 on atom keys.
func NewETFServer() Codec {
	c := &etfCodec{server: true}
	c.dec.BinaryKeysOnly = true
	c.enc.AtomKeys, c.enc.SnowflakeInts = true, true
	return c
}

// etfCodec is the ETF codec of one connection.
type etfCodec struct {
	dec    etf.Decoder
	enc    etf.Encoder
	d      []byte // JSON text of the last decoded d, aliased by Envelope.D
	server bool   // NewETFServer: encode as Discord does, decode strictly
}

func (*etfCodec) Name() string { return "etf" }
func (*etfCodec) Binary() bool { return true }

// etfErr converts an error of package etf into a *SyntaxError.
func etfErr(err error, inflated bool) error {
	var se *etf.SyntaxError
	if !errors.As(err, &se) {
		return &SyntaxError{Encoding: "etf", Msg: err.Error()}
	}
	msg := se.Msg
	if inflated {
		msg += " (offset into the inflated COMPRESSED term)"
	}
	return &SyntaxError{Encoding: "etf", Offset: se.Offset, Msg: msg}
}

// Decode implements [Codec.Decode]. See [NewETF] for what it accepts.
func (c *etfCodec) Decode(msg []byte, env *Envelope) error {
	if env == nil {
		return errors.New("encoding: nil *Envelope")
	}
	b, off, err := c.dec.Body(msg)
	if err != nil {
		return etfErr(err, false)
	}
	inflated := off == 0
	fail := func(err error) error { return etfErr(err, inflated) }
	mapAt := off
	pairs, off, err := etf.ReadMapHeader(b, off)
	if err != nil {
		return fail(err)
	}
	var (
		op, seq     int64
		hasOp, hasS bool
		name        string
		data        []byte
	)
	c.d = c.d[:0]
	for range pairs {
		key, atom, next, err := c.dec.ReadText(b, off)
		if err == nil && atom && c.server {
			return fail(&etf.SyntaxError{Offset: off, Msg: "map key is an atom, not a binary (Discord closes with 4002)"})
		}
		if err != nil {
			if c.server {
				return fail(&etf.SyntaxError{Offset: off, Msg: "map key is not a binary (Discord closes with 4002)"})
			}
			// Keys of other types (integers) are none of ours: skip them.
			if next, err = c.dec.Skip(b, off); err != nil {
				return fail(err)
			}
			key = nil
		}
		off = next
		switch string(key) {
		case "op", "s":
			var v int64
			null, end := etf.IsNull(b, off)
			if !null {
				if v, end, err = etf.ReadInt(b, off); err != nil {
					return fail(err)
				}
			}
			if string(key) == "op" {
				if null {
					return fail(&etf.SyntaxError{Offset: off, Msg: "op is nil"})
				}
				if v != int64(int(v)) {
					return fail(&etf.SyntaxError{Offset: off, Msg: "op out of range"})
				}
				op, hasOp = v, true
			} else {
				seq, hasS = v, !null
			}
			off = end
		case "t":
			null, end := etf.IsNull(b, off)
			if null {
				name, off = "", end
				break
			}
			text, _, end, err := c.dec.ReadText(b, off)
			if err != nil {
				return fail(&etf.SyntaxError{Offset: off, Msg: "t is not an atom, a binary or nil"})
			}
			if s, ok := event.Intern(text); ok {
				name = s
			} else if utf8.Valid(text) {
				name = string(text)
			} else {
				name = string([]rune(string(text))) // invalid bytes become U+FFFD, as in JSON
			}
			off = end
		case "d":
			c.d = c.d[:0]
			if c.d, off, err = c.dec.AppendTermJSON(c.d, b, off); err != nil {
				return fail(err)
			}
			data = c.d
		default:
			if off, err = c.dec.Skip(b, off); err != nil {
				return fail(err)
			}
		}
	}
	if off != len(b) {
		return fail(&etf.SyntaxError{Offset: off, Msg: fmt.Sprintf("%d bytes after the top-level map", len(b)-off)})
	}
	if !hasOp {
		return fail(&etf.SyntaxError{Offset: mapAt, Msg: "op is missing"})
	}
	*env = Envelope{Op: opcode.Opcode(op), S: seq, HasS: hasS, T: name, D: data}
	return nil
}

// Encode implements [Codec.Encode]. See [NewETF] for what it writes.
func (c *etfCodec) Encode(dst []byte, env *Envelope) ([]byte, error) {
	if env == nil {
		return dst, errors.New("encoding: nil *Envelope")
	}
	if c.server {
		return c.encodeServer(dst, env)
	}
	out := etf.AppendVersion(dst)
	if env.Op == opcode.Dispatch {
		out = etf.AppendMapHeader(out, 4)
	} else {
		out = etf.AppendMapHeader(out, 2)
	}
	out = etf.AppendBinary(out, "op")
	out = etf.AppendInt(out, int64(env.Op))
	out = etf.AppendBinary(out, "d")
	if env.D == nil {
		out = etf.AppendNull(out)
	} else {
		var err error
		if out, err = c.enc.AppendTermFromJSON(out, env.D); err != nil {
			return dst, fmt.Errorf("encoding: etf: op %d: d: %w", env.Op, err)
		}
	}
	if env.Op == opcode.Dispatch {
		out = etf.AppendBinary(out, "s")
		if env.HasS {
			out = etf.AppendInt(out, env.S)
		} else {
			out = etf.AppendNull(out)
		}
		out = etf.AppendBinary(out, "t")
		if env.T == "" {
			out = etf.AppendNull(out)
		} else {
			var err error
			if out, err = etf.AppendAtom(out, env.T); err != nil {
				return dst, fmt.Errorf("encoding: etf: event name %q: %w", env.T, err)
			}
		}
	}
	return out, nil
}

// encodeServer writes env as Discord's server does: atom keys, in the
// order Erlang sorts them (d, op, s, t), all four always.
func (c *etfCodec) encodeServer(dst []byte, env *Envelope) ([]byte, error) {
	out := etf.AppendMapHeader(etf.AppendVersion(dst), 4)
	out, _ = etf.AppendAtom(out, "d")
	if env.D == nil {
		out = etf.AppendNull(out)
	} else {
		var err error
		if out, err = c.enc.AppendTermFromJSON(out, env.D); err != nil {
			return dst, fmt.Errorf("encoding: etf: op %d: d: %w", env.Op, err)
		}
	}
	out, _ = etf.AppendAtom(out, "op")
	out = etf.AppendInt(out, int64(env.Op))
	out, _ = etf.AppendAtom(out, "s")
	if env.HasS {
		out = etf.AppendInt(out, env.S)
	} else {
		out = etf.AppendNull(out)
	}
	out, _ = etf.AppendAtom(out, "t")
	if env.T == "" {
		return etf.AppendNull(out), nil
	}
	out, err := etf.AppendAtom(out, env.T)
	if err != nil {
		return dst, fmt.Errorf("encoding: etf: event name %q: %w", env.T, err)
	}
	return out, nil
}
