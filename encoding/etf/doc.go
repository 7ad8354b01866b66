// Package etf translates between Erlang's external term format (ETF), as
// the Discord gateway speaks it with encoding=etf, and JSON text.
//
// It never builds a tree of Go values. [Decoder.AppendJSON] transcodes a
// term straight into JSON text appended to a caller's buffer, so an event's
// data reaches handlers as the same kind of bytes a JSON connection would
// give them. [Encoder.AppendFromJSON] goes the other way for commands. The
// package imports nothing else of this module; package encoding wraps it
// into the gateway's envelope codec.
//
// Start with [Decoder] to read, [Encoder] to write, and the Append
// functions ([AppendAtom], [AppendMapHeader], ...) to build terms by hand.
//
// # Terms to JSON
//
// Every term Discord sends, and the few it does not but a peer might, map
// to JSON as follows:
//
//   - SMALL_INTEGER_EXT and INTEGER_EXT: a JSON number.
//   - SMALL_BIG_EXT and LARGE_BIG_EXT: a JSON number when the magnitude is
//     at most [MaxSafeInteger] (2^53-1), otherwise a JSON string of the
//     decimal value ("1234567890123456789", "-18446744073709551615", and so
//     on past 64 bits). Discord sends snowflakes as 64-bit integers in ETF
//     and as strings in JSON; every real snowflake is above 2^53, so it
//     becomes the string JSON would have held, while a smaller integer that
//     merely outgrew int32 (a Unix time in milliseconds, say) stays the
//     number JSON would have held. The rule depends on the value alone, not
//     on how it was encoded.
//   - NEW_FLOAT_EXT and FLOAT_EXT: a JSON number in the shortest form that
//     reads back as the same float64, always with a fraction or exponent
//     ("1.0", "-0.0", "1e+21") so that it stays a float. NaN and infinities
//     are errors (Erlang has neither).
//   - Atoms, in all four forms: nil and null become null, true and false
//     the booleans, any other atom a JSON string of its name. Latin-1 names
//     (ATOM_EXT, SMALL_ATOM_EXT) are converted to UTF-8.
//   - BINARY_EXT: a JSON string. Bytes that are not valid UTF-8 become
//     U+FFFD, one per byte, as encoding/json does; the output is always
//     valid JSON.
//   - STRING_EXT: an array of numbers. Erlang writes any list of integers
//     0-255 this way ([0,1] for a shard pair), so it is never text.
//   - LIST_EXT: an array; its tail must be NIL_EXT (an improper list is an
//     error). NIL_EXT: the empty array.
//   - SMALL_TUPLE_EXT and LARGE_TUPLE_EXT: an array, as erlpack does.
//   - MAP_EXT: an object, keys in wire order. Keys may be atoms (their name,
//     so the atom nil is the key "nil"), binaries, or integers of any size
//     (their decimal text, as JSON writes ID-keyed maps). Any other key
//     type is an error. Duplicate keys are not detected and pass through.
//   - COMPRESSED: accepted only as the whole message (as term_to_binary
//     writes it), inflated up to [Limits].MaxInflated bytes.
//   - Everything else (pids, ports, references, funs, bit binaries, atom
//     cache references) is an error.
//
// A message must hold exactly one term: bytes after it are an error (where
// binary_to_term would ignore them).
//
// # JSON to terms
//
// See [Encoder]: objects become maps with binary keys, strings binaries,
// null/true/false the atoms nil/true/false, integers the smallest integer
// form, other numbers NEW_FLOAT_EXT, arrays proper lists: what Discord
// requires of clients. Its AtomKeys and SnowflakeInts options write what
// Discord's server sends instead (atom keys, IDs as integers), for an
// emulator. A term decoded from JSON the Encoder wrote gives back the same
// JSON value, with one exception: an integer beyond 2^53-1 comes back as a
// string.
//
// # Checked against Erlang
//
// The tests compare the decoder with real Erlang on fixtures that
// term_to_binary wrote (testdata/erlang_fixtures.tsv, made by
// testdata/erlang_oracle.escript, named terms for every tag and random
// deep terms), and send the encoder's output through binary_to_term in an
// erl process when one is installed.
//
// # Safety
//
// Decoding never panics and never trusts a length: each declared size is
// checked against the bytes that remain before it is used, so nothing is
// allocated for a length the input cannot back. [Limits] bound nesting,
// big integer size and inflated size. Every error is a *[SyntaxError] with
// the byte offset of the problem, matching [ErrMalformed] (or
// [ErrInvalidJSON] when encoding), and [ErrLimit] when a limit was hit.
package etf
