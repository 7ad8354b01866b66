package discord_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"testing"

	"github.com/gatewaykit/gateway/encoding"
)

// messageCreateD returns the d of the MESSAGE_CREATE the encoding
// benchmarks use (1.45 KB).
func messageCreateD(tb testing.TB) []byte {
	tb.Helper()
	msg, err := os.ReadFile("../encoding/testdata/message_create.json")
	if err != nil {
		tb.Fatal(err)
	}
	d, found, err := encoding.Lookup(msg, "d")
	if err != nil || !found {
		tb.Fatalf("no d in message_create.json: %v", err)
	}
	return d
}

// jsonDiff compares two JSON texts by value (numbers by their text) and
// returns the differences, empty when they are equal.
func jsonDiff(want, got []byte) []string {
	var w, g any
	if err := unmarshalNumbers(want, &w); err != nil {
		return []string{"want is not JSON: " + err.Error()}
	}
	if err := unmarshalNumbers(got, &g); err != nil {
		return []string{"got is not JSON: " + err.Error() + ": " + string(got)}
	}
	var diffs []string
	diffValues("", w, g, &diffs)
	return diffs
}

func unmarshalNumbers(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

func diffValues(path string, w, g any, diffs *[]string) {
	if len(*diffs) > 20 {
		return
	}
	switch wv := w.(type) {
	case map[string]any:
		gv, ok := g.(map[string]any)
		if !ok {
			*diffs = append(*diffs, fmt.Sprintf("%s: want object, got %v", path, g))
			return
		}
		keys := map[string]bool{}
		for k := range wv {
			keys[k] = true
		}
		for k := range gv {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			a, inW := wv[k]
			b, inG := gv[k]
			switch {
			case !inG:
				*diffs = append(*diffs, fmt.Sprintf("%s.%s: lost (was %v)", path, k, a))
			case !inW:
				*diffs = append(*diffs, fmt.Sprintf("%s.%s: added (%v)", path, k, b))
			default:
				diffValues(path+"."+k, a, b, diffs)
			}
		}
	case []any:
		gv, ok := g.([]any)
		if !ok || len(gv) != len(wv) {
			*diffs = append(*diffs, fmt.Sprintf("%s: want %v, got %v", path, w, g))
			return
		}
		for i := range wv {
			diffValues(fmt.Sprintf("%s[%d]", path, i), wv[i], gv[i], diffs)
		}
	case json.Number:
		// 1.0 and 1 are the same number.
		if gn, ok := g.(json.Number); ok && gn != wv {
			a, errA := wv.Float64()
			b, errB := gn.Float64()
			if errA != nil || errB != nil || a != b {
				*diffs = append(*diffs, fmt.Sprintf("%s: want %v, got %v", path, w, g))
			}
			return
		}
		if !reflect.DeepEqual(w, g) {
			*diffs = append(*diffs, fmt.Sprintf("%s: want %v, got %v", path, w, g))
		}
	default:
		if !reflect.DeepEqual(w, g) {
			*diffs = append(*diffs, fmt.Sprintf("%s: want %v, got %v", path, w, g))
		}
	}
}
