package testenv

import (
	"strings"
	"testing"
)

// TestRawDumpSeesPlainStrings shows that RawDump would catch a token kept
// in clear anywhere in a value, so its silence in the tests below means
// something.
func TestRawDumpSeesPlainStrings(t *testing.T) {
	type inner struct{ s string }
	type outer struct {
		p *inner
		m map[string]any
		b []byte
	}
	v := &outer{p: &inner{"in-a-field"}, m: map[string]any{"k": []any{"in-a-map"}}, b: []byte("in-bytes")}
	d := RawDump(v)
	for _, want := range []string{"in-a-field", "in-a-map", "in-bytes"} {
		if !strings.Contains(d, want) {
			t.Errorf("the dump misses %q", want)
		}
	}
}
