package etf

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/big"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Encoder translates JSON text into terms the way Discord wants commands:
// objects become MAP_EXT with BINARY_EXT keys (never atoms, which make
// Discord close with 4002); strings become BINARY_EXT; true, false and null
// the atoms true, false and nil; integers (numbers written without fraction
// or exponent) SMALL_INTEGER_EXT, INTEGER_EXT or SMALL_BIG_EXT by range
// (LARGE_BIG_EXT past 255 bytes); other numbers NEW_FLOAT_EXT; arrays
// LIST_EXT with a NIL_EXT tail, or just NIL_EXT when empty. It never writes
// COMPRESSED.
//
// The input must be valid JSON (RFC 8259). Invalid UTF-8 in strings and
// lone UTF-16 surrogates in \u escapes become U+FFFD, as with
// encoding/json. An object with two equal keys (after unescaping) is an
// error, because Erlang rejects such a map. Nesting is limited to
// [DefaultMaxDepth] levels, integers to [DefaultMaxBigBytes] bytes.
//
// The zero value is ready to use and writes what a client must send. Two
// options make it write what Discord's server sends instead, for an
// emulator. An Encoder keeps a small buffer between calls; use one per
// goroutine.
type Encoder struct {
	// AtomKeys writes object keys as atoms (SMALL_ATOM_UTF8_EXT, or
	// ATOM_UTF8_EXT past 255 bytes), as Discord writes the events it
	// sends. A key longer than 255 characters is then an error. Never set
	// it for commands: Discord closes the connection with 4002 on atom
	// keys.
	AtomKeys bool
	// SnowflakeInts writes strings that hold an unsigned decimal integer
	// between 2^53 and 2^64-1 (no sign, no leading zero: a snowflake) as
	// SMALL_BIG_EXT, as Discord writes IDs. They still decode to the same
	// JSON string.
	SnowflakeInts bool

	keys []keySpan // keys of the objects being encoded, for duplicate checks
}

// keySpan locates one object key: its bytes in the output and its offset
// in the JSON input.
type keySpan struct {
	off, n int // in the output
	at     int // in the input
}

// AppendFromJSON appends a whole message: the version byte, then the term
// for the JSON text js. On error dst is returned unchanged, with a
// *[SyntaxError] matching [ErrInvalidJSON].
func (e *Encoder) AppendFromJSON(dst, js []byte) ([]byte, error) {
	out, err := e.AppendTermFromJSON(AppendVersion(dst), js)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// AppendTermFromJSON appends the term for the JSON text js, without a
// version byte: for a value inside a term the caller is building. On error
// dst is returned unchanged.
func (e *Encoder) AppendTermFromJSON(dst, js []byte) ([]byte, error) {
	p := jsonParser{js: js, e: e}
	i := skipSpace(js, 0)
	out, i, err := p.value(dst, i, 0)
	e.keys = e.keys[:0]
	if err != nil {
		return dst, err
	}
	if i = skipSpace(js, i); i < len(js) {
		return dst, jsonErr(i, "invalid character "+quoteByte(js[i])+" after the top-level value")
	}
	return out, nil
}

// AppendFromJSON appends the version byte and the term for the JSON text
// js, using a fresh [Encoder].
func AppendFromJSON(dst, js []byte) ([]byte, error) {
	var e Encoder
	return e.AppendFromJSON(dst, js)
}

// jsonParser holds one AppendTermFromJSON call's input.
type jsonParser struct {
	js []byte
	e  *Encoder
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func skipSpace(js []byte, i int) int {
	for i < len(js) && isSpace(js[i]) {
		i++
	}
	return i
}

// quoteByte names a byte for an error message.
func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return "0x" + strconv.FormatUint(uint64(c), 16)
}

// value translates the JSON value at js[i], nested depth levels deep.
func (p *jsonParser) value(dst []byte, i, depth int) ([]byte, int, error) {
	js := p.js
	if i >= len(js) {
		return dst, i, jsonErr(i, "unexpected end of input, want a value")
	}
	switch c := js[i]; {
	case c == '{':
		return p.object(dst, i, depth)
	case c == '[':
		return p.array(dst, i, depth)
	case c == '"':
		if p.e.SnowflakeInts {
			if u, end, ok := snowflake(js, i); ok {
				return appendSmallBig(dst, u, false), end, nil
			}
		}
		return p.str(dst, i)
	case c == 't':
		if bytes.HasPrefix(js[i:], []byte("true")) {
			return AppendBool(dst, true), i + 4, nil
		}
	case c == 'f':
		if bytes.HasPrefix(js[i:], []byte("false")) {
			return AppendBool(dst, false), i + 5, nil
		}
	case c == 'n':
		if bytes.HasPrefix(js[i:], []byte("null")) {
			return AppendNull(dst), i + 4, nil
		}
	case c == '-' || isDigit(c):
		return p.number(dst, i)
	}
	return dst, i, jsonErr(i, "invalid character "+quoteByte(js[i])+" looking for a value")
}

// object translates the JSON object at js[i] into MAP_EXT.
func (p *jsonParser) object(dst []byte, i, depth int) ([]byte, int, error) {
	js := p.js
	if depth >= DefaultMaxDepth {
		e := jsonErr(i, "nesting deeper than "+strconv.Itoa(DefaultMaxDepth)+" levels")
		e.limit = true
		return dst, i, e
	}
	hdr := len(dst)
	dst = append(dst, TagMap, 0, 0, 0, 0)
	base := len(p.e.keys)
	n := 0
	i = skipSpace(js, i+1)
	if i < len(js) && js[i] == '}' {
		return dst, i + 1, nil
	}
	var err error
	for {
		if i >= len(js) || js[i] != '"' {
			if i >= len(js) {
				return dst, i, jsonErr(i, "unexpected end of input, want an object key")
			}
			return dst, i, jsonErr(i, "invalid character "+quoteByte(js[i])+" looking for an object key")
		}
		at, keyStart := i, len(dst)
		if dst, i, err = p.str(dst, i); err != nil {
			return dst, i, err
		}
		key := keySpan{off: keyStart + 5, n: len(dst) - keyStart - 5, at: at}
		if p.e.AtomKeys {
			if dst, key, err = binaryToAtom(dst, keyStart, key); err != nil {
				return dst, at, err
			}
		}
		p.e.keys = append(p.e.keys, key)
		i = skipSpace(js, i)
		if i >= len(js) || js[i] != ':' {
			return dst, i, p.unexpected(i, "after object key")
		}
		i = skipSpace(js, i+1)
		if dst, i, err = p.value(dst, i, depth+1); err != nil {
			return dst, i, err
		}
		n++
		var more bool
		if i, more, err = p.afterItem(i, '}', "after object value"); err != nil {
			return dst, i, err
		}
		if !more {
			break
		}
	}
	binary.BigEndian.PutUint32(dst[hdr+1:], uint32(n))
	if at, dup := duplicateKey(dst, p.e.keys[base:]); dup {
		return dst, at, jsonErr(at, "duplicate object key; Erlang rejects a map with two equal keys")
	}
	p.e.keys = p.e.keys[:base]
	return dst, i, nil
}

// binaryToAtom rewrites the BINARY_EXT that starts at dst[start] and ends
// the output, whose bytes (valid UTF-8) k locates, into an atom.
func binaryToAtom(dst []byte, start int, k keySpan) ([]byte, keySpan, error) {
	name := dst[k.off : k.off+k.n]
	if utf8.RuneCount(name) > 255 {
		return dst, k, jsonErr(k.at, "object key longer than 255 characters cannot be an atom")
	}
	hdr := 2
	if k.n > 255 {
		hdr = 3
		dst[start] = TagAtomUTF8
		binary.BigEndian.PutUint16(dst[start+1:], uint16(k.n))
	} else {
		dst[start], dst[start+1] = TagSmallAtomUTF8, byte(k.n)
	}
	copy(dst[start+hdr:], name)
	k.off = start + hdr
	return dst[:k.off+k.n], k, nil
}

// duplicateKey reports whether two of keys have the same bytes in out, and
// the input offset of one of them.
func duplicateKey(out []byte, keys []keySpan) (int, bool) {
	text := func(k keySpan) []byte { return out[k.off : k.off+k.n] }
	if len(keys) <= 16 {
		for j := 1; j < len(keys); j++ {
			for k := 0; k < j; k++ {
				if keys[j].n == keys[k].n && bytes.Equal(text(keys[j]), text(keys[k])) {
					return keys[j].at, true
				}
			}
		}
		return 0, false
	}
	slices.SortFunc(keys, func(a, b keySpan) int { return bytes.Compare(text(a), text(b)) })
	for j := 1; j < len(keys); j++ {
		if bytes.Equal(text(keys[j]), text(keys[j-1])) {
			return max(keys[j].at, keys[j-1].at), true
		}
	}
	return 0, false
}

// array translates the JSON array at js[i] into LIST_EXT, or NIL_EXT when
// it is empty.
func (p *jsonParser) array(dst []byte, i, depth int) ([]byte, int, error) {
	js := p.js
	if depth >= DefaultMaxDepth {
		e := jsonErr(i, "nesting deeper than "+strconv.Itoa(DefaultMaxDepth)+" levels")
		e.limit = true
		return dst, i, e
	}
	hdr := len(dst)
	i = skipSpace(js, i+1)
	if i < len(js) && js[i] == ']' {
		return AppendEmptyList(dst), i + 1, nil
	}
	dst = append(dst, TagList, 0, 0, 0, 0)
	n := 0
	var err error
	for {
		if dst, i, err = p.value(dst, i, depth+1); err != nil {
			return dst, i, err
		}
		n++
		var more bool
		if i, more, err = p.afterItem(i, ']', "after array element"); err != nil {
			return dst, i, err
		}
		if !more {
			break
		}
	}
	binary.BigEndian.PutUint32(dst[hdr+1:], uint32(n))
	return AppendEmptyList(dst), i, nil
}

// unexpected is the error for js[i] (or the end) where a separator belongs.
// afterItem reads what follows an object member or an array element: a
// comma, after which more items come (more is true and next is at the next
// item), or the closing bracket (more is false and next is after it).
// Anything else is an error, placed by where.
func (p *jsonParser) afterItem(i int, closing byte, where string) (next int, more bool, err error) {
	js := p.js
	i = skipSpace(js, i)
	switch {
	case i < len(js) && js[i] == ',':
		return skipSpace(js, i+1), true, nil
	case i < len(js) && js[i] == closing:
		return i + 1, false, nil
	}
	return i, false, p.unexpected(i, where)
}

func (p *jsonParser) unexpected(i int, where string) error {
	if i >= len(p.js) {
		return jsonErr(i, "unexpected end of input "+where)
	}
	return jsonErr(i, "invalid character "+quoteByte(p.js[i])+" "+where)
}

// plainString[c] is true for the bytes a JSON string holds as they are and
// that need no UTF-8 check.
var plainString = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str translates the JSON string at js[i] into BINARY_EXT.
func (p *jsonParser) str(dst []byte, i int) ([]byte, int, error) {
	js := p.js
	open := i
	hdr := len(dst)
	dst = append(dst, TagBinary, 0, 0, 0, 0)
	i++
	start := i
	for {
		for i < len(js) && plainString[js[i]] {
			i++
		}
		if i >= len(js) {
			return dst, open, jsonErr(open, "string is not terminated")
		}
		switch c := js[i]; {
		case c == '"':
			dst = append(dst, js[start:i]...)
			n := len(dst) - hdr - 5
			if uint64(n) > math.MaxUint32 {
				return dst, open, jsonErr(open, "string longer than 4 GiB")
			}
			binary.BigEndian.PutUint32(dst[hdr+1:], uint32(n))
			return dst, i + 1, nil
		case c == '\\':
			dst = append(dst, js[start:i]...)
			var err error
			if dst, i, err = p.escape(dst, i); err != nil {
				return dst, i, err
			}
			start = i
		case c < 0x20:
			return dst, i, jsonErr(i, "control character "+quoteByte(c)+" in string")
		default:
			r, size := utf8.DecodeRune(js[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, js[start:i]...)
				dst = append(dst, "\ufffd"...)
				i++
				start = i
				continue
			}
			i += size
		}
	}
}

// escape appends the character of the escape sequence at js[i] (a
// backslash) and returns the offset after it.
func (p *jsonParser) escape(dst []byte, i int) ([]byte, int, error) {
	js := p.js
	if i+1 >= len(js) {
		return dst, i, jsonErr(i, "string is not terminated")
	}
	switch c := js[i+1]; c {
	case '"', '\\', '/':
		return append(dst, c), i + 2, nil
	case 'b':
		return append(dst, '\b'), i + 2, nil
	case 'f':
		return append(dst, '\f'), i + 2, nil
	case 'n':
		return append(dst, '\n'), i + 2, nil
	case 'r':
		return append(dst, '\r'), i + 2, nil
	case 't':
		return append(dst, '\t'), i + 2, nil
	case 'u':
		r, ok := hex4(js, i+2)
		if !ok {
			return dst, i, jsonErr(i, "invalid \\u escape")
		}
		i += 6
		if utf16.IsSurrogate(r) {
			// A high surrogate followed by a low one is one character;
			// anything else is U+FFFD, as in encoding/json.
			if i+1 < len(js) && js[i] == '\\' && js[i+1] == 'u' {
				if r2, ok := hex4(js, i+2); ok {
					if c := utf16.DecodeRune(r, r2); c != utf8.RuneError {
						return utf8.AppendRune(dst, c), i + 6, nil
					}
				}
			}
			r = utf8.RuneError
		}
		return utf8.AppendRune(dst, r), i, nil
	}
	return dst, i, jsonErr(i, "invalid escape "+quoteByte(js[i+1])+" in string")
}

// snowflake reads the JSON string at js[i] (its opening quote) as a
// snowflake: 16 to 20 plain digits, no leading zero, with a value above
// MaxSafeInteger that fits in a uint64.
func snowflake(js []byte, i int) (uint64, int, bool) {
	j := i + 1
	for j < len(js) && isDigit(js[j]) {
		j++
	}
	n := j - i - 1
	if j >= len(js) || js[j] != '"' || n < 16 || n > 20 || js[i+1] == '0' {
		return 0, i, false
	}
	digits := js[i+1 : j]
	if n == 20 && string(digits) > "18446744073709551615" {
		return 0, i, false // beyond uint64
	}
	var u uint64
	for _, c := range digits {
		u = u*10 + uint64(c-'0')
	}
	if u <= MaxSafeInteger {
		return 0, i, false
	}
	return u, j + 1, true
}

// hex4 reads the four hex digits at js[i].
func hex4(js []byte, i int) (rune, bool) {
	if len(js)-i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range js[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// maxIntegerDigits bounds the decimal digits of a JSON integer so that its
// magnitude fits in DefaultMaxBigBytes bytes (log10(256) < 2.41).
const maxIntegerDigits = DefaultMaxBigBytes * 241 / 100

// number translates the JSON number at js[i].
func (p *jsonParser) number(dst []byte, i int) ([]byte, int, error) {
	js := p.js
	start := i
	neg := js[i] == '-'
	if neg {
		i++
	}
	digits := i
	switch {
	case i < len(js) && js[i] == '0':
		i++
	case i < len(js) && js[i] >= '1' && js[i] <= '9':
		for i < len(js) && isDigit(js[i]) {
			i++
		}
	default:
		return dst, start, jsonErr(start, "invalid number: no digits")
	}
	intEnd := i
	isFloat := false
	if i < len(js) && js[i] == '.' {
		i++
		if i >= len(js) || !isDigit(js[i]) {
			return dst, start, jsonErr(i, "invalid number: no digits after the decimal point")
		}
		for i < len(js) && isDigit(js[i]) {
			i++
		}
		isFloat = true
	}
	if i < len(js) && (js[i] == 'e' || js[i] == 'E') {
		i++
		if i < len(js) && (js[i] == '+' || js[i] == '-') {
			i++
		}
		if i >= len(js) || !isDigit(js[i]) {
			return dst, start, jsonErr(i, "invalid number: no digits in the exponent")
		}
		for i < len(js) && isDigit(js[i]) {
			i++
		}
		isFloat = true
	}
	if isFloat {
		f, err := strconv.ParseFloat(string(js[start:i]), 64)
		if err != nil || math.IsInf(f, 0) {
			return dst, start, jsonErr(start, "number is beyond the float64 range")
		}
		return AppendFloat(dst, f), i, nil
	}
	ds := js[digits:intEnd]
	if len(ds) <= 19 { // 10^19-1 < 2^64
		var u uint64
		for _, c := range ds {
			u = u*10 + uint64(c-'0')
		}
		if !neg {
			return AppendUint(dst, u), i, nil
		}
		if u <= 1<<31 {
			return AppendInt(dst, -int64(u)), i, nil
		}
		return appendSmallBig(dst, u, true), i, nil
	}
	if len(ds) > maxIntegerDigits {
		e := jsonErr(start, "integer of "+strconv.Itoa(len(ds))+" digits is over the limit of "+strconv.Itoa(maxIntegerDigits))
		e.limit = true
		return dst, start, e
	}
	x, _ := new(big.Int).SetString(string(ds), 10) // ds is digits only
	be := x.Bytes()
	if len(be) <= 255 {
		dst = append(dst, TagSmallBig, byte(len(be)))
	} else {
		dst = binary.BigEndian.AppendUint32(append(dst, TagLargeBig), uint32(len(be)))
	}
	if neg {
		dst = append(dst, 1)
	} else {
		dst = append(dst, 0)
	}
	for j := len(be) - 1; j >= 0; j-- {
		dst = append(dst, be[j])
	}
	return dst, i, nil
}
