package encoding

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// JSONReader walks one JSON value token by token, for decoders of typed data
// (package discord generates its decoders on top of it). It is the scanner
// the envelope decoder and Lookup use, so it accepts exactly what they
// accept, and it builds nothing: strings come back as the raw bytes between
// their quotes, numbers as their text, and a value a decoder does not want
// is skipped (and validated) in one call.
//
// Errors stick: after the first one every method returns a zero value
// (ObjectStart, NextKey, ArrayStart and NextElement return false, so loops
// end) and Err reports it. A decoder calls Err once at the end.
//
// The zero JSONReader reads nothing; make one with NewJSONReader. It is a
// small value meant to live on the caller's stack.
type JSONReader struct {
	b     []byte
	i     int
	depth int
	err   error
	// first is set after ObjectStart or ArrayStart, until the first key or
	// element has been read (no comma expected before it).
	first bool
}

// NewJSONReader returns a reader over one JSON value in b (whitespace around
// it allowed; call End to check that nothing follows).
func NewJSONReader(b []byte) JSONReader { return JSONReader{b: b} }

// Err returns the first error the reader met: a *SyntaxError (matching
// ErrMalformed) for input that is not JSON or not of the kind asked for.
func (r *JSONReader) Err() error { return r.err }

// Offset returns how far the reader has read into its input.
func (r *JSONReader) Offset() int { return r.i }

// Fail records err (if no error was recorded yet) and stops the reader. A
// decoder uses it for values that are valid JSON but not what it needs.
func (r *JSONReader) Fail(msg string) {
	if r.err == nil {
		r.err = jsonErr(r.i, msg)
	}
	r.i = len(r.b)
}

func (r *JSONReader) fail(err *SyntaxError) {
	if r.err == nil {
		r.err = err
	}
	r.i = len(r.b)
}

// Kind returns the first byte of the next value after whitespace: '{', '[',
// '"', 't', 'f', 'n', or '0' for any number. It returns 0 at the end of the
// input or after an error.
func (r *JSONReader) Kind() byte {
	// After an error r.i is len(r.b), so the slow path reports it.
	if r.i < len(r.b) {
		if k := valueKinds[r.b[r.i]]; k != 0 {
			return k
		}
	}
	return r.kindSlow()
}

// valueKinds maps the first byte of a value to what Kind returns for it;
// 0 for whitespace and for bytes no value starts with.
var valueKinds = [256]byte{
	'{': '{', '[': '[', '"': '"', 't': 't', 'f': 'f', 'n': 'n',
	'-': '0', '0': '0', '1': '0', '2': '0', '3': '0', '4': '0', '5': '0', '6': '0', '7': '0', '8': '0', '9': '0',
}

// notNull is true for the first bytes of values other than null.
var notNull = [256]bool{
	'{': true, '[': true, '"': true, 't': true, 'f': true,
	'-': true, '0': true, '1': true, '2': true, '3': true, '4': true, '5': true, '6': true, '7': true, '8': true, '9': true,
}

func (r *JSONReader) kindSlow() byte {
	if r.err != nil {
		return 0
	}
	r.i = skipSpace(r.b, r.i)
	if r.i >= len(r.b) {
		return 0
	}
	c := r.b[r.i]
	if c == '-' || isDigit(c) {
		return '0'
	}
	return c
}

// Null consumes a null and reports true when the next value is null;
// otherwise it consumes nothing and reports false. A value that starts
// right where the reader stands and is not null is answered in line.
func (r *JSONReader) Null() bool {
	if r.i < len(r.b) && notNull[r.b[r.i]] {
		return false
	}
	return r.nullSlow()
}

func (r *JSONReader) nullSlow() bool {
	// null right where the reader stands, compared as a word.
	if i := r.i; i >= 0 && i+4 <= len(r.b) && binary.LittleEndian.Uint32(r.b[i:i+4]) == wordNull {
		r.i = i + 4
		return true
	}
	if r.Kind() != 'n' {
		return false
	}
	i, err := skipLiteral(r.b, r.i, "null")
	if err != nil {
		r.fail(err)
		return false
	}
	r.i = i
	return true
}

// ObjectStart consumes the '{' of an object. For null it consumes the null
// and returns false; for anything else it fails.
func (r *JSONReader) ObjectStart() bool {
	// In line when the object starts right where the reader stands.
	return r.startQuick('{') || r.open('{', "object")
}

// ObjectStartQuick is the half of ObjectStart small enough to be inlined:
// when the object starts right where the reader stands it consumes the
// '{' and returns true; otherwise it consumes nothing and returns false,
// and the caller goes on with ObjectStart (which also reads null).
func (r *JSONReader) ObjectStartQuick() bool { return r.startQuick('{') }

// startQuick consumes c ('{' or '[') and enters the object or array when
// it stands right where the reader is, within the depth limit; otherwise
// it consumes nothing and returns false.
func (r *JSONReader) startQuick(c byte) bool {
	if i := r.i; uint(i) < uint(len(r.b)) && r.b[i] == c && r.depth < maxDepth {
		r.depth++
		r.i = i + 1
		r.first = true
		return true
	}
	return false
}

// ObjectEndQuick consumes the '}' of the object being read and returns
// true when it stands right where the reader is. Otherwise (a key,
// whitespace, an error) it consumes nothing and returns false, and the
// caller goes on with NextKey, which reads the next key or ends the
// object.
func (r *JSONReader) ObjectEndQuick() bool {
	if i := r.i; uint(i) < uint(len(r.b)) && r.b[i] == '}' {
		r.i = i + 1
		r.depth--
		r.first = false
		return true
	}
	return false
}

// ArrayStartQuick is ObjectStartQuick for an array's '['; the caller goes
// on with ArrayStart when it returns false.
func (r *JSONReader) ArrayStartQuick() bool { return r.startQuick('[') }

// open consumes the bracket that opens an object or array (c, the next
// value's Kind, named what in errors), one level deeper but no deeper than
// maxDepth. For null it consumes the null and returns false; for anything
// else it fails.
func (r *JSONReader) open(c byte, what string) bool {
	switch r.Kind() {
	case c:
		r.depth++
		if r.depth > maxDepth {
			r.fail(jsonErr(r.i, "exceeded max depth"))
			return false
		}
		r.i++
		r.first = true
		return true
	case 'n':
		r.Null()
		return false
	}
	r.failExpect(what)
	return false
}

// NextKey reads the next key of the object being read and the colon after
// it, and returns the key's raw contents (escapes not decoded; escaped tells
// whether it has any). It returns false, having consumed the '}', when the
// object has no more keys. Every key must be followed by a call that reads
// or skips its value.
func (r *JSONReader) NextKey() (key []byte, escaped, ok bool) {
	if r.err != nil {
		return nil, false, false
	}
	i := skipSpace(r.b, r.i)
	if i < len(r.b) && r.b[i] == '}' {
		r.i = i + 1
		r.depth--
		r.first = false
		return nil, false, false
	}
	if !r.first {
		if i >= len(r.b) || r.b[i] != ',' {
			r.fail(errAt(r.b, i, "after object key:value pair"))
			return nil, false, false
		}
		i = skipSpace(r.b, i+1)
	}
	r.first = false
	// Fast path, in line: a key without escapes, a colon right after it.
	// The loop is skipString's, eight bytes at a time; anything else
	// (an escape, a control byte, space before the colon, the end of the
	// input) goes to skipKey, which also reports errors.
	if i < len(r.b) && r.b[i] == '"' {
		j := i + 1
		for len(r.b)-j >= 8 {
			if m := specialBytes(binary.LittleEndian.Uint64(r.b[j:])); m != 0 {
				j += bits.TrailingZeros64(m) >> 3
				break
			}
			j += 8
		}
		if j+1 < len(r.b) && r.b[j] == '"' && r.b[j+1] == ':' {
			next := j + 2
			if next < len(r.b) && isSpace(r.b[next]) {
				next = skipSpace(r.b, next)
			}
			r.i = next
			return r.b[i+1 : j : j], false, true
		}
	}
	key, escaped, next, err := skipKey(r.b, i)
	if err != nil {
		r.fail(err)
		return nil, false, false
	}
	r.i = next
	return key, escaped, true
}

// JSONKey is an object key in the form NextKeyIs compares the input with.
// Make one with NewJSONKey; the zero JSONKey matches nothing.
type JSONKey struct {
	// quoted is the comma before the key, the key as JSON writes it
	// and its colon: ,"id":
	quoted string
	// head is quoted's first eight bytes (fewer when it is shorter,
	// zero-padded) as a little-endian word, mask what of the word they
	// fill: one comparison rejects most wrong guesses. tail and
	// tailMask are the same for the next eight bytes, so that keys of
	// up to twelve characters are compared in two words.
	head, mask, tail, tailMask uint64
	// firstHead and firstMask are head and mask without the comma's
	// byte, for an object's first key (compared from the '{' before it).
	firstHead, firstMask uint64
	// third and thirdMask are the same for quoted's bytes 16 to 23, so
	// that NextKeyIs compares keys of up to twenty characters in words.
	third, thirdMask uint64
	// quickTailMask and quickTailInv are what NextKeyIsQuick and
	// FirstKeyIsQuick compare the second word with: tailMask and the
	// complement of tail for keys of up to sixteen bytes, and for longer
	// keys and the zero JSONKey zero and zero, which nothing matches
	// (any word masked with 0 is 0, not ^0), so that they need no check
	// of the key's length.
	quickTailMask, quickTailInv uint64
}

// NewJSONKey returns the key name, written as AppendQuoted writes it.
func NewJSONKey(name string) JSONKey {
	q := append(AppendQuoted([]byte{','}, name), ':')
	k := JSONKey{quoted: string(q)}
	k.head, k.mask = keyWord(q)
	k.firstHead, k.firstMask = k.head&^0xFF, k.mask&^0xFF
	if len(q) > 8 {
		k.tail, k.tailMask = keyWord(q[8:])
	}
	if len(q) > 16 {
		k.third, k.thirdMask = keyWord(q[16:])
	} else {
		k.quickTailMask, k.quickTailInv = k.tailMask, ^k.tail
	}
	return k
}

// keyWord returns the first eight bytes of q (zero-padded) as a
// little-endian word and the mask of the bytes q fills.
func keyWord(q []byte) (word, mask uint64) {
	var b [8]byte
	n := copy(b[:], q)
	mask = ^uint64(0)
	if n < 8 {
		mask = 1<<(8*n) - 1
	}
	return binary.LittleEndian.Uint64(b[:]), mask
}

// NextKeyIs is a fast path of NextKey for a decoder that can guess the
// next key: when the input where the reader stands is the comma before
// the key (none before an object's first key) followed by exactly the
// key as k writes it and its colon, with no whitespace in between, it
// consumes them and returns true. Otherwise it consumes nothing and
// returns false, and the caller reads the key with NextKey (which also
// ends the object). What it consumes is always a valid key, since
// AppendQuoted wrote it; whitespace after the colon is left to the
// value's reader.
func (r *JSONReader) NextKeyIs(k *JSONKey) bool {
	i := r.i
	if r.first {
		// An object's first key has no comma before it: compare the
		// words from the byte before the key ('{' or a space) with
		// that byte masked out.
		if n := len(k.quoted) - 1; n > 0 && n < 16 && i >= 1 && len(r.b)-i >= 15 {
			if binary.LittleEndian.Uint64(r.b[i-1:])&k.firstMask != k.firstHead ||
				binary.LittleEndian.Uint64(r.b[i+7:])&k.tailMask != k.tail {
				return false
			}
			r.i = i + n
			r.first = false
			return true
		}
		return r.nextKeyIsSlow(k)
	}
	if len(r.b)-i < 8 {
		return r.nextKeyIsSlow(k)
	}
	if binary.LittleEndian.Uint64(r.b[i:])&k.mask != k.head || k.quoted == "" {
		return false
	}
	n := len(k.quoted)
	switch {
	case n <= 8:
	case n <= 16 && len(r.b)-i >= 16:
		if binary.LittleEndian.Uint64(r.b[i+8:])&k.tailMask != k.tail {
			return false
		}
	case n <= 24 && len(r.b)-i >= 24:
		// (tailMask is all ones here.)
		if binary.LittleEndian.Uint64(r.b[i+8:i+16]) != k.tail ||
			binary.LittleEndian.Uint64(r.b[i+16:i+24])&k.thirdMask != k.third {
			return false
		}
	case len(r.b)-i < n || string(r.b[i+8:i+n]) != k.quoted[8:]:
		return false
	}
	r.i = i + n
	return true
}

// NextKeyIsQuick is the half of NextKeyIs small enough to be inlined into
// a generated decoder: when it returns true it has done what NextKeyIs
// does on a match. When it returns false the reader is unchanged and
// nothing is known: the key may still match where NextKeyIs takes its
// slower path (an object's first key, keys longer than twelve characters,
// the last sixteen bytes of the input), so the caller goes on with
// NextKeyIs (k).
func (r *JSONReader) NextKeyIsQuick(k *JSONKey) bool {
	// Keys of up to twelve characters (sixteen bytes with the comma,
	// quotes and colon; shorter keys have a zero tail and tailMask)
	// compared in two words while sixteen bytes are left. The zero
	// JSONKey (quoted "") never matches here.
	i := r.i
	if r.first || uint(i)+16 > uint(len(r.b)) {
		return false
	}
	w := r.b[i : i+16 : i+16] // one bounds check for both words
	if binary.LittleEndian.Uint64(w[:8])&k.mask != k.head ||
		binary.LittleEndian.Uint64(w[8:])&k.quickTailMask != ^k.quickTailInv {
		return false
	}
	r.i = i + len(k.quoted)
	return true
}

// FirstKeyIsQuick is NextKeyIsQuick for an object's first key (right
// after ObjectStart, where no comma comes before it): when it returns
// true it has done what NextKeyIs does on a match; when it returns false
// the reader is unchanged, and the caller goes on with NextKeyIs(k).
func (r *JSONReader) FirstKeyIsQuick(k *JSONKey) bool {
	// The key's words compared from the byte before it ('{', where
	// the comma would be) with that byte masked out, as NextKeyIs does.
	// (r.first is only set past a bracket, so i >= 0.)
	i := r.i - 1
	if !r.first || uint(i)+16 > uint(len(r.b)) {
		return false
	}
	w := r.b[i : i+16 : i+16] // one bounds check for both words
	if binary.LittleEndian.Uint64(w[:8])&k.firstMask != k.firstHead ||
		binary.LittleEndian.Uint64(w[8:])&k.quickTailMask != ^k.quickTailInv {
		return false
	}
	r.i = i + len(k.quoted)
	r.first = false
	return true
}

// nextKeyIsSlow is NextKeyIs for an object's first key, for keys longer
// than twelve characters and near the end of the input: the whole key
// compared as a string.
func (r *JSONReader) nextKeyIsSlow(k *JSONKey) bool {
	q := k.quoted
	if q == "" {
		return false
	}
	if r.first {
		q = q[1:] // no comma before the first key
	}
	if len(r.b)-r.i < len(q) || string(r.b[r.i:r.i+len(q)]) != q {
		return false
	}
	r.i += len(q)
	r.first = false
	return true
}

// ArrayStart consumes the '[' of an array. For null it consumes the null
// and returns false; for anything else it fails.
func (r *JSONReader) ArrayStart() bool {
	// In line when the array starts right where the reader stands.
	return r.startQuick('[') || r.open('[', "array")
}

// NextElement reports whether the array being read has another element
// (and consumes the comma before it); at the end it consumes the ']' and
// returns false. Every true must be followed by a call that reads or skips
// the element.
func (r *JSONReader) NextElement() bool {
	if r.err != nil {
		return false
	}
	i := skipSpace(r.b, r.i)
	if i < len(r.b) && r.b[i] == ']' {
		r.i = i + 1
		r.depth--
		r.first = false
		return false
	}
	if !r.first {
		if i >= len(r.b) || r.b[i] != ',' {
			r.fail(errAt(r.b, i, "after array element"))
			return false
		}
		i = skipSpace(r.b, i+1)
	}
	r.first = false
	r.i = i
	return true
}

// Skip validates and skips the next value, returning its raw text.
func (r *JSONReader) Skip() []byte {
	if r.err != nil {
		return nil
	}
	start := skipSpace(r.b, r.i)
	end, err := skipValue(r.b, start, r.depth)
	if err != nil {
		r.fail(err)
		return nil
	}
	r.i = end
	return r.b[start:end:end]
}

// String reads a string and returns its raw contents between the quotes
// and whether they need decoding (see AppendUnquoted) to be the string's
// value: true when they hold an escape or bytes that are not valid UTF-8.
// For anything but a string it fails.
func (r *JSONReader) String() (raw []byte, needsDecoding bool) {
	raw, escaped, valid := r.StringChecked()
	return raw, escaped || !valid
}

// StringChecked reads a string as String does, but tells apart the two
// reasons its raw contents may need decoding: escaped is true when they
// hold a backslash escape, and valid when they are valid UTF-8 (checked
// whether escaped or not). The escapes themselves are not checked for
// what they decode to: a \u escape of a lone surrogate is valid here, and
// AppendUnquoted turns it into U+FFFD. For anything but a string it fails
// (and valid is false).
func (r *JSONReader) StringChecked() (raw []byte, escaped, valid bool) {
	// The scanner leaves the reader on the value after a key's colon or
	// an array's comma: look for the quote there before skipping space.
	if (r.i >= len(r.b) || r.b[r.i] != '"') && r.Kind() != '"' {
		r.failExpect("string")
		return nil, false, false
	}
	// b is r.b in a register for the loop (through r, each round would
	// load it again), and each word is b[j:j+8], a slice whose length
	// is known, so not masked.
	b := r.b
	start := r.i + 1
	// Fast path, in line: eight bytes at a time to the first byte that
	// is not plain ASCII content. When that is the closing quote, the
	// string is ASCII without escapes: no UTF-8 check needed.
	j := start
	for j+8 <= len(b) {
		w := binary.LittleEndian.Uint64(b[j : j+8])
		if m := nonASCIIOrSpecial(w); m != 0 {
			j += bits.TrailingZeros64(m) >> 3
			if b[j] == '"' {
				r.i = j + 1
				return b[start:j:j], false, true
			}
			break
		}
		j += 8
	}
	// An escape, a byte outside ASCII, a control byte, or the input's
	// last few bytes: the scanner reads the rest, and the UTF-8 check
	// starts there (the bytes before j are ASCII).
	end, escaped, err := skipString(b, j)
	if err != nil {
		r.fail(err)
		return nil, false, false
	}
	r.i = end
	raw = b[start : end-1 : end-1]
	return raw, escaped, validUTF8(b[j : end-1])
}

// nonASCIIOrSpecial is specialBytes with the bytes outside ASCII flagged
// too: the lowest flagged byte of v (little-endian) is the first that is
// '"', '\\', a control byte or >= 0x80 (bytes above it may be flagged
// wrongly, as in specialBytes).
func nonASCIIOrSpecial(v uint64) uint64 {
	q, s := v^(ones*'"'), v^(ones*'\\')
	return ((q - ones) | (s - ones) | (v - ones*0x20) | v) & highs
}

// validUTF8 reports whether b is valid UTF-8, as utf8.Valid does, but
// goes back to reading eight bytes at a time after each character outside
// ASCII instead of going on byte by byte: the strings of a gateway event
// are ASCII with the odd accent or emoji.
func validUTF8(b []byte) bool {
	for {
		for len(b) >= 8 {
			if w := binary.LittleEndian.Uint64(b) & highs; w != 0 {
				b = b[bits.TrailingZeros64(w)>>3:]
				goto wide
			}
			b = b[8:]
		}
		for len(b) > 0 && b[0] < utf8.RuneSelf {
			b = b[1:]
		}
		if len(b) == 0 {
			return true
		}
	wide:
		// b[0] is outside ASCII. The two- and three-byte characters of
		// text (accents, punctuation, most symbols) and the four-byte
		// ones of F0 to F3 (emoji) are checked in line; the rest (E0,
		// ED and F4, whose second byte has a narrower range, and bad
		// bytes) by utf8.DecodeRune.
		if c := b[0]; c >= 0xC2 && c < 0xE0 {
			if len(b) >= 2 && b[1]&0xC0 == 0x80 {
				b = b[2:]
				continue
			}
		} else if c >= 0xE1 && c <= 0xEF && c != 0xED && len(b) >= 3 && b[1]&0xC0 == 0x80 && b[2]&0xC0 == 0x80 {
			b = b[3:]
			continue
		} else if c >= 0xF0 && c <= 0xF3 && len(b) >= 4 && b[1]&0xC0 == 0x80 && b[2]&0xC0 == 0x80 && b[3]&0xC0 == 0x80 &&
			(c != 0xF0 || b[1] >= 0x90) {
			// Four bytes (emoji): F0 needs a second byte of 90 or
			// more (less is an overlong form); F4, whose second byte
			// must stay under 90, is left to DecodeRune.
			b = b[4:]
			continue
		}
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			return false
		}
		b = b[n:]
	}
}

// QuotedUint64 reads, when the next value starts right where the reader
// stands, a string of 1 to 20 decimal digits with no leading zero whose
// value fits in a uint64 (an ID as Discord writes them,
// "1091403920930152448"), and returns that value. For anything else,
// including whitespace before the value, it consumes nothing and returns
// false, so that the caller reads the value another way (String, Number,
// Null): it is a fast path, never an error.
func (r *JSONReader) QuotedUint64() (uint64, bool) {
	b, i := r.b, r.i
	if i >= len(b) || b[i] != '"' {
		return 0, false
	}
	start := i + 1
	// Today's IDs, 17 to 19 digits, when 24 bytes are left: two words
	// of digits checked together, then the digits of the third.
	if len(b)-start >= 24 {
		x1 := binary.LittleEndian.Uint64(b[start:start+8]) ^ 0x3030303030303030
		x2 := binary.LittleEndian.Uint64(b[start+8:start+16]) ^ 0x3030303030303030
		w3 := binary.LittleEndian.Uint64(b[start+16 : start+24])
		// A byte is a digit when, '0' taken away, neither it nor it
		// plus 6 reaches its high nibble (a digit's plus 6 carries
		// nothing, so the sixteen bytes are digits exactly when this
		// is zero).
		if (x1|x2|(x1+0x0606060606060606)|(x2+0x0606060606060606))&0xF0F0F0F0F0F0F0F0 == 0 && b[start] != '0' {
			n := bits.TrailingZeros64(nonDigits(w3)) >> 3
			if n <= 3 && b[start+16+n] == '"' {
				v := eightDigitsValue(x1)*100_000_000 + eightDigitsValue(x2)
				r.i = start + 16 + n + 1
				return v*pow10Uint64[n] + leadingDigitsValue(w3, n), true
			}
		}
	}
	// Any other length: the digits eight at a time, each word's run of
	// digits measured at once (nonDigits) and its value taken in one
	// multiply-and-shift, with no loop over the last digits.
	w := loadWord(b, start)
	n := bits.TrailingZeros64(nonDigits(w)) >> 3
	if n < 8 {
		if n == 0 || n > 1 && b[start] == '0' {
			return 0, false
		}
		return r.quotedUint64End(start+n, leadingDigitsValue(w, n))
	}
	if b[start] == '0' {
		return 0, false
	}
	v := eightDigitsValue(w)
	w = loadWord(b, start+8)
	if n = bits.TrailingZeros64(nonDigits(w)) >> 3; n < 8 {
		return r.quotedUint64End(start+8+n, v*pow10Uint64[n]+leadingDigitsValue(w, n))
	}
	v = v*100_000_000 + eightDigitsValue(w)
	w = loadWord(b, start+16)
	n = bits.TrailingZeros64(nonDigits(w)) >> 3
	if n > 4 {
		return 0, false // more than 20 digits
	}
	// v < 10^16: up to three more digits cannot overflow, a fourth may.
	hi, lo := bits.Mul64(v, pow10Uint64[n])
	lo, carry := bits.Add64(lo, leadingDigitsValue(w, n), 0)
	if hi|carry != 0 {
		return 0, false
	}
	return r.quotedUint64End(start+16+n, lo)
}

// quotedUint64End ends QuotedUint64 at b[j], the byte after the digits:
// the value is read when it is the closing quote.
func (r *JSONReader) quotedUint64End(j int, v uint64) (uint64, bool) {
	if j >= len(r.b) || r.b[j] != '"' {
		return 0, false
	}
	r.i = j + 1
	return v, true
}

// loadWord returns b[k:k+8] as a little-endian word, with zero bytes in
// place of those past the end of b (k <= len(b)). It calls nothing, so
// that the fast paths using it keep their values in registers.
func loadWord(b []byte, k int) uint64 {
	// (The slices have a length of 8: a slice that may be empty costs
	// instructions to keep its pointer inside b.)
	if len(b)-k >= 8 {
		return binary.LittleEndian.Uint64(b[k : k+8])
	}
	if n := len(b); n >= 8 {
		// The last eight bytes, shifted down to start at b[k].
		return binary.LittleEndian.Uint64(b[n-8:n]) >> (8 * uint(8-(n-k)))
	}
	var w uint64
	for j := len(b) - 1; j >= k; j-- {
		w = w<<8 | uint64(b[j])
	}
	return w
}

// nonDigits sets the high nibble of every byte of w (little-endian) that
// is not an ASCII digit, and perhaps of bytes after one, never of a digit
// before the first: a byte is a digit when, '0' taken away, neither it
// nor it plus 6 reaches its high nibble (a carry out of a byte that is not
// a digit only reaches the bytes after it).
func nonDigits(w uint64) uint64 {
	x := w ^ 0x3030303030303030
	return (x | (x + 0x0606060606060606)) & 0xF0F0F0F0F0F0F0F0
}

// leadingDigitsValue returns the value of the first n (0 to 7) bytes of
// w, ASCII digits: shifted to the top of the word, they are eight digits
// with leading zero bytes, which count as zeros.
func leadingDigitsValue(w uint64, n int) uint64 {
	// For n = 0 the shift is 64, which leaves 0.
	return eightDigitsValue(w << (64 - 8*uint(n)))
}

// pow10Uint64 holds 10^n for n from 0 to 8.
var pow10Uint64 = [9]uint64{1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000}

// eightDigitsValue returns the value of the eight ASCII digits in w, the
// first in its lowest byte, by combining neighbours pairwise: digits into
// two-digit numbers, those into four-digit ones, those into the result.
func eightDigitsValue(w uint64) uint64 {
	w &= 0x0F0F0F0F0F0F0F0F
	w = (w * (10<<8 + 1)) >> 8 & 0x00FF00FF00FF00FF
	w = (w * (100<<16 + 1)) >> 16 & 0x0000FFFF0000FFFF
	return (w * (10000<<32 + 1)) >> 32
}

// SmallUint reads, when the next value starts right where the reader
// stands, a number of 1 to 19 digits with no sign, fraction, exponent or
// leading zero (flags, counts, types), and returns its value. For anything
// else it consumes nothing and returns false, so that the caller reads the
// value another way (Number, Null): it is a fast path, never an error.
func (r *JSONReader) SmallUint() (uint64, bool) {
	// One digit, the most common (0, a type, a small count), in line.
	if i := r.i; i >= 0 && i+1 < len(r.b) {
		if c := r.b[i] - '0'; c <= 9 && !numberTail[r.b[i+1]] {
			r.i = i + 1
			return uint64(c), true
		}
	}
	return r.smallUintSlow()
}

// smallUintSlow is SmallUint for numbers of more than one digit.
func (r *JSONReader) smallUintSlow() (uint64, bool) {
	b, i := r.b, r.i
	j := i
	var v uint64
	for end := min(len(b), i+19); j < end; j++ {
		c := b[j] - '0'
		if c > 9 {
			break
		}
		v = v*10 + uint64(c)
	}
	n := j - i
	if n == 0 || n > 1 && b[i] == '0' {
		return 0, false
	}
	// The number must end here: at the end of the input or before a
	// byte that cannot continue a number.
	if j < len(b) && numberTail[b[j]] {
		return 0, false
	}
	r.i = j
	return v, true
}

// numberTail is true for the bytes that may follow the leading digits of a
// number as part of it.
var numberTail = [256]bool{
	'0': true, '1': true, '2': true, '3': true, '4': true, '5': true, '6': true, '7': true, '8': true, '9': true,
	'.': true, 'e': true, 'E': true,
}

// Number reads a number and returns its text. integer reports whether it
// has neither a fraction nor an exponent. For anything but a number it
// fails.
func (r *JSONReader) Number() (text []byte, integer bool) {
	if r.Kind() != '0' {
		r.failExpect("number")
		return nil, false
	}
	start := r.i
	end, integer, err := skipNumber(r.b, start)
	if err != nil {
		r.fail(err)
		return nil, false
	}
	r.i = end
	return r.b[start:end:end], integer
}

// Bool reads true or false. For anything else it fails.
func (r *JSONReader) Bool() bool {
	// The common case, in line: the literal starts where the reader
	// stands (five bytes sliced once, the first four compared as a
	// word).
	if i := r.i; uint(i)+5 <= uint(len(r.b)) {
		lit := r.b[i : i+5 : i+5]
		switch binary.LittleEndian.Uint32(lit[:4]) {
		case wordTrue:
			r.i = i + 4
			return true
		case wordFals:
			if lit[4] == 'e' {
				r.i = i + 5
				return false
			}
		}
	}
	return r.boolSlow()
}

func (r *JSONReader) boolSlow() bool {
	var lit string
	switch r.Kind() {
	case 't':
		lit = "true"
	case 'f':
		lit = "false"
	default:
		r.failExpect("boolean")
		return false
	}
	i, err := skipLiteral(r.b, r.i, lit)
	if err != nil {
		r.fail(err)
		return false
	}
	r.i = i
	return lit == "true"
}

// End checks that only whitespace follows the value that was read.
func (r *JSONReader) End() {
	if r.err != nil {
		return
	}
	if i := skipSpace(r.b, r.i); i < len(r.b) {
		r.fail(jsonErr(i, "invalid character "+quoteByte(r.b[i])+" after top-level value"))
	}
}

// failExpect fails because the next value is not of the kind wanted. A
// value that is not JSON at all gets the syntax error instead.
func (r *JSONReader) failExpect(want string) {
	if r.err != nil {
		return
	}
	i := skipSpace(r.b, r.i)
	if _, err := skipValue(r.b, i, r.depth); err != nil {
		r.fail(err)
		return
	}
	r.fail(jsonErr(i, "expected "+want))
}

// AppendUnquoted appends the value of a string whose raw contents (as
// JSONReader.String returns them) are raw, decoded as encoding/json does:
// escapes resolved, invalid UTF-8 and lone surrogates as U+FFFD.
func AppendUnquoted(dst, raw []byte) []byte { return appendUnquoted(dst, raw) }

// AppendQuoted appends s as a JSON string: quotes, backslashes and control
// characters escaped, invalid UTF-8 as U+FFFD, everything else (including
// <, >, & and U+2028/U+2029, which encoding/json escapes for HTML) as it is.
func AppendQuoted(dst []byte, s string) []byte { return appendQuoted(dst, s) }
