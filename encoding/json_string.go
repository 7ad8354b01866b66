package encoding

import (
	"unicode/utf16"
	"unicode/utf8"
)

// This file decodes and encodes the contents of JSON strings. Decoding
// follows encoding/json exactly, so that a key or event name means the same
// thing here as after json.Unmarshal: bytes that are not valid UTF-8 become
// U+FFFD, one per byte; a \u escape of a lone or mismatched UTF-16
// surrogate becomes U+FFFD; a valid surrogate pair becomes one rune.

// nextRune decodes one character of a string's contents (between the quotes,
// escapes already validated by skipString) starting at raw[i], and returns
// it with the offset of the next character.
func nextRune(raw []byte, i int) (rune, int) {
	c := raw[i]
	if c < utf8.RuneSelf {
		if c != '\\' {
			return rune(c), i + 1
		}
		switch e := raw[i+1]; e {
		case 'b':
			return '\b', i + 2
		case 'f':
			return '\f', i + 2
		case 'n':
			return '\n', i + 2
		case 'r':
			return '\r', i + 2
		case 't':
			return '\t', i + 2
		case 'u':
			r := hex4(raw[i+2:])
			i += 6
			if !utf16.IsSurrogate(r) {
				return r, i
			}
			// A surrogate is only good as the first half of a pair
			// whose second half follows as another \u escape.
			if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
				if pair := utf16.DecodeRune(r, hex4(raw[i+2:])); pair != utf8.RuneError {
					return pair, i + 6
				}
			}
			return utf8.RuneError, i
		default: // '"', '\\', '/'
			return rune(e), i + 2
		}
	}
	r, n := utf8.DecodeRune(raw[i:])
	return r, i + n
}

// hex4 returns the value of four hexadecimal digits already validated.
func hex4(h []byte) rune {
	return unhex(h[0])<<12 | unhex(h[1])<<8 | unhex(h[2])<<4 | unhex(h[3])
}

// stringEqual reports whether the string contents raw, as encoding/json
// would decode them, equal s. It allocates nothing.
func stringEqual(raw []byte, s string) bool {
	k := 0
	for i := 0; i < len(raw); {
		var r rune
		r, i = nextRune(raw, i)
		if r < utf8.RuneSelf {
			if k >= len(s) || s[k] != byte(r) {
				return false
			}
			k++
			continue
		}
		var buf [utf8.UTFMax]byte
		n := utf8.EncodeRune(buf[:], r)
		if len(s)-k < n || s[k:k+n] != string(buf[:n]) {
			return false
		}
		k += n
	}
	return k == len(s)
}

// appendUnquoted appends the decoded string contents raw to dst.
func appendUnquoted(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		var r rune
		r, i = nextRune(raw, i)
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

// needsUnquote reports whether raw, a string's contents without escapes,
// differs from its decoded value, which happens only when it holds bytes
// that are not valid UTF-8.
func needsUnquote(raw []byte) bool { return !utf8.Valid(raw) }

// appendQuoted appends s to dst as a JSON string. Quotes, backslashes and
// control characters are escaped, and bytes that are not valid UTF-8 are
// written as U+FFFD, as encoding/json does; everything else is copied as is.
func appendQuoted(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || n != 1 {
				i += n
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\ufffd"...)
			i++
			start = i
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
