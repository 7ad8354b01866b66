package etf

// Tags of the external term format that this package reads or writes (the
// first byte of every term). Tags not listed here, such as pids, ports,
// references and funs, never occur in gateway traffic and are rejected.
const (
	Version = 131 // first byte of every encoded message, before the term

	TagNewFloat      = 70  // NEW_FLOAT_EXT: IEEE 754 float64, big-endian
	TagCompressed    = 80  // COMPRESSED: u32 uncompressed size, zlib stream of a term
	TagSmallInteger  = 97  // SMALL_INTEGER_EXT: u8
	TagInteger       = 98  // INTEGER_EXT: i32, big-endian
	TagFloat         = 99  // FLOAT_EXT: 31 bytes of "%.20e" text, NUL padded
	TagAtom          = 100 // ATOM_EXT: u16 length, Latin-1 name
	TagSmallTuple    = 104 // SMALL_TUPLE_EXT: u8 arity, elements
	TagLargeTuple    = 105 // LARGE_TUPLE_EXT: u32 arity, elements
	TagNil           = 106 // NIL_EXT: the empty list
	TagString        = 107 // STRING_EXT: u16 length, bytes (a list of integers 0-255, not text)
	TagList          = 108 // LIST_EXT: u32 length, elements, tail
	TagBinary        = 109 // BINARY_EXT: u32 length, bytes
	TagSmallBig      = 110 // SMALL_BIG_EXT: u8 n, sign, n bytes little-endian magnitude
	TagLargeBig      = 111 // LARGE_BIG_EXT: u32 n, sign, n bytes little-endian magnitude
	TagSmallAtom     = 115 // SMALL_ATOM_EXT: u8 length, Latin-1 name
	TagMap           = 116 // MAP_EXT: u32 arity, key/value pairs
	TagAtomUTF8      = 118 // ATOM_UTF8_EXT: u16 length, UTF-8 name
	TagSmallAtomUTF8 = 119 // SMALL_ATOM_UTF8_EXT: u8 length, UTF-8 name
)

// tagName names a tag for error messages.
func tagName(tag byte) string {
	switch tag {
	case TagNewFloat:
		return "NEW_FLOAT_EXT"
	case TagCompressed:
		return "COMPRESSED"
	case TagSmallInteger:
		return "SMALL_INTEGER_EXT"
	case TagInteger:
		return "INTEGER_EXT"
	case TagFloat:
		return "FLOAT_EXT"
	case TagAtom:
		return "ATOM_EXT"
	case TagSmallTuple:
		return "SMALL_TUPLE_EXT"
	case TagLargeTuple:
		return "LARGE_TUPLE_EXT"
	case TagNil:
		return "NIL_EXT"
	case TagString:
		return "STRING_EXT"
	case TagList:
		return "LIST_EXT"
	case TagBinary:
		return "BINARY_EXT"
	case TagSmallBig:
		return "SMALL_BIG_EXT"
	case TagLargeBig:
		return "LARGE_BIG_EXT"
	case TagSmallAtom:
		return "SMALL_ATOM_EXT"
	case TagMap:
		return "MAP_EXT"
	case TagAtomUTF8:
		return "ATOM_UTF8_EXT"
	case TagSmallAtomUTF8:
		return "SMALL_ATOM_UTF8_EXT"
	case 77:
		return "BIT_BINARY_EXT"
	case 88, 103:
		return "PID_EXT"
	case 89, 102, 120:
		return "PORT_EXT"
	case 90, 101, 114:
		return "REFERENCE_EXT"
	case 112, 117, 113:
		return "FUN_EXT"
	case 82:
		return "ATOM_CACHE_REF"
	case 121:
		return "LOCAL_EXT"
	case 68:
		return "DIST_HEADER"
	}
	return "unknown tag"
}
