package encoding

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// Lookup returns the raw value of the top-level key in the JSON object obj,
// without decoding anything: a string comes back with its quotes and
// escapes, an object or array whole. found is false when obj has no such
// key. It is meant for reading a field or two of an event's d, such as
// guild_id, without unmarshalling the event; for a nested field, look up
// the enclosing object first (Lookup(author, "id") after
// Lookup(d, "author")).
//
// Keys are compared by their decoded value, so "guild\u005fid" matches
// "guild_id". Lookup agrees with json.Unmarshal into a
// map[string]json.RawMessage: it validates the whole of obj (whitespace
// around it allowed) and returns an error matching ErrMalformed when obj is
// not valid JSON or not an object, and when a key occurs more than once the
// last occurrence wins. So it always reads all of obj, at the speed of
// Decode.
//
// value aliases obj. Lookup allocates nothing, except on errors and for
// containers nested more than 64 levels deep.
func Lookup(obj []byte, key string) (value []byte, found bool, err error) {
	var v [1][]byte
	err = lookup(obj, []string{key}, v[:])
	return v[0], v[0] != nil, err
}

// errLookupValues is returned by LookupKeys when values is too short.
var errLookupValues = errors.New("encoding: LookupKeys needs a value slot per key")

// LookupKeys is Lookup for several keys in one pass over obj: it sets
// values[i] to the raw value of keys[i], or to nil when obj has no such key.
// values must be at least as long as keys. Use it to read, say, guild_id,
// channel_id and author together: reading obj once instead of once per key.
// With a values array on the caller's stack it allocates nothing.
//
// On error (the same errors as Lookup) every values[i] is nil.
func LookupKeys(obj []byte, keys []string, values [][]byte) error {
	if len(values) < len(keys) {
		return errLookupValues
	}
	return lookup(obj, keys, values[:len(keys)])
}

// lookup implements Lookup and LookupKeys.
func lookup(obj []byte, keys []string, values [][]byte) error {
	clear(values)
	// Decoded keys are always valid UTF-8, so a key that is not can never
	// match. One holding U+FFFD may match a raw key with invalid bytes,
	// which decode to U+FFFD: such keys, like raw keys with escapes, are
	// compared by decoded value.
	var slow bool
	for _, key := range keys {
		if !utf8.ValidString(key) || strings.ContainsRune(key, utf8.RuneError) {
			slow = true
		}
	}
	b := obj
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		if _, err := skipValue(b, i, 0); err != nil {
			return err
		}
		return jsonErr(i, "value is not a JSON object")
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for {
			k, escaped, vi, err := skipKey(b, i)
			if err != nil {
				clear(values)
				return err
			}
			end, err := skipValue(b, vi, 1)
			if err != nil {
				clear(values)
				return err
			}
			for n, key := range keys {
				if keyMatches(k, escaped || slow, key) {
					values[n] = b[vi:end:end]
				}
			}
			i = end
			if i < len(b) && b[i] <= ' ' {
				i = skipSpace(b, i)
			}
			if i < len(b) && b[i] == ',' {
				i = skipSpace(b, i+1)
				continue
			}
			if i < len(b) && b[i] == '}' {
				i++
				break
			}
			clear(values)
			return errAt(b, i, "after object key:value pair")
		}
	}
	if i < len(b) {
		if i = skipSpace(b, i); i < len(b) {
			clear(values)
			return jsonErr(i, "invalid character "+quoteByte(b[i])+" after top-level object")
		}
	}
	return nil
}

// keyMatches reports whether the raw key contents raw name key. Unless
// decode is set (raw has escapes, or key has bytes that make a byte-wise
// comparison wrong), raw is compared as it is.
func keyMatches(raw []byte, decode bool, key string) bool {
	if !decode {
		return string(raw) == key
	}
	return utf8.ValidString(key) && stringEqual(raw, key)
}

// ParseSnowflake reads a Discord ID from a raw JSON value as Lookup returns
// it: either a string of decimal digits, "1091403920930152448" (how Discord
// sends IDs), or a bare integer, 1091403920930152448 (how some fields and
// older payloads carry them). It reports false for anything else: null, an
// empty string, a sign, a fraction, an escape, a leading zero (other than
// "0" itself), surrounding whitespace, or a value that does not fit in 64
// bits.
func ParseSnowflake(raw []byte) (uint64, bool) {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		raw = raw[1 : len(raw)-1]
	}
	if len(raw) == 0 || len(raw) > 20 || raw[0] == '0' && len(raw) > 1 {
		return 0, false
	}
	var v uint64
	for _, c := range raw {
		if !isDigit(c) {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}
