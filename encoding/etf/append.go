package etf

import (
	"encoding/binary"
	"errors"
	"math"
	"unicode/utf8"
)

// These appenders write single terms the way the gateway expects them, for
// code that builds messages by hand (a server writing the atom t of a
// dispatch, say) rather than from JSON text.

// AppendVersion appends the version byte 131 that starts every message.
func AppendVersion(dst []byte) []byte { return append(dst, Version) }

// AppendMapHeader appends a MAP_EXT header for pairs key/value pairs; the
// caller appends them next, keys first. Keys sent to Discord must be
// binaries ([AppendBinary]): atom keys make it close the connection
// with 4002.
func AppendMapHeader(dst []byte, pairs int) []byte {
	return binary.BigEndian.AppendUint32(append(dst, TagMap), uint32(pairs))
}

// AppendListHeader appends a LIST_EXT header for n elements; the caller
// appends them next, then the tail, [AppendEmptyList]. For n == 0 append
// only [AppendEmptyList] instead, as Erlang does.
func AppendListHeader(dst []byte, n int) []byte {
	return binary.BigEndian.AppendUint32(append(dst, TagList), uint32(n))
}

// AppendEmptyList appends NIL_EXT: the empty list, and the tail of every
// proper list.
func AppendEmptyList(dst []byte) []byte { return append(dst, TagNil) }

// AppendNull appends the atom nil, the gateway's null (what erlpack
// writes, as SMALL_ATOM_EXT).
func AppendNull(dst []byte) []byte { return append(dst, TagSmallAtom, 3, 'n', 'i', 'l') }

// AppendBool appends the atom true or false.
func AppendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, TagSmallAtom, 4, 't', 'r', 'u', 'e')
	}
	return append(dst, TagSmallAtom, 5, 'f', 'a', 'l', 's', 'e')
}

// AppendInt appends v in the smallest form Erlang would use:
// SMALL_INTEGER_EXT for 0-255, INTEGER_EXT for the rest of the int32 range,
// SMALL_BIG_EXT beyond.
func AppendInt(dst []byte, v int64) []byte {
	switch {
	case v >= 0 && v <= 255:
		return append(dst, TagSmallInteger, byte(v))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return binary.BigEndian.AppendUint32(append(dst, TagInteger), uint32(int32(v)))
	case v < 0:
		return appendSmallBig(dst, uint64(-v), true) // -MinInt64 wraps to 1<<63, its magnitude
	default:
		return appendSmallBig(dst, uint64(v), false)
	}
}

// AppendUint appends v like [AppendInt], for the full uint64 range
// (snowflakes as integers).
func AppendUint(dst []byte, v uint64) []byte {
	if v <= math.MaxInt32 {
		return AppendInt(dst, int64(v))
	}
	return appendSmallBig(dst, v, false)
}

// appendSmallBig appends SMALL_BIG_EXT with the minimal number of bytes for
// magnitude u.
func appendSmallBig(dst []byte, u uint64, neg bool) []byte {
	hdr := len(dst)
	dst = append(dst, TagSmallBig, 0, 0)
	if neg {
		dst[hdr+2] = 1
	}
	n := byte(0)
	for ; u > 0; u >>= 8 {
		dst = append(dst, byte(u))
		n++
	}
	dst[hdr+1] = n
	return dst
}

// AppendFloat appends f as NEW_FLOAT_EXT. Erlang has no NaN or infinities:
// f must be finite, or the receiver rejects the message.
func AppendFloat(dst []byte, f float64) []byte {
	return binary.BigEndian.AppendUint64(append(dst, TagNewFloat), math.Float64bits(f))
}

// AppendBinary appends s as BINARY_EXT, the gateway's string.
func AppendBinary(dst []byte, s string) []byte {
	dst = binary.BigEndian.AppendUint32(append(dst, TagBinary), uint32(len(s)))
	return append(dst, s...)
}

// ErrAtom is returned by AppendAtom for a name Erlang cannot hold as an
// atom.
var ErrAtom = errors.New("etf: atom name must be valid UTF-8 of at most 255 characters")

// AppendAtom appends an atom as SMALL_ATOM_UTF8_EXT, or ATOM_UTF8_EXT
// past 255 bytes: the forms Erlang writes since OTP 26. Discord sends the
// event name t as an atom. A name that is not valid UTF-8 or longer than
// 255 characters returns [ErrAtom].
func AppendAtom(dst []byte, name string) ([]byte, error) {
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > 255 {
		return dst, ErrAtom
	}
	if len(name) <= 255 {
		dst = append(dst, TagSmallAtomUTF8, byte(len(name)))
	} else {
		dst = binary.BigEndian.AppendUint16(append(dst, TagAtomUTF8), uint16(len(name)))
	}
	return append(dst, name...), nil
}
