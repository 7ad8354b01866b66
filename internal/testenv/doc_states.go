package testenv

import (
	"os"
	"strings"
	"testing"
)

// DocStates fails t for each of wants that the document at path does not
// contain word for word: a test of a README's table of defaults builds
// wants from the real defaults, so the document cannot drift from them.
func DocStates(t testing.TB, path string, wants ...string) {
	t.Helper()
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range wants {
		if !strings.Contains(string(doc), want) {
			t.Errorf("%s does not state %s", path, want)
		}
	}
}
