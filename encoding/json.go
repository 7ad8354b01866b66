package encoding

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/opcode"
)

// JSON returns the codec for encoding=json. It keeps no state, so the one
// value serves every connection and goroutine at once.
//
// Decode reads op, s and t, and d raw, from a message in one pass that also
// validates the whole message as JSON: it accepts exactly what
// encoding/json.Valid accepts (a message Valid rejects is an error here too,
// including anything wrong inside d or in keys it ignores, and anything
// after the object), and on top of that requires a top-level object whose
// op is an integer, s an integer or null, and t a string or null. Keys may
// come in any order; a repeated key counts by its last value, as with
// json.Unmarshal, though every occurrence must be of the right type. Keys are
// matched exactly (json.Unmarshal into a struct would also match "OP").
//
// Strings may hold bytes that are not valid UTF-8, as encoding/json allows:
// they pass through into D unchanged and, in t, become U+FFFD as
// json.Unmarshal would make them. A documented event name in t decodes to
// the constant of package event without allocating, even when written with
// escapes; an unknown name costs one string allocation. Decoding allocates
// nothing else, except on errors and for containers nested more than 64
// levels deep inside d.
//
// Errors are *SyntaxError values (errors.Is(err, ErrMalformed)) whose Offset
// is the first byte that cannot be accepted, or len(msg) when the message
// ends too early.
func JSON() Codec { return jsonCodec{} }

// jsonCodec implements the JSON codec. It has no fields: all its state lives
// on the stack of each call.
type jsonCodec struct{}

func (jsonCodec) Name() string { return "json" }
func (jsonCodec) Binary() bool { return false }

// errNilEnvelope is returned when Decode or Encode is given no Envelope.
var errNilEnvelope = errors.New("encoding: nil *Envelope")

// Decode implements [Codec.Decode]. See [JSON] for what it accepts.
func (jsonCodec) Decode(msg []byte, env *Envelope) error {
	if env == nil {
		return errNilEnvelope
	}
	b := msg
	i := skipSpace(b, 0)
	if i >= len(b) {
		return jsonErr(i, "empty message")
	}
	if b[i] != '{' {
		if _, err := skipValue(b, i, 0); err != nil {
			return err
		}
		return jsonErr(i, "message is not a JSON object")
	}
	var (
		op, seq     int64
		hasOp, hasS bool
		name        string
		data        []byte
	)
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for {
			key, escaped, vi, err := skipKey(b, i)
			if err != nil {
				return err
			}
			i = vi
			switch which := matchEnvelopeKey(key, escaped); which {
			case keyOp, keyS:
				v, isNull, end, err := readInt(b, i, which)
				if err != nil {
					return err
				}
				if which == keyOp {
					op, hasOp = v, !isNull
				} else {
					seq, hasS = v, !isNull
				}
				i = end
			case keyT:
				s, end, err := readEventName(b, i)
				if err != nil {
					return err
				}
				name, i = s, end
			case keyD:
				end, err := skipValue(b, i, 1)
				if err != nil {
					return err
				}
				data, i = b[i:end:end], end
			default:
				end, err := skipValue(b, i, 1)
				if err != nil {
					return err
				}
				i = end
			}
			if i < len(b) && isSpace(b[i]) {
				i = skipSpace(b, i)
			}
			if i < len(b) && b[i] == ',' {
				i = skipSpace(b, i+1)
				continue
			}
			if i < len(b) && b[i] == '}' {
				i++
				break
			}
			return errAt(b, i, "after object key:value pair")
		}
	}
	if !hasOp {
		return jsonErr(i-1, "op is missing or null")
	}
	if i < len(b) {
		if i = skipSpace(b, i); i < len(b) {
			return jsonErr(i, "invalid character "+quoteByte(b[i])+" after top-level object")
		}
	}
	*env = Envelope{Op: opcode.Opcode(op), S: seq, HasS: hasS, T: name, D: data}
	return nil
}

// Envelope keys Decode knows.
const (
	keyOther = iota
	keyOp
	keyS
	keyT
	keyD
)

// matchEnvelopeKey tells which envelope key the raw key contents name.
func matchEnvelopeKey(key []byte, escaped bool) int {
	if escaped {
		// Rare: a key written with escapes, such as "\u006fp".
		for k, name := range [...]string{keyOp: "op", keyS: "s", keyT: "t", keyD: "d"} {
			if k != keyOther && stringEqual(key, name) {
				return k
			}
		}
		return keyOther
	}
	switch len(key) {
	case 1:
		switch key[0] {
		case 's':
			return keyS
		case 't':
			return keyT
		case 'd':
			return keyD
		}
	case 2:
		if key[0] == 'o' && key[1] == 'p' {
			return keyOp
		}
	}
	return keyOther
}

// readInt reads the value of op (which == keyOp, an int) or s (an int64):
// an integer written without fraction or exponent, or null. Anything else,
// even valid JSON, is an error at the value's first byte.
func readInt(b []byte, i int, which int) (v int64, isNull bool, end int, err *SyntaxError) {
	field := "s"
	if which == keyOp {
		field = "op"
	}
	if i < len(b) && b[i] == 'n' {
		end, err = skipLiteral(b, i, "null")
		return 0, true, end, err
	}
	if i >= len(b) || (b[i] != '-' && !isDigit(b[i])) {
		if end, err = skipValue(b, i, 1); err != nil {
			return 0, false, end, err
		}
		return 0, false, i, jsonErr(i, field+" is not a number")
	}
	end, integer, err := skipNumber(b, i)
	if err != nil {
		return 0, false, end, err
	}
	if !integer {
		return 0, false, i, jsonErr(i, field+" is not an integer")
	}
	v, ok := parseInt64(b[i:end])
	if !ok || which == keyOp && (v > math.MaxInt || v < math.MinInt) {
		return 0, false, i, jsonErr(i, field+" is out of range")
	}
	return v, false, end, nil
}

// parseInt64 converts a JSON integer literal (already validated) to int64.
func parseInt64(lit []byte) (int64, bool) {
	neg := lit[0] == '-'
	if neg {
		lit = lit[1:]
	}
	var u uint64
	for _, c := range lit {
		if u > (math.MaxUint64-9)/10 {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// readEventName reads the value of t: a string or null. Documented names come
// back as the constants of package event without allocating.
func readEventName(b []byte, i int) (name string, end int, err *SyntaxError) {
	if i < len(b) && b[i] == 'n' {
		end, err = skipLiteral(b, i, "null")
		return "", end, err
	}
	if i >= len(b) || b[i] != '"' {
		if end, err = skipValue(b, i, 1); err != nil {
			return "", end, err
		}
		return "", i, jsonErr(i, "t is not a string")
	}
	end, escaped, err := skipString(b, i+1)
	if err != nil {
		return "", end, err
	}
	return eventName(b[i+1:end-1], escaped), end, nil
}

// eventName decodes the contents of t.
func eventName(raw []byte, escaped bool) string {
	if !escaped {
		if s, ok := event.Intern(raw); ok {
			return s
		}
		if !needsUnquote(raw) {
			return string(raw)
		}
	}
	// Escapes or invalid UTF-8: decode, on the stack when short enough
	// for an event name, and intern what is known.
	var buf [64]byte
	u := appendUnquoted(buf[:0], raw)
	if s, ok := event.Intern(u); ok {
		return s
	}
	return string(u)
}

// jsonNull is what Encode writes for a nil D.
var jsonNull = []byte("null")

// Encode implements [Codec.Encode]: it appends {"op":N,"d":D} to dst, and
// for op 0 also "s" (null unless HasS) and "t" (null when empty). D must be
// one valid JSON value, or nil for null; Encode checks it and returns an
// error matching ErrMalformed, with dst unchanged, when it is not (an empty
// but non-nil D included). It allocates nothing beyond growing dst.
func (jsonCodec) Encode(dst []byte, env *Envelope) ([]byte, error) {
	if env == nil {
		return dst, errNilEnvelope
	}
	d := env.D
	if d == nil {
		d = jsonNull
	} else if err := validJSON(d); err != nil {
		return dst, fmt.Errorf("encoding: op %d: d is not one valid JSON value: %w", env.Op, err)
	}
	dst = append(dst, `{"op":`...)
	dst = strconv.AppendInt(dst, int64(env.Op), 10)
	dst = append(dst, `,"d":`...)
	dst = append(dst, d...)
	if env.Op == opcode.Dispatch {
		dst = append(dst, `,"s":`...)
		if env.HasS {
			dst = strconv.AppendInt(dst, env.S, 10)
		} else {
			dst = append(dst, "null"...)
		}
		dst = append(dst, `,"t":`...)
		if env.T != "" {
			dst = appendQuoted(dst, env.T)
		} else {
			dst = append(dst, "null"...)
		}
	}
	return append(dst, '}'), nil
}

// validJSON checks that b is exactly one JSON value, with optional
// whitespace around it.
func validJSON(b []byte) *SyntaxError {
	i := skipSpace(b, 0)
	end, err := skipValue(b, i, 0)
	if err != nil {
		return err
	}
	if end = skipSpace(b, end); end < len(b) {
		return jsonErr(end, "invalid character "+quoteByte(b[end])+" after top-level value")
	}
	return nil
}
