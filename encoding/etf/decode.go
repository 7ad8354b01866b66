package etf

import (
	"encoding/binary"
	"math"
	"strconv"
)

// Decoder transcodes terms into JSON text. The zero value is ready to use
// with the default [Limits]. A Decoder keeps buffers between calls (for
// COMPRESSED terms and skipped values), so steady-state decoding allocates
// nothing; use one per goroutine.
type Decoder struct {
	// Limits bound depth, big integer size and inflated size.
	Limits Limits
	// BinaryKeysOnly makes any map key that is not a binary an error, as
	// Discord treats it in what clients send (it closes with 4002). A
	// server checking client messages sets it.
	BinaryKeysOnly bool

	inflated []byte // output of the last COMPRESSED term, reused
	discard  []byte // output of Skip, reused
	text     []byte // Latin-1 atom names converted to UTF-8 by ReadText
	zlibState
}

// AppendJSON transcodes one whole encoded message, as produced by Erlang's
// term_to_binary (the version byte 131, then one term, possibly
// COMPRESSED), into JSON text appended to dst. The term must end exactly at
// the end of msg. On error it returns dst with whatever was appended so
// far; the error is a *[SyntaxError] matching [ErrMalformed].
func (d *Decoder) AppendJSON(dst, msg []byte) ([]byte, error) {
	b, off, err := d.Body(msg)
	if err != nil {
		return dst, err
	}
	dst, end, err := d.AppendTermJSON(dst, b, off)
	if err != nil {
		return dst, inflatedErr(err, off)
	}
	if end != len(b) {
		return dst, inflatedErr(termErr(end, strconv.Itoa(len(b)-end)+" bytes after the term"), off)
	}
	return dst, nil
}

// AppendTermJSON transcodes the one term that starts at b[off] (a tag byte,
// no version byte) into JSON appended to dst, and returns the offset just
// past the term. Error offsets count from the start of b.
func (d *Decoder) AppendTermJSON(dst, b []byte, off int) ([]byte, int, error) {
	t := transcoder{b: b, lim: d.Limits.withDefaults(), binaryKeysOnly: d.BinaryKeysOnly}
	dst, end, err := t.value(dst, off, 0)
	if err != nil {
		return dst, end, err
	}
	return dst, end, nil
}

// Skip steps over the term at b[off], checking it exactly as
// AppendTermJSON would, and returns the offset just past it.
func (d *Decoder) Skip(b []byte, off int) (int, error) {
	var err error
	d.discard, off, err = d.AppendTermJSON(d.discard[:0], b, off)
	if cap(d.discard) > 64<<10 {
		d.discard = nil // do not hold on to a huge skipped value
	}
	return off, err
}

// transcoder holds what one AppendTermJSON call needs on its recursion.
type transcoder struct {
	b              []byte
	lim            Limits
	binaryKeysOnly bool
}

// need checks that n bytes follow off, for a term of kind tag that starts
// at start.
func (t *transcoder) need(start, off, n int, tag byte) error {
	if n < 0 || n > len(t.b)-off {
		return truncated(start, tagName(tag))
	}
	return nil
}

// value transcodes the term at off, nested depth levels deep.
func (t *transcoder) value(dst []byte, off, depth int) ([]byte, int, error) {
	b := t.b
	if off >= len(b) {
		return dst, off, termErr(off, "input ends where a term should start")
	}
	start := off
	tag := b[off]
	off++
	switch tag {
	case TagSmallInteger:
		if off >= len(b) {
			return dst, start, truncated(start, "SMALL_INTEGER_EXT")
		}
		return strconv.AppendUint(dst, uint64(b[off]), 10), off + 1, nil

	case TagInteger:
		if len(b)-off < 4 {
			return dst, start, truncated(start, "INTEGER_EXT")
		}
		v := int32(binary.BigEndian.Uint32(b[off:]))
		return strconv.AppendInt(dst, int64(v), 10), off + 4, nil

	case TagNewFloat:
		if len(b)-off < 8 {
			return dst, start, truncated(start, "NEW_FLOAT_EXT")
		}
		f := math.Float64frombits(binary.BigEndian.Uint64(b[off:]))
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return dst, start, termErr(start, "NEW_FLOAT_EXT is NaN or infinite, which JSON cannot carry")
		}
		return appendFloat(dst, f), off + 8, nil

	case TagFloat:
		f, end, err := readOldFloat(b, start)
		if err != nil {
			return dst, start, err
		}
		return appendFloat(dst, f), end, nil

	case TagSmallAtom, TagSmallAtomUTF8, TagAtom, TagAtomUTF8:
		name, end, err := readAtom(b, start)
		if err != nil {
			return dst, start, err
		}
		switch string(name) {
		case "nil", "null":
			return append(dst, "null"...), end, nil
		case "true":
			return append(dst, "true"...), end, nil
		case "false":
			return append(dst, "false"...), end, nil
		}
		return appendName(dst, name, tag == TagAtom || tag == TagSmallAtom), end, nil

	case TagBinary:
		if len(b)-off < 4 {
			return dst, start, truncated(start, "BINARY_EXT")
		}
		n := int(binary.BigEndian.Uint32(b[off:]))
		off += 4
		if err := t.need(start, off, n, tag); err != nil {
			return dst, start, err
		}
		return appendString(dst, b[off:off+n]), off + n, nil

	case TagString:
		if len(b)-off < 2 {
			return dst, start, truncated(start, "STRING_EXT")
		}
		n := int(binary.BigEndian.Uint16(b[off:]))
		off += 2
		if err := t.need(start, off, n, tag); err != nil {
			return dst, start, err
		}
		dst = append(dst, '[')
		for i, c := range b[off : off+n] {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendUint(dst, uint64(c), 10)
		}
		return append(dst, ']'), off + n, nil

	case TagNil:
		return append(dst, "[]"...), off, nil

	case TagList, TagSmallTuple, TagLargeTuple:
		var n int
		switch tag {
		case TagSmallTuple:
			if off >= len(b) {
				return dst, start, truncated(start, "SMALL_TUPLE_EXT")
			}
			n = int(b[off])
			off++
		default:
			if len(b)-off < 4 {
				return dst, start, truncated(start, tagName(tag))
			}
			n = int(binary.BigEndian.Uint32(b[off:]))
			off += 4
		}
		// Every element takes at least one byte, and a list its tail too.
		min := n
		if tag == TagList {
			min++
		}
		if err := t.need(start, off, min, tag); err != nil {
			return dst, start, termErr(start, tagName(tag)+" declares "+strconv.Itoa(n)+" elements but only "+strconv.Itoa(len(b)-off)+" bytes follow")
		}
		if depth >= t.lim.MaxDepth {
			return dst, start, limitErr(start, "nesting deeper than "+strconv.Itoa(t.lim.MaxDepth)+" levels")
		}
		dst = append(dst, '[')
		var err error
		for i := 0; i < n; i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, off, err = t.value(dst, off, depth+1); err != nil {
				return dst, off, err
			}
		}
		if tag == TagList {
			if off >= len(b) {
				return dst, off, truncated(start, "LIST_EXT")
			}
			if b[off] != TagNil {
				return dst, off, termErr(off, "improper list: tail is "+tagName(b[off])+", not NIL_EXT")
			}
			off++
		}
		return append(dst, ']'), off, nil

	case TagMap:
		if len(b)-off < 4 {
			return dst, start, truncated(start, "MAP_EXT")
		}
		n := int(binary.BigEndian.Uint32(b[off:]))
		off += 4
		if n > (len(b)-off)/2 {
			return dst, start, termErr(start, "MAP_EXT declares "+strconv.Itoa(n)+" pairs but only "+strconv.Itoa(len(b)-off)+" bytes follow")
		}
		if depth >= t.lim.MaxDepth {
			return dst, start, limitErr(start, "nesting deeper than "+strconv.Itoa(t.lim.MaxDepth)+" levels")
		}
		dst = append(dst, '{')
		var err error
		for i := 0; i < n; i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, off, err = t.key(dst, off); err != nil {
				return dst, off, err
			}
			dst = append(dst, ':')
			if dst, off, err = t.value(dst, off, depth+1); err != nil {
				return dst, off, err
			}
		}
		return append(dst, '}'), off, nil

	case TagSmallBig, TagLargeBig:
		mag, neg, end, err := t.readBig(start)
		if err != nil {
			return dst, start, err
		}
		return appendBig(dst, mag, neg), end, nil

	case TagCompressed:
		return dst, start, termErr(start, "COMPRESSED is allowed only as the whole message, not nested")
	}
	return dst, start, termErr(start, "unsupported tag "+strconv.Itoa(int(tag))+" ("+tagName(tag)+")")
}

// key transcodes a map key at off into a JSON string: atoms (by name, so
// nil is "nil"), binaries, and integers (as decimal text). Anything else is
// an error.
func (t *transcoder) key(dst []byte, off int) ([]byte, int, error) {
	b := t.b
	if off >= len(b) {
		return dst, off, termErr(off, "input ends where a map key should start")
	}
	tag := b[off]
	if t.binaryKeysOnly && tag != TagBinary {
		return dst, off, termErr(off, "map key is "+tagName(tag)+", not a binary (Discord closes with 4002)")
	}
	switch tag {
	case TagBinary:
		if len(b)-off < 5 {
			return dst, off, truncated(off, "BINARY_EXT")
		}
		n := int(binary.BigEndian.Uint32(b[off+1:]))
		if err := t.need(off, off+5, n, tag); err != nil {
			return dst, off, err
		}
		return appendString(dst, b[off+5:off+5+n]), off + 5 + n, nil
	case TagSmallAtomUTF8, TagSmallAtom:
		// The common case: Discord's keys are short atoms.
		if len(b)-off >= 2 {
			if end := off + 2 + int(b[off+1]); end <= len(b) {
				return appendName(dst, b[off+2:end], tag == TagSmallAtom), end, nil
			}
		}
		return dst, off, truncated(off, tagName(tag))
	case TagAtom, TagAtomUTF8:
		name, end, err := readAtom(b, off)
		if err != nil {
			return dst, off, err
		}
		return appendName(dst, name, tag == TagAtom), end, nil
	case TagSmallInteger, TagInteger:
		dst = append(dst, '"')
		dst, end, err := t.value(dst, off, 0)
		return append(dst, '"'), end, err
	case TagSmallBig, TagLargeBig:
		mag, neg, end, err := t.readBig(off)
		if err != nil {
			return dst, off, err
		}
		dst = append(dst, '"')
		dst = appendBigDecimal(dst, mag, neg)
		return append(dst, '"'), end, nil
	default:
		return dst, off, termErr(off, "map key is "+tagName(tag)+"; only atoms, binaries and integers can be JSON object keys")
	}
}

// readBig reads the SMALL_BIG_EXT or LARGE_BIG_EXT at start and returns its
// little-endian magnitude (aliasing the input) and sign.
func (t *transcoder) readBig(start int) (mag []byte, neg bool, end int, err error) {
	b := t.b
	off := start + 1
	var n int
	if b[start] == TagSmallBig {
		if len(b)-off < 2 {
			return nil, false, start, truncated(start, "SMALL_BIG_EXT")
		}
		n = int(b[off])
		off++
	} else {
		if len(b)-off < 5 {
			return nil, false, start, truncated(start, "LARGE_BIG_EXT")
		}
		n = int(binary.BigEndian.Uint32(b[off:]))
		off += 4
	}
	if n > t.lim.MaxBigBytes {
		return nil, false, start, limitErr(start, "big integer of "+strconv.Itoa(n)+" bytes is over the limit of "+strconv.Itoa(t.lim.MaxBigBytes))
	}
	sign := b[off]
	off++
	if sign > 1 {
		return nil, false, start, termErr(start+1, "big integer sign byte is "+strconv.Itoa(int(sign))+", not 0 or 1")
	}
	if err := t.need(start, off, n, b[start]); err != nil {
		return nil, false, start, err
	}
	return b[off : off+n], sign == 1, off + n, nil
}

// readAtom reads the atom (any of the four forms) at start and returns its
// name bytes, aliasing b.
func readAtom(b []byte, start int) (name []byte, end int, err error) {
	off := start + 1
	var n int
	switch b[start] {
	case TagSmallAtom, TagSmallAtomUTF8:
		if off >= len(b) {
			return nil, start, truncated(start, tagName(b[start]))
		}
		n = int(b[off])
		off++
	default:
		if len(b)-off < 2 {
			return nil, start, truncated(start, tagName(b[start]))
		}
		n = int(binary.BigEndian.Uint16(b[off:]))
		off += 2
	}
	if n > len(b)-off {
		return nil, start, truncated(start, tagName(b[start]))
	}
	return b[off : off+n], off + n, nil
}

// readOldFloat reads the FLOAT_EXT at start: 31 bytes of decimal text
// padded with NULs.
func readOldFloat(b []byte, start int) (float64, int, error) {
	off := start + 1
	if len(b)-off < 31 {
		return 0, start, truncated(start, "FLOAT_EXT")
	}
	text := b[off : off+31]
	for i, c := range text {
		if c == 0 {
			text = text[:i]
			break
		}
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, start, termErr(start, "FLOAT_EXT text is not a finite number")
	}
	return f, off + 31, nil
}

// inflatedErr notes in err's message that its offset counts in inflated
// bytes, when base is 0 (the term came out of a COMPRESSED wrapper).
func inflatedErr(err error, base int) error {
	if se, ok := err.(*SyntaxError); ok && base == 0 {
		c := *se
		c.Msg += " (offset into the inflated COMPRESSED term)"
		return &c
	}
	return err
}
