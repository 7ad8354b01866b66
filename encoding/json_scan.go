package encoding

import (
	"encoding/binary"
	"math/bits"
	"strconv"
)

// This file holds the JSON validator that the codec and Lookup share: it
// walks a value without building anything, checks it against the JSON
// grammar (RFC 8259, as encoding/json reads it) and returns where the value
// ends. Its rules are those of encoding/json.Valid, so the two agree on every
// input:
//
//   - bytes that are not valid UTF-8 are accepted inside strings (Valid does
//     not check them either; Unmarshal later replaces them with U+FFFD);
//   - control bytes (< 0x20) inside strings are errors;
//   - containers may nest at most maxDepth deep.
//
// Functions return the offset just past what they read, or a *SyntaxError
// whose Offset is the first byte that cannot be accepted (len(b) when the
// input ends too early).

// maxDepth is how deep objects and arrays may nest, the same limit as
// encoding/json's scanner, so that both accept exactly the same inputs.
const maxDepth = 10000

// Byte-parallel ("SWAR") constants: ones has 0x01 in every byte, highs has
// 0x80 in every byte.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

func jsonErr(off int, msg string) *SyntaxError {
	return &SyntaxError{Encoding: "json", Offset: off, Msg: msg}
}

// errAt describes the byte at b[i] as the problem, or the end of input when
// i is past the end. context says what the scanner was looking for.
func errAt(b []byte, i int, context string) *SyntaxError {
	if i >= len(b) {
		return jsonErr(len(b), "unexpected end of input "+context)
	}
	return jsonErr(i, "invalid character "+quoteByte(b[i])+" "+context)
}

// quoteByte renders a byte for an error message: 'x' for printable ASCII,
// 0xNN otherwise.
func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return "0x" + strconv.FormatUint(uint64(c)|0x100, 16)[1:]
}

// isSpace reports whether c is JSON whitespace.
func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

// skipSpace returns the offset of the first non-whitespace byte at or after
// i, or len(b).
func skipSpace(b []byte, i int) int {
	// Every whitespace byte is <= ' ': one comparison settles the
	// common case, a value or punctuation right where i stands.
	for uint(i) < uint(len(b)) && b[i] <= ' ' && isSpace(b[i]) {
		i++
	}
	return i
}

// skipString reads the rest of a string whose opening quote is at i-1. It
// returns the offset just past the closing quote and whether the string
// holds any escape sequence (so that a caller comparing or copying its
// contents knows whether the raw bytes are already the value).
//
// It looks at eight bytes at a time for the three bytes that end the fast
// path, '"', '\\' and control bytes, so long strings cost little more than
// the memory they occupy.
func skipString(b []byte, i int) (end int, escaped bool, err *SyntaxError) {
	for {
		for len(b)-i >= 8 {
			m := specialBytes(binary.LittleEndian.Uint64(b[i:]))
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) >> 3
			goto special
		}
		for ; i < len(b); i++ {
			if c := b[i]; c == '"' || c == '\\' || c < 0x20 {
				goto special
			}
		}
		return len(b), escaped, jsonErr(len(b), "unexpected end of input in string")

	special:
		switch c := b[i]; {
		case c == '"':
			return i + 1, escaped, nil
		case c == '\\':
			escaped = true
			// Two-byte escapes (\n, \", \\ ...) in line; \u and errors
			// through checkEscape.
			if i+1 < len(b) && escapeLen[b[i+1]] == 2 {
				i += 2
				continue
			}
			n, err := checkEscape(b, i)
			if err != nil {
				return i, escaped, err
			}
			i += n
		default:
			return i, escaped, jsonErr(i, "invalid control character "+quoteByte(c)+" in string")
		}
	}
}

// specialBytes looks at eight bytes of string content at once (v holds them
// little-endian) and sets the high bit of each byte that ends a plain run:
// '"', '\\' and control bytes (< 0x20). The XORs turn '"' and '\\' into
// zero bytes; subtracting 0x01 from a byte sets its high bit when it is
// zero, subtracting 0x20 when it is below 0x20; "&^ v" drops bytes >= 0x80,
// which are ordinary content. A borrow only runs upwards from a flagged
// byte, so the lowest flagged byte (bits.TrailingZeros64 / 8) is always a
// true hit, though bytes above it may be flagged wrongly.
func specialBytes(v uint64) uint64 {
	q, s := v^(ones*'"'), v^(ones*'\\')
	return ((q - ones) | (s - ones) | (v - ones*0x20)) &^ v & highs
}

// escapeLen maps the byte after a backslash to the length of the escape
// sequence, 0 for bytes that cannot follow a backslash.
var escapeLen = [256]uint8{
	'"': 2, '\\': 2, '/': 2, 'b': 2, 'f': 2, 'n': 2, 'r': 2, 't': 2, 'u': 6,
}

// checkEscape validates the escape sequence whose backslash is at b[i] and
// returns its length.
func checkEscape(b []byte, i int) (int, *SyntaxError) {
	if i+1 >= len(b) {
		return 0, jsonErr(len(b), "unexpected end of input in string escape")
	}
	n := int(escapeLen[b[i+1]])
	if n == 0 {
		return 0, jsonErr(i+1, "invalid character "+quoteByte(b[i+1])+" in string escape code")
	}
	if n == 6 {
		for k := i + 2; k < i+6; k++ {
			if k >= len(b) {
				return 0, jsonErr(len(b), "unexpected end of input in \\u escape")
			}
			if unhex(b[k]) < 0 {
				return 0, jsonErr(k, "invalid character "+quoteByte(b[k])+" in \\u hexadecimal character escape")
			}
		}
	}
	return n, nil
}

// unhex returns the value of a hexadecimal digit, or -1.
func unhex(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

// isDigit reports whether c is an ASCII decimal digit.
func isDigit(c byte) bool { return c-'0' < 10 }

// skipNumber validates the number starting at b[i] (a '-' or a digit) and
// returns the offset just past it. integer reports whether it has neither a
// fraction nor an exponent.
func skipNumber(b []byte, i int) (end int, integer bool, err *SyntaxError) {
	if b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return i, false, jsonErr(i, "unexpected end of input in numeric literal")
	case b[i] == '0':
		i++
	case isDigit(b[i]):
		i++
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		return i, false, jsonErr(i, "invalid character "+quoteByte(b[i])+" in numeric literal")
	}
	integer = true
	if i < len(b) && b[i] == '.' {
		integer = false
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return i, false, errAt(b, i, "after decimal point in numeric literal")
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		integer = false
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return i, false, errAt(b, i, "in exponent of numeric literal")
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	return i, integer, nil
}

// skipLiteral validates the literal lit (true, false or null) at b[i].
func skipLiteral(b []byte, i int, lit string) (int, *SyntaxError) {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit), nil
	}
	k := 1
	for i+k < len(b) && k < len(lit) && b[i+k] == lit[k] {
		k++
	}
	return i + k, errAt(b, i+k, "in literal "+lit+" (expecting "+strconv.Quote(lit[k:k+1])+")")
}

// skipValue validates the JSON value that starts at b[i] (whitespace before
// it already skipped) and returns the offset just past it. depth is the
// number of containers around the value.
func skipValue(b []byte, i, depth int) (int, *SyntaxError) {
	if uint(i) >= uint(len(b)) {
		return i, jsonErr(i, "unexpected end of input looking for beginning of value")
	}
	switch c := b[i]; c {
	case '"':
		return endOfString(b, i+1)
	case '{', '[':
		return skipContainer(b, i, depth)
	case 't':
		return skipLiteral(b, i, "true")
	case 'f':
		return skipLiteral(b, i, "false")
	case 'n':
		return skipLiteral(b, i, "null")
	default:
		if c == '-' || isDigit(c) {
			end, _, err := skipNumber(b, i)
			return end, err
		}
	}
	return i, errAt(b, i, "looking for beginning of value")
}

// skipKey reads an object key string starting at b[i] and the colon after
// it, and returns the key's contents (between the quotes, escapes not yet
// decoded), whether it holds escapes, and the offset of the value that
// follows (whitespace skipped).
func skipKey(b []byte, i int) (key []byte, escaped bool, next int, err *SyntaxError) {
	if i >= len(b) || b[i] != '"' {
		return nil, false, i, errAt(b, i, "looking for beginning of object key string")
	}
	end := plainRun(b, i+1)
	if end < len(b) && b[end] == '"' {
		end++
	} else if end, escaped, err = skipString(b, end); err != nil {
		return nil, false, end, err
	}
	key = b[i+1 : end-1]
	i = end
	if i < len(b) && isSpace(b[i]) {
		i = skipSpace(b, i)
	}
	if i >= len(b) || b[i] != ':' {
		return nil, false, i, errAt(b, i, "after object key")
	}
	i++
	if i < len(b) && isSpace(b[i]) {
		i = skipSpace(b, i)
	}
	return key, escaped, i, nil
}

// plainRun returns the offset of the first byte at or after b[i] that ends
// a run of plain string content ('"', '\\' or a control byte), or len(b)
// when there is none. It looks at eight bytes at a time while it can.
func plainRun(b []byte, i int) int {
	rest := b[i:]
	for len(rest) >= 8 {
		if m := specialBytes(binary.LittleEndian.Uint64(rest)); m != 0 {
			return len(b) - len(rest) + bits.TrailingZeros64(m)>>3
		}
		rest = rest[8:]
	}
	for len(rest) > 0 && !stringSpecial[rest[0]] {
		rest = rest[1:]
	}
	return len(b) - len(rest)
}

// stringSpecial is true for the bytes that end a run of plain string
// content: '"', '\\' and control bytes.
var stringSpecial = [256]bool{
	0x00: true, 0x01: true, 0x02: true, 0x03: true, 0x04: true, 0x05: true, 0x06: true, 0x07: true,
	0x08: true, 0x09: true, 0x0a: true, 0x0b: true, 0x0c: true, 0x0d: true, 0x0e: true, 0x0f: true,
	0x10: true, 0x11: true, 0x12: true, 0x13: true, 0x14: true, 0x15: true, 0x16: true, 0x17: true,
	0x18: true, 0x19: true, 0x1a: true, 0x1b: true, 0x1c: true, 0x1d: true, 0x1e: true, 0x1f: true,
	'"': true, '\\': true,
}

// endOfString returns the offset just past the string whose contents
// start at b[i]: one run of plain content to the closing quote in the
// common case, skipString for escapes and errors.
func endOfString(b []byte, i int) (int, *SyntaxError) {
	j := plainRun(b, i)
	if j < len(b) && b[j] == '"' {
		return j + 1, nil
	}
	end, _, err := skipString(b, j)
	return end, err
}

// Literals as little-endian words, for comparing four bytes at once:
// "true", "null", "alse" (false after its first byte) and "fals".
const (
	wordTrue = 't' | 'r'<<8 | 'u'<<16 | 'e'<<24
	wordNull = 'n' | 'u'<<8 | 'l'<<16 | 'l'<<24
	wordAlse = 'a' | 'l'<<8 | 's'<<16 | 'e'<<24
	wordFals = 'f' | 'a'<<8 | 'l'<<16 | 's'<<24
)

// skipContainer validates the object or array that starts at b[i] and
// returns the offset just past it. depth is the number of containers
// around it.
//
// It walks iteratively, not recursively, keeping one bit per open container
// (1 for an object) so that deep input costs neither Go stack nor, up to 64
// levels below the starting one, any allocation. It is the hot loop of the
// package: strings without escapes (one run of plain content, eight bytes
// at a time), keys, literals, plain integers and whitespace are handled in
// line, and only escapes, other numbers and errors call out.
func skipContainer(b []byte, i, depth int) (int, *SyntaxError) {
	base := depth
	var stack bitStack
	var err *SyntaxError
	wantKey := false
	for {
		if wantKey {
			// An object key and its colon, at b[i].
			if uint(i) >= uint(len(b)) || b[i] != '"' {
				return i, errAt(b, i, "looking for beginning of object key string")
			}
			j := i + 1
			for len(b)-j >= 8 {
				if m := specialBytes(binary.LittleEndian.Uint64(b[j:])); m != 0 {
					j += bits.TrailingZeros64(m) >> 3
					goto keyEnd
				}
				j += 8
			}
			j = plainRun(b, j)
		keyEnd:
			if uint(j) < uint(len(b)) && b[j] == '"' {
				i = j + 1
			} else if i, _, err = skipString(b, j); err != nil {
				return i, err
			}
			if uint(i) < uint(len(b)) && b[i] == ':' {
				i++
			} else {
				if i < len(b) && b[i] <= ' ' {
					i = skipSpace(b, i)
				}
				if i >= len(b) || b[i] != ':' {
					return i, errAt(b, i, "after object key")
				}
				i++
			}
			if uint(i) < uint(len(b)) && b[i] <= ' ' {
				i = skipSpace(b, i)
			}
			wantKey = false
		}

		// b[i] is the first byte of a value.
		if uint(i) >= uint(len(b)) {
			return i, jsonErr(i, "unexpected end of input looking for beginning of value")
		}
		switch c := b[i]; c {
		case '"':
			j := i + 1
			for len(b)-j >= 8 {
				if m := specialBytes(binary.LittleEndian.Uint64(b[j:])); m != 0 {
					j += bits.TrailingZeros64(m) >> 3
					goto valueEnd
				}
				j += 8
			}
			j = plainRun(b, j)
		valueEnd:
			if uint(j) < uint(len(b)) && b[j] == '"' {
				i = j + 1
			} else {
				i, _, err = skipString(b, j)
			}
		case '{':
			depth++
			if depth > maxDepth {
				return i, jsonErr(i, "exceeded max depth")
			}
			stack.set(depth-base, true)
			i++
			if uint(i) < uint(len(b)) && b[i] <= ' ' {
				i = skipSpace(b, i)
			}
			if uint(i) < uint(len(b)) && b[i] == '}' {
				depth--
				i++
				break
			}
			wantKey = true
			continue
		case '[':
			depth++
			if depth > maxDepth {
				return i, jsonErr(i, "exceeded max depth")
			}
			stack.set(depth-base, false)
			i++
			if uint(i) < uint(len(b)) && b[i] <= ' ' {
				i = skipSpace(b, i)
			}
			if uint(i) < uint(len(b)) && b[i] == ']' {
				depth--
				i++
				break
			}
			continue
		case 't':
			if len(b)-i >= 4 && binary.LittleEndian.Uint32(b[i:]) == wordTrue {
				i += 4
			} else {
				i, err = skipLiteral(b, i, "true")
			}
		case 'f':
			if len(b)-i >= 5 && binary.LittleEndian.Uint32(b[i+1:]) == wordAlse {
				i += 5
			} else {
				i, err = skipLiteral(b, i, "false")
			}
		case 'n':
			if len(b)-i >= 4 && binary.LittleEndian.Uint32(b[i:]) == wordNull {
				i += 4
			} else {
				i, err = skipLiteral(b, i, "null")
			}
		case '1', '2', '3', '4', '5', '6', '7', '8', '9':
			// An integer without sign, fraction or exponent in line;
			// anything more goes to skipNumber from its start.
			j := i + 1
			for uint(j) < uint(len(b)) && isDigit(b[j]) {
				j++
			}
			if uint(j) < uint(len(b)) && numberTail[b[j]] {
				i, _, err = skipNumber(b, i)
			} else {
				i = j
			}
		default:
			if c != '-' && c != '0' {
				return i, errAt(b, i, "looking for beginning of value")
			}
			i, _, err = skipNumber(b, i)
		}
		if err != nil {
			return i, err
		}

		// A value has ended: close containers until one continues.
		for {
			if depth == base {
				return i, nil
			}
			if uint(i) < uint(len(b)) && b[i] <= ' ' {
				i = skipSpace(b, i)
			}
			if uint(i) >= uint(len(b)) {
				return i, jsonErr(i, "unexpected end of input after value")
			}
			inObject := stack.get(depth - base)
			c := b[i]
			if c == ',' {
				i++
				if uint(i) < uint(len(b)) && b[i] <= ' ' {
					i = skipSpace(b, i)
				}
				wantKey = inObject
				break
			}
			if inObject && c == '}' || !inObject && c == ']' {
				i++
				depth--
				continue
			}
			if inObject {
				return i, errAt(b, i, "after object key:value pair")
			}
			return i, errAt(b, i, "after array element")
		}
	}
}

// bitStack records, for each open container, whether it is an object. Levels
// count from 1; the first 64 live in a word, deeper ones (never seen in
// gateway traffic) in a slice allocated on demand.
type bitStack struct {
	small uint64
	big   []uint64
}

func (s *bitStack) set(level int, object bool) {
	level--
	if level < 64 {
		if object {
			s.small |= 1 << uint(level)
		} else {
			s.small &^= 1 << uint(level)
		}
		return
	}
	s.setBig(level-64, object)
}

func (s *bitStack) setBig(level int, object bool) {
	w := level >> 6
	for len(s.big) <= w {
		s.big = append(s.big, 0)
	}
	if object {
		s.big[w] |= 1 << uint(level&63)
	} else {
		s.big[w] &^= 1 << uint(level&63)
	}
}

func (s *bitStack) get(level int) bool {
	level--
	if level < 64 {
		return s.small>>uint(level)&1 != 0
	}
	level -= 64
	return s.big[level>>6]>>uint(level&63)&1 != 0
}
