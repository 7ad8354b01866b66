package gateway_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmePromisesNameExistingTests reads the README's table of promises
// and the tests that attack them: every promise names at least one test,
// and every test it names (a trailing * stands for a prefix) is declared in
// some _test.go file of the repository, so renaming a test cannot leave a
// promise pointing at nothing.
func TestReadmePromisesNameExistingTests(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## Promises, and the tests that try to break them")
	if !ok {
		t.Fatal("README.md has no section \"Promises, and the tests that try to break them\"")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var decls strings.Builder
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "." {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, "_test.go") {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			decls.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	testName := regexp.MustCompile("`(Test[A-Za-z0-9_]*\\*?)`")
	rows := 0
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| promise") {
			continue
		}
		rows++
		names := testName.FindAllStringSubmatch(line, -1)
		if len(names) == 0 && !strings.Contains(line, "internal/interop") {
			t.Errorf("the promise %q names no test", line)
		}
		for _, m := range names {
			name := m[1]
			pattern := "func " + regexp.QuoteMeta(strings.TrimSuffix(name, "*"))
			if !strings.HasSuffix(name, "*") {
				pattern += `\(`
			}
			if !regexp.MustCompile(pattern).MatchString(decls.String()) {
				t.Errorf("the README's promises name %s, which no _test.go declares", name)
			}
		}
	}
	if rows < 5 {
		t.Errorf("found %d promises in the README's table, want the table", rows)
	}
}
