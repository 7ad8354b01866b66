package gatewaytest

import (
	"errors"
)

// A tiny scanner for the top level of a JSON object: it finds each key and
// the raw bytes of its value without decoding anything, which is all that
// MESSAGE_CONTENT stripping and envelope rewriting need. It trusts its input
// to be valid JSON (server-side data from Traffic or Publish) but never reads
// out of bounds on invalid input: it reports errBadJSON instead.

var errBadJSON = errors.New("gatewaytest: malformed JSON object")

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipJSONSpace(b []byte, i int) int {
	for i < len(b) && isJSONSpace(b[i]) {
		i++
	}
	return i
}

// skipJSONString returns the index just past the string starting at b[i]
// (which must be '"').
func skipJSONString(b []byte, i int) (int, error) {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1, nil
		}
	}
	return 0, errBadJSON
}

// skipJSONValue returns the index just past the value starting at b[i].
func skipJSONValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errBadJSON
	}
	switch b[i] {
	case '"':
		return skipJSONString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				end, err := skipJSONString(b, i)
				if err != nil {
					return 0, err
				}
				i = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, nil
				}
			}
		}
		return 0, errBadJSON
	default:
		start := i
		for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && !isJSONSpace(b[i]) {
			i++
		}
		if i == start {
			return 0, errBadJSON
		}
		return i, nil
	}
}

// walkJSONObject calls fn with each top-level key (raw, without quotes) and
// value (raw JSON) of the object in b, in order, until fn returns false.
func walkJSONObject(b []byte, fn func(key, val []byte) bool) error {
	i := skipJSONSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errBadJSON
	}
	i = skipJSONSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return errBadJSON
		}
		kend, err := skipJSONString(b, i)
		if err != nil {
			return err
		}
		key := b[i+1 : kend-1]
		i = skipJSONSpace(b, kend)
		if i >= len(b) || b[i] != ':' {
			return errBadJSON
		}
		i = skipJSONSpace(b, i+1)
		vend, err := skipJSONValue(b, i)
		if err != nil {
			return err
		}
		if !fn(key, b[i:vend]) {
			return nil
		}
		i = skipJSONSpace(b, vend)
		if i >= len(b) {
			return errBadJSON
		}
		if b[i] == '}' {
			return nil
		}
		if b[i] != ',' {
			return errBadJSON
		}
		i = skipJSONSpace(b, i+1)
	}
}

// jsonField returns the raw value of the top-level key in object b, or nil.
func jsonField(b []byte, key string) []byte {
	var out []byte
	_ = walkJSONObject(b, func(k, v []byte) bool {
		if string(k) == key {
			out = v
			return false
		}
		return true
	})
	return out
}
