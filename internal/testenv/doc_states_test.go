package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// recordingTB records the failures DocStates reports instead of failing.
type recordingTB struct {
	testing.TB
	errors int
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Errorf(string, ...any) { r.errors++ }

func TestDocStatesReportsEachMissingStatement(t *testing.T) {
	path := filepath.Join(t.TempDir(), "README.md")
	if err := os.WriteFile(path, []byte("flags: `-rate 5` and `-guilds 3`\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rec := &recordingTB{TB: t}
	DocStates(rec, path, "`-rate 5`", "`-guilds 3`")
	if rec.errors != 0 {
		t.Fatalf("%d failures for statements the document makes", rec.errors)
	}
	DocStates(rec, path, "`-rate 6`", "`-guilds 3`", "`-chaos 0`")
	if rec.errors != 2 {
		t.Fatalf("%d failures, want 2 (one per missing statement)", rec.errors)
	}
}
