package gateway_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readmeRegions returns the marked regions of the example programs: the
// lines between "// readme:begin" and "// readme:end", by file.
func readmeRegions(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob("examples/*/*.go")
	if err != nil {
		t.Fatal(err)
	}
	regions := map[string][]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cur []string
		in := false
		for _, line := range strings.Split(string(b), "\n") {
			switch strings.TrimSpace(line) {
			case "// readme:begin":
				if in {
					t.Fatalf("%s: readme:begin inside a region", f)
				}
				in, cur = true, nil
				continue
			case "// readme:end":
				if !in {
					t.Fatalf("%s: readme:end without readme:begin", f)
				}
				in = false
				regions[f] = append(regions[f], strings.TrimSpace(strings.Join(cur, "\n")))
				continue
			}
			if in {
				cur = append(cur, line)
			}
		}
		if in {
			t.Fatalf("%s: readme:begin without readme:end", f)
		}
	}
	return regions
}

// readmeGoBlocks returns the README's ```go code blocks.
func readmeGoBlocks(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	var cur []string
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case !in && strings.TrimSpace(line) == "```go":
			in, cur = true, nil
		case in && strings.TrimSpace(line) == "```":
			in = false
			blocks = append(blocks, strings.TrimSpace(strings.Join(cur, "\n")))
		case in:
			cur = append(cur, line)
		}
	}
	if in {
		t.Fatal("README.md: unterminated ```go block")
	}
	return blocks
}

// Every Go block in the README is, character for character, a marked
// region of a program under examples/, which its test builds and runs; and
// every marked region is shown in the README. So the README's code
// compiles and works.
func TestReadmeCodeIsCompiledExamples(t *testing.T) {
	regions := readmeRegions(t)
	blocks := readmeGoBlocks(t)
	if len(blocks) == 0 {
		t.Fatal("README.md has no ```go block: this test would check nothing")
	}
	shown := map[string]bool{}
	for i, block := range blocks {
		found := false
		for f, rs := range regions {
			for _, r := range rs {
				if r == block {
					found, shown[f+"\x00"+r] = true, true
				}
			}
		}
		if !found {
			t.Errorf("README.md's Go block %d is not a marked region (// readme:begin ... // readme:end) of any examples/*/*.go file:\n%s", i+1, block)
		}
	}
	for f, rs := range regions {
		for _, r := range rs {
			if !shown[f+"\x00"+r] {
				t.Errorf("%s: a readme region is not in README.md (or differs from it)", f)
			}
		}
	}
}
