package etf

import (
	"encoding/binary"
	"unicode/utf8"
)

// safeASCII[c] is true for the ASCII bytes a JSON string holds as they are.
var safeASCII = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// appendEscapedASCII appends the JSON escape for the ASCII byte c, which is
// not safe.
func appendEscapedASCII(dst []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
}

// plainByte[c] is true for the bytes a JSON string holds as they are and
// that are the same in Latin-1 and UTF-8: printable ASCII but '"' and '\\'.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendName appends an atom name or map key as a JSON string: Latin-1
// when latin1 is set, UTF-8 otherwise. Names are short and nearly always
// plain ASCII, which this copies in one go.
func appendName(dst, name []byte, latin1 bool) []byte {
	for _, c := range name {
		if !plainByte[c] {
			if latin1 {
				return appendLatin1String(dst, name)
			}
			return appendString(dst, name)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, name...)
	return append(dst, '"')
}

// special8 reports whether any of the 8 bytes in x (read little-endian)
// is not plain ASCII that JSON holds as it is: a control character, '"',
// '\\', or a byte of a multi-byte UTF-8 sequence.
func special8(x uint64) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	quote := x ^ ('"' * lo)
	bslash := x ^ ('\\' * lo)
	return (x|(x-0x20*lo)&^x|(quote-lo)&^quote|(bslash-lo)&^bslash)&hi != 0
}

// plainPrefix returns how many leading bytes of s are plain ASCII that a
// JSON string holds as they are, checking 8 bytes at a time; it may stop
// up to 7 bytes short.
func plainPrefix(s []byte) int {
	i := 0
	for i+8 <= len(s) && !special8(binary.LittleEndian.Uint64(s[i:])) {
		i += 8
	}
	return i
}

// appendString appends s, taken as UTF-8, as a JSON string. Each byte that
// is not part of a valid UTF-8 sequence becomes U+FFFD, as in
// encoding/json, so the output is always valid JSON.
func appendString(dst, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		i += plainPrefix(s[i:])
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if safeASCII[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = appendEscapedASCII(dst, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\ufffd"...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendLatin1String appends s, taken as Latin-1 (the name of an ATOM_EXT
// or SMALL_ATOM_EXT), as a JSON string.
func appendLatin1String(dst, s []byte) []byte {
	dst = append(dst, '"')
	n := plainPrefix(s)
	for n < len(s) && s[n] < utf8.RuneSelf && safeASCII[s[n]] {
		n++
	}
	dst = append(dst, s[:n]...)
	for _, c := range s[n:] {
		switch {
		case c >= utf8.RuneSelf:
			dst = utf8.AppendRune(dst, rune(c))
		case safeASCII[c]:
			dst = append(dst, c)
		default:
			dst = appendEscapedASCII(dst, c)
		}
	}
	return append(dst, '"')
}

// latin1ToUTF8 appends the Latin-1 text s to dst as UTF-8.
func latin1ToUTF8(dst, s []byte) []byte {
	for _, c := range s {
		if c < utf8.RuneSelf {
			dst = append(dst, c)
		} else {
			dst = utf8.AppendRune(dst, rune(c))
		}
	}
	return dst
}
