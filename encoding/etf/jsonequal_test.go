package etf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// jsonEqual compares two JSON texts as values: objects by key set (order
// free), arrays by element, strings by content, and numbers exactly and by
// class: an integer token (no fraction or exponent) must meet an integer
// token of the same value (compared as big integers), a float token a float
// token of the same float64, sign of zero included. It returns "" when
// equal, or where they differ.
func jsonEqual(a, b []byte) string {
	va, err := parseJSON(a)
	if err != nil {
		return fmt.Sprintf("first text: %v", err)
	}
	vb, err := parseJSON(b)
	if err != nil {
		return fmt.Sprintf("second text: %v", err)
	}
	return valueDiff("$", va, vb)
}

func parseJSON(text []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("text after the value")
	}
	return v, nil
}

func isFloatToken(n json.Number) bool { return strings.ContainsAny(string(n), ".eE") }

func valueDiff(path string, a, b any) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: object vs %T", path, b)
		}
		if len(x) != len(y) {
			return fmt.Sprintf("%s: %d keys vs %d", path, len(x), len(y))
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok {
				return fmt.Sprintf("%s: key %q missing from second", path, k)
			}
			if d := valueDiff(path+"."+strconv.Quote(k), v, w); d != "" {
				return d
			}
		}
		return ""
	case []any:
		y, ok := b.([]any)
		if !ok {
			return fmt.Sprintf("%s: array vs %T", path, b)
		}
		if len(x) != len(y) {
			return fmt.Sprintf("%s: %d elements vs %d", path, len(x), len(y))
		}
		for i := range x {
			if d := valueDiff(fmt.Sprintf("%s[%d]", path, i), x[i], y[i]); d != "" {
				return d
			}
		}
		return ""
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return fmt.Sprintf("%s: number %s vs %T %v", path, x, b, b)
		}
		if isFloatToken(x) != isFloatToken(y) {
			return fmt.Sprintf("%s: number %s vs %s (integer vs float)", path, x, y)
		}
		if isFloatToken(x) {
			fx, err1 := strconv.ParseFloat(string(x), 64)
			fy, err2 := strconv.ParseFloat(string(y), 64)
			if err1 != nil || err2 != nil || math.Float64bits(fx) != math.Float64bits(fy) {
				return fmt.Sprintf("%s: float %s vs %s", path, x, y)
			}
			return ""
		}
		ix, ok1 := new(big.Int).SetString(string(x), 10)
		iy, ok2 := new(big.Int).SetString(string(y), 10)
		if !ok1 || !ok2 || ix.Cmp(iy) != 0 {
			return fmt.Sprintf("%s: integer %s vs %s", path, x, y)
		}
		return ""
	default: // string, bool, nil
		if a != b {
			return fmt.Sprintf("%s: %#v vs %#v", path, a, b)
		}
		return ""
	}
}
