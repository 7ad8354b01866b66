package discord

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"sync"
	"unsafe"

	"github.com/gatewaykit/gateway/encoding"
)

// decoder is the state of one DecodeJSON call. It reads with the project's
// own scanner (encoding.JSONReader) and builds values without reflection:
// every type has a generated decodeJSON method that switches on keys.
//
// What it allocates is kept to a few blocks, most of them shared by
// successive payloads:
//   - one block for the contents of every string and Raw field, of at
//     least stringBlock bytes, which a pooled decoder hands out to
//     payload after payload (each gets what it uses, not a guess at it);
//   - one block shared by every small array of IDs (roles, mention_roles);
//   - one block shared by the Members pointed to;
//   - one block per element type shared by the arrays of that type
//     (mentions, embeds, reactions, ...), see decodeArray.
//
// It also keeps, per type, the key order of the last object of that type
// (order, about 1.5 KB), which the generated decoders check first (see
// encoding.JSONReader.NextKeyIs): a guess, never a rule.
//
// Everything handed out is written once and never again: a decoded value
// stays valid for as long as it is referenced, whatever the decoder reads
// next. The price is that one retained string keeps its whole block alive.
type decoder struct {
	r       encoding.JSONReader
	out     []byte      // string and Raw contents; never written below len, kept between payloads
	ids     []Snowflake // arrays of IDs; ids[idsUsed:] is spare room
	idsUsed int
	members slab[Member]
	users   slab[User]
	arrays  arrays    // generated: a runs[T] per element type
	order   keyOrders // generated: per type, the key expected after each
	scratch [64]byte  // keys and snowflakes that had escapes
	idTmp   [32]Snowflake
	size    int // of the payload being decoded
}

// decodable is what every generated type implements.
type decodable interface {
	decodeJSON(d *decoder)
}

// decoders keeps decoder states (not what they decode into) between calls.
var decoders = sync.Pool{New: func() any { return new(decoder) }}

// stringBlock is the least size of the block that strings are copied to.
// A MESSAGE_CREATE uses a few hundred bytes of it.
const stringBlock = 4096

// decode runs v's decoder over data. Decoded strings and Raw fields are
// copied out of data into the decoder's string block, never aliased.
func decode(data []byte, v decodable, typeName string) error {
	d := decoders.Get().(*decoder)
	d.r = encoding.NewJSONReader(data)
	d.size = len(data)
	// The string block is only replaced when a string does not fit in
	// what is left of it (see room), so that a block serves payloads
	// until it is full rather than until less than a guess at the next
	// payload's needs is left.
	v.decodeJSON(d)
	d.r.End()
	err := d.err(typeName)
	// The block's unused rest serves the next payload. Drop a block
	// that grew far past the usual size so that a pooled decoder does
	// not hold on to one huge payload's worth of memory.
	if cap(d.out) > 4*stringBlock {
		d.out = nil
	}
	d.r = encoding.JSONReader{}
	decoders.Put(d)
	return err
}

// keep copies b into the string block and returns the copy. When the
// block is full a bigger one replaces it; what was handed out from the
// old one stays valid, since nothing writes there again.
func (d *decoder) keep(b []byte) []byte {
	if cap(d.out)-len(d.out) < len(b) {
		d.room(len(b))
	}
	start := len(d.out)
	end := start + len(b)
	// Resliced in place, d.out keeps its pointer: no write barrier
	// (an append stores the pointer back, with one while the
	// collector runs).
	d.out = d.out[:end]
	copy(d.out[start:end], b)
	return d.out[start:end:end]
}

// room replaces the string block with a new one that has room for at
// least n bytes: stringBlock, or more when n or the strings the rest of
// the payload may hold need more (they take at most half of its bytes in
// gateway payloads, whose keys, IDs, numbers and timestamps take the
// rest; past that the block is replaced again). What was handed out from
// the old block stays there, valid.
func (d *decoder) room(n int) {
	rest := (d.size - d.r.Offset() + 1) / 2
	d.out = make([]byte, 0, max(stringBlock, n, min(rest, maxStringBlock)))
}

// maxStringBlock bounds the size room guesses for the rest of a payload
// (a block grows past it only for a single string that needs more).
const maxStringBlock = 1 << 20

func (d *decoder) err(typeName string) error {
	if err := d.r.Err(); err != nil {
		return fmt.Errorf("discord: decoding %s: %w", typeName, err)
	}
	return nil
}

// slab hands out pointers to T from blocks of a few, so that the Members of
// one payload (the author's, the mentioned users') cost one allocation. The
// first block holds two (a message's author and one mention), later ones
// ten. What is left of a block serves the next decode that uses the same
// pooled decoder: every element is handed out once.
type slab[T any] struct {
	// free[used:] are not handed out yet. An index rather than a
	// shrinking slice: moving it writes no pointer, so costs no write
	// barrier while the collector runs.
	free   []T
	used   int
	blocks int
}

func (s *slab[T]) alloc() *T {
	if s.used == len(s.free) {
		n := 2
		if s.blocks > 0 {
			// Ten Members or Users (304 bytes each) fill 3,040 of
			// the allocator's 3,072-byte size class; eight left 256
			// of a 2,688-byte one unused.
			n = 10
		}
		s.blocks++
		s.free = make([]T, n)
		s.used = 0
	}
	p := &s.free[s.used]
	s.used++
	return p
}

// runs hands out the elements of arrays of T: successive arrays (of one
// payload and of the next ones read by the same pooled decoder) take
// successive runs of one block, so that arrays cost an allocation every
// few payloads instead of one each.
type runs[T any] struct {
	// block[used:] is free. An index rather than a shrinking slice:
	// moving it writes no pointer, so costs no write barrier while the
	// collector runs.
	block []T
	used  int
}

// runBlock is the number of elements of a new block (more when one array
// needs more).
const runBlock = 4

// maxKeptBlock is the largest block (in elements) whose rest a decoder
// keeps for later arrays: a block grown for a huge array (a guild's
// channels, a member chunk) is left to its array rather than held in
// the pool.
const maxKeptBlock = 64

// decodeArray reads an array of T (null is nil, [] is empty and not nil)
// into a run of the block in b, moving the run to a bigger block when it
// outgrows the one it started in.
func decodeArray[T any, P interface {
	*T
	decodable
}](d *decoder, b *runs[T]) []T {
	if !d.r.ArrayStartQuick() && !d.r.ArrayStart() {
		return nil
	}
	if !d.r.NextElement() {
		return []T{} // empty: the block is left as it is
	}
	block, start := b.block, b.used
	// An array of the same type inside an element takes a block of its
	// own rather than the run being filled here.
	b.used = len(block)
	free := block[start:]
	grown := false
	n := 0
	for {
		if n == len(free) {
			g := make([]T, max(2*n, runBlock))
			copy(g, free[:n])
			free, grown = g, true
		}
		P(&free[n]).decodeJSON(d)
		n++
		if !d.r.NextElement() {
			break
		}
	}
	switch {
	case !grown:
		if len(b.block) != len(block) || unsafe.SliceData(b.block) != unsafe.SliceData(block) {
			b.block = block // a nested array took a block of its own
		}
		b.used = start + n
	case cap(free) <= maxKeptBlock:
		b.block, b.used = free[:cap(free)], n
	}
	return free[:n:n]
}

// unescapeKey returns the value of a key that has escapes, valid until
// the next call.
func (d *decoder) unescapeKey(k []byte) []byte {
	return encoding.AppendUnquoted(d.scratch[:0], k)
}

// str reads a string. Without escapes it points into the copied input.
func (d *decoder) str() string {
	if d.r.Null() {
		return ""
	}
	raw, escaped, valid := d.r.StringChecked()
	if len(raw) == 0 {
		return ""
	}
	if !escaped && valid {
		// keep, written out: the string points into the block.
		start := len(d.out)
		if cap(d.out)-start < len(raw) {
			d.room(len(raw))
			start = 0
		}
		end := start + len(raw)
		d.out = d.out[:end] // resliced in place: no write barrier
		copy(d.out[start:end], raw)
		return unsafe.String(&d.out[start], len(raw))
	}
	// Decoded, a byte that is not UTF-8 becomes U+FFFD (three bytes):
	// the value takes at most three times its raw length.
	if cap(d.out)-len(d.out) < 3*len(raw) {
		d.room(3 * len(raw))
	}
	start := len(d.out)
	var out []byte
	if valid {
		out = appendUnescaped(d.out, raw)
	} else {
		// Not UTF-8 (rare, and never from Discord): the reference
		// decoder, rune by rune, replaces each bad byte.
		out = encoding.AppendUnquoted(d.out, raw)
	}
	// The room made above holds the value, so out is d.out's block:
	// resliced in place, d.out keeps its pointer (no write barrier).
	d.out = d.out[:len(out)]
	if len(d.out) == start {
		return ""
	}
	return unsafe.String(&d.out[start], len(d.out)-start)
}

// appendUnescaped appends the value of a string's raw contents, which
// the reader has found to be valid UTF-8 (JSONReader.StringChecked), as
// encoding.AppendUnquoted does, but copies the runs between escapes whole
// instead of rune by rune. Those runs need no check of their own: a
// backslash is never part of a longer UTF-8 sequence, so cutting valid
// UTF-8 at backslashes leaves valid UTF-8.
func appendUnescaped(dst, raw []byte) []byte {
	for len(raw) > 0 {
		i := bytes.IndexByte(raw, '\\')
		if i < 0 {
			i = len(raw)
		}
		dst = append(dst, raw[:i]...)
		raw = raw[i:]
		if len(raw) < 2 {
			// A lone trailing backslash cannot come from the scanner;
			// leave it to the reference decoder all the same.
			return encoding.AppendUnquoted(dst, raw)
		}
		if c := shortEscapes[raw[1]]; c != 0 {
			// \n, \", \\ and the like: one byte, in line.
			dst = append(dst, c)
			raw = raw[2:]
			continue
		}
		n := 2
		if raw[1] == 'u' && len(raw) >= 6 {
			n = 6
			// A high surrogate (\uD800-\uDBFF) pairs only with a low
			// surrogate (\uDC00-\uDFFF) right after it: decode the two
			// together. A high one followed by anything else stands alone
			// (U+FFFD) and the escape after it is decoded on its own, so
			// \uD800\uD800\uDC00 is U+FFFD then U+10000, as in
			// encoding/json.
			if len(raw) >= 12 && isSurrogateEscape(raw[2:6], '8', 'b') && raw[6] == '\\' && raw[7] == 'u' && isSurrogateEscape(raw[8:12], 'c', 'f') {
				n = 12
			}
		}
		n = min(n, len(raw))
		dst = encoding.AppendUnquoted(dst, raw[:n])
		raw = raw[n:]
	}
	return dst
}

// isSurrogateEscape reports whether the four hex digits of a \u escape
// are D followed by a digit from lo to hi (lower case), that is, a high
// (8-b) or low (c-f) surrogate.
func isSurrogateEscape(hex []byte, lo, hi byte) bool {
	c := hex[1] | 0x20
	return hex[0]|0x20 == 'd' && c >= lo && c <= hi
}

// shortEscapes maps the byte after a backslash to the byte the two-byte
// escape stands for (0 for \u and for bytes that cannot follow one).
var shortEscapes = [256]byte{
	'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t',
}

// bool reads true, false or null (false).
func (d *decoder) bool() bool {
	if d.r.Null() {
		return false
	}
	return d.r.Bool()
}

// int reads an integer (null is 0) that fits in bits bits.
func (d *decoder) int(bits int) int64 {
	// The common case, in one pass: a few digits, no sign.
	if v, ok := d.r.SmallUint(); ok {
		if v >= 1<<(bits-1) {
			d.r.Fail("number out of range")
			return 0
		}
		return int64(v)
	}
	if d.r.Null() {
		return 0
	}
	text, integer := d.r.Number()
	if d.r.Err() != nil {
		return 0
	}
	if !integer {
		d.r.Fail("number " + string(text) + " is not an integer")
		return 0
	}
	neg := text[0] == '-'
	if neg {
		text = text[1:]
	}
	var v uint64
	for _, c := range text {
		if v > (math.MaxUint64-9)/10 {
			d.r.Fail("number out of range")
			return 0
		}
		v = v*10 + uint64(c-'0')
	}
	limit := uint64(1) << (bits - 1)
	if neg && v > limit || !neg && v >= limit {
		d.r.Fail("number out of range")
		return 0
	}
	if neg {
		return -int64(v)
	}
	return int64(v)
}

// uint reads a non-negative integer (null is 0) that fits in bits bits.
func (d *decoder) uint(bits int) uint64 {
	// The common case, in one pass: a few digits.
	if v, ok := d.r.SmallUint(); ok {
		if bits < 64 && v >= 1<<bits {
			d.r.Fail("number out of range")
			return 0
		}
		return v
	}
	if d.r.Null() {
		return 0
	}
	text, integer := d.r.Number()
	if d.r.Err() != nil {
		return 0
	}
	if !integer || text[0] == '-' {
		d.r.Fail("number " + string(text) + " is not an unsigned integer")
		return 0
	}
	v, err := strconv.ParseUint(unsafe.String(&text[0], len(text)), 10, bits)
	if err != nil {
		d.r.Fail("number out of range")
		return 0
	}
	return v
}

// float reads a number (null is 0).
func (d *decoder) float() float64 {
	if d.r.Null() {
		return 0
	}
	text, _ := d.r.Number()
	if d.r.Err() != nil {
		return 0
	}
	v, err := strconv.ParseFloat(unsafe.String(&text[0], len(text)), 64)
	if err != nil {
		d.r.Fail("number out of range")
		return 0
	}
	return v
}

// snowflakes reads an array of IDs into the shared block.
func (d *decoder) snowflakes() []Snowflake {
	if !d.r.ArrayStartQuick() && !d.r.ArrayStart() {
		return nil
	}
	tmp := d.idTmp[:0]
	var big []Snowflake
	for d.r.NextElement() {
		var s Snowflake
		s.decodeJSON(d)
		if len(tmp) < cap(tmp) {
			tmp = append(tmp, s)
		} else {
			if big == nil {
				big = append(make([]Snowflake, 0, 2*len(tmp)), tmp...)
			}
			big = append(big, s)
		}
	}
	if big != nil {
		return big
	}
	if len(tmp) == 0 {
		return []Snowflake{}
	}
	if len(d.ids)-d.idsUsed < len(tmp) {
		// Small blocks first: most payloads hold a handful of IDs.
		d.ids = make([]Snowflake, max(8, len(tmp)))
		d.idsUsed = 0
	}
	start, end := d.idsUsed, d.idsUsed+len(tmp)
	out := d.ids[start:end:end]
	copy(out, tmp)
	d.idsUsed = end // an index: no pointer written, no write barrier
	return out
}

// strs reads an array of strings.
func (d *decoder) strs() []string {
	if !d.r.ArrayStartQuick() && !d.r.ArrayStart() {
		return nil
	}
	out := []string{}
	for d.r.NextElement() {
		out = append(out, d.str())
	}
	return out
}

// appendFloat writes f as encoding/json would.
func appendFloat(dst []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return append(dst, "null"...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(dst, f, format, -1, 64)
}

// appendStrs writes an array of strings (nil as null).
func appendStrs(dst []byte, s []string) []byte {
	if s == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, v := range s {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = encoding.AppendQuoted(dst, v)
	}
	return append(dst, ']')
}

// appendSnowflakes writes an array of IDs (nil as null).
func appendSnowflakes(dst []byte, s []Snowflake) []byte {
	if s == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, v := range s {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = v.appendJSON(dst)
	}
	return append(dst, ']')
}

// closeObject finishes an object whose fields were appended from start,
// each with a leading comma: the first comma becomes the '{'.
func closeObject(dst []byte, start int) []byte {
	if len(dst) == start {
		return append(dst, '{', '}')
	}
	dst[start] = '{'
	return append(dst, '}')
}
