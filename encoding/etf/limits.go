package etf

// Defaults for the zero values of [Limits].
const (
	// DefaultMaxDepth bounds nesting of lists, tuples and maps. Gateway
	// events nest fewer than 10 levels.
	DefaultMaxDepth = 128
	// DefaultMaxBigBytes bounds the magnitude of a big integer: 1024 bytes
	// is 8192 bits. Discord sends 8 (snowflakes).
	DefaultMaxBigBytes = 1024
	// DefaultMaxInflated bounds the decompressed size of a COMPRESSED term.
	DefaultMaxInflated = 16 << 20
)

// Limits bound the work and memory a decode may take, whatever the input
// claims. Zero fields take the defaults above. Independently of Limits,
// every length a term declares is checked against the bytes that remain
// before anything is read or allocated: a list claiming four billion
// elements in a 20-byte message fails at once.
type Limits struct {
	// MaxDepth is the deepest nesting of lists, tuples and maps accepted;
	// the top-level term is depth 0, so a map holding a list is depth 1
	// inside the map.
	MaxDepth int
	// MaxBigBytes is the largest SMALL_BIG_EXT/LARGE_BIG_EXT magnitude
	// accepted, in bytes.
	MaxBigBytes int
	// MaxInflated is the largest uncompressed size a COMPRESSED term may
	// declare or inflate to.
	MaxInflated int
}

// withDefaults returns l with zero fields set to their defaults.
func (l Limits) withDefaults() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxBigBytes <= 0 {
		l.MaxBigBytes = DefaultMaxBigBytes
	}
	if l.MaxInflated <= 0 {
		l.MaxInflated = DefaultMaxInflated
	}
	return l
}
