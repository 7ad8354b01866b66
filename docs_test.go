package gateway_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// outsideRefs are references to files that do not ship with the module:
// developer notes kept beside the repository, never in it. (Built from parts
// so that grepping the repository for them finds nothing, this file
// included.)
var outsideRefs = []string{"design" + ".md", "cluster" + ".md", ".." + "/shared", "/shar" + "ed/", "/" + "work/"}

// protocolRef matches "docs/protocol.md §5", "docs/protocol.md §3.4, §12.3"
// and a reference broken over a comment line ("docs/protocol.md\n// §10.3").
var protocolRef = regexp.MustCompile(`docs/protocol\.md((?:[\s/#]*(?:,|and)?\s*§\d+(?:\.\d+)*)+)`)

var sectionNumber = regexp.MustCompile(`§(\d+(?:\.\d+)*)`)

// protocolSections reads the section numbers of docs/protocol.md's headings
// ("## 5. Close codes", "### 10.2 zlib-stream").
func protocolSections(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile("docs/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	heading := regexp.MustCompile(`(?m)^#{2,4} (\d+(?:\.\d+)*)\.? `)
	sections := map[string]bool{}
	for _, m := range heading.FindAllSubmatch(b, -1) {
		sections[string(m[1])] = true
	}
	if len(sections) < 10 {
		t.Fatalf("docs/protocol.md: found only %d numbered sections", len(sections))
	}
	return sections
}

// repoTextFiles returns the repository's text files (not testdata corpora,
// not binaries) with their contents.
func repoTextFiles(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && (d.Name() == ".git" || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Name() == ".git" || !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.IndexByte(b, 0) >= 0 {
			return nil // binary
		}
		files[filepath.ToSlash(path)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := files["README.md"]; !ok {
		t.Fatal("README.md not found: the test must run in the repository root")
	}
	return files
}

// Everything a reader needs ships with the module: no file points outside
// the repository, every protocol reference names docs/protocol.md, and every
// section it names exists.
func TestDocsReferencesStayInRepository(t *testing.T) {
	sections := protocolSections(t)
	for path, b := range repoTextFiles(t) {
		text := string(b)
		line := func(off int) int { return 1 + strings.Count(text[:off], "\n") }
		for _, ref := range outsideRefs {
			if i := strings.Index(text, ref); i >= 0 {
				t.Errorf("%s:%d refers to %q, outside the repository", path, line(i), ref)
			}
		}
		for _, loc := range regexp.MustCompile(`protocol\.md`).FindAllStringIndex(text, -1) {
			if !strings.HasSuffix(text[:loc[1]], "docs/protocol.md") && path != "docs/protocol.md" {
				t.Errorf("%s:%d names the protocol reference without its path in the repository, docs/protocol.md", path, line(loc[0]))
			}
		}
		for _, m := range protocolRef.FindAllStringSubmatchIndex(text, -1) {
			for _, s := range sectionNumber.FindAllStringSubmatch(text[m[2]:m[3]], -1) {
				if !sections[s[1]] {
					t.Errorf("%s:%d refers to docs/protocol.md §%s, which does not exist", path, line(m[0]), s[1])
				}
			}
		}
		if path == "docs/protocol.md" {
			for _, m := range sectionNumber.FindAllStringSubmatchIndex(text, -1) {
				if n := text[m[2]:m[3]]; !sections[n] {
					t.Errorf("docs/protocol.md:%d refers to its own §%s, which does not exist", line(m[0]), n)
				}
			}
		}
	}
}

// The test above must catch what it looks for.
func TestDocsReferenceCheckerCatches(t *testing.T) {
	sections := protocolSections(t)
	for _, tc := range []struct {
		text string
		want []string // sections named
	}{
		{"see docs/protocol.md §5.", []string{"5"}},
		{"(docs/protocol.md §3.4, §12.3)", []string{"3.4", "12.3"}},
		{"(docs/protocol.md\n// §10.3): each", []string{"10.3"}},
		{"docs/protocol.md §8 and §9", []string{"8", "9"}},
	} {
		var got []string
		for _, m := range protocolRef.FindAllStringSubmatch(tc.text, -1) {
			for _, s := range sectionNumber.FindAllStringSubmatch(m[1], -1) {
				got = append(got, s[1])
			}
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%q: sections %q, want %q", tc.text, got, tc.want)
		}
		for _, s := range got {
			if !sections[s] {
				t.Errorf("docs/protocol.md has no §%s", s)
			}
		}
	}
	if sections["99"] {
		t.Error("docs/protocol.md should not have a §99")
	}
}
