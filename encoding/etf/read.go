package etf

import (
	"encoding/binary"
	"strconv"
)

// These readers let a caller walk the top level of a term without
// transcoding all of it: package encoding uses them to pick op, s and t out
// of an envelope map and transcode only d. Each takes the input and the
// offset of a term's tag byte and returns the offset just past what it
// read; errors are *SyntaxError values matching ErrMalformed.

// ReadMapHeader reads the MAP_EXT header at b[off] and returns the number of
// key/value pairs that follow. The count is checked against the bytes
// left: each pair takes at least two.
func ReadMapHeader(b []byte, off int) (pairs, next int, err error) {
	if off >= len(b) {
		return 0, off, termErr(off, "input ends where a map should start")
	}
	if b[off] != TagMap {
		return 0, off, termErr(off, "term is "+tagName(b[off])+", not MAP_EXT")
	}
	if len(b)-off < 5 {
		return 0, off, truncated(off, "MAP_EXT")
	}
	n := binary.BigEndian.Uint32(b[off+1:])
	if uint64(n) > uint64(len(b)-off-5)/2 {
		return 0, off, termErr(off, "MAP_EXT declares "+strconv.FormatUint(uint64(n), 10)+
			" pairs but only "+strconv.Itoa(len(b)-off-5)+" bytes follow")
	}
	return int(n), off + 5, nil
}

// ReadInt reads an integer term at b[off]: SMALL_INTEGER_EXT, INTEGER_EXT,
// or a SMALL_BIG_EXT/LARGE_BIG_EXT whose value fits in an int64.
func ReadInt(b []byte, off int) (v int64, next int, err error) {
	if off >= len(b) {
		return 0, off, termErr(off, "input ends where an integer should start")
	}
	switch tag := b[off]; tag {
	case TagSmallInteger:
		if len(b)-off < 2 {
			return 0, off, truncated(off, "SMALL_INTEGER_EXT")
		}
		return int64(b[off+1]), off + 2, nil
	case TagInteger:
		if len(b)-off < 5 {
			return 0, off, truncated(off, "INTEGER_EXT")
		}
		return int64(int32(binary.BigEndian.Uint32(b[off+1:]))), off + 5, nil
	case TagSmallBig, TagLargeBig:
		t := transcoder{b: b, lim: Limits{}.withDefaults()}
		mag, neg, end, err := t.readBig(off)
		if err != nil {
			return 0, off, err
		}
		mag = trimBig(mag)
		var u uint64
		if len(mag) <= 8 {
			for i := len(mag) - 1; i >= 0; i-- {
				u = u<<8 | uint64(mag[i])
			}
		}
		switch {
		case len(mag) > 8 || (!neg && u > 1<<63-1) || (neg && u > 1<<63):
			return 0, off, termErr(off, "integer does not fit in 64 bits")
		case neg:
			return int64(-u), end, nil
		default:
			return int64(u), end, nil
		}
	default:
		return 0, off, termErr(off, "term is "+tagName(tag)+", not an integer")
	}
}

// IsNull reports whether the term at b[off] is the atom nil or null (JSON
// null), and if so the offset just past it.
func IsNull(b []byte, off int) (bool, int) {
	if off >= len(b) {
		return false, off
	}
	switch b[off] {
	case TagSmallAtom, TagSmallAtomUTF8, TagAtom, TagAtomUTF8:
		name, end, err := readAtom(b, off)
		if err == nil && (string(name) == "nil" || string(name) == "null") {
			return true, end
		}
	}
	return false, off
}

// ReadText reads an atom (any of its four forms) or a BINARY_EXT at b[off]
// and returns its text, and whether it was an atom. The text of a binary
// and of a UTF-8 or ASCII atom aliases b; the name of a Latin-1 atom with
// non-ASCII letters is converted to UTF-8 in d's own buffer, valid until
// the next call. The text is returned as it is, without checking UTF-8.
func (d *Decoder) ReadText(b []byte, off int) (text []byte, atom bool, next int, err error) {
	if off >= len(b) {
		return nil, false, off, termErr(off, "input ends where an atom or binary should start")
	}
	switch tag := b[off]; tag {
	case TagBinary:
		if len(b)-off < 5 {
			return nil, false, off, truncated(off, "BINARY_EXT")
		}
		n := binary.BigEndian.Uint32(b[off+1:])
		if uint64(n) > uint64(len(b)-off-5) {
			return nil, false, off, truncated(off, "BINARY_EXT")
		}
		return b[off+5 : off+5+int(n)], false, off + 5 + int(n), nil
	case TagSmallAtom, TagSmallAtomUTF8, TagAtom, TagAtomUTF8:
		name, end, err := readAtom(b, off)
		if err != nil {
			return nil, true, off, err
		}
		if tag == TagAtom || tag == TagSmallAtom {
			for _, c := range name {
				if c >= 0x80 {
					d.text = latin1ToUTF8(d.text[:0], name)
					return d.text, true, end, nil
				}
			}
		}
		return name, true, end, nil
	default:
		return nil, false, off, termErr(off, "term is "+tagName(tag)+", not an atom or binary")
	}
}
