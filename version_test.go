package gateway_test

import (
	"bufio"
	"os"
	"regexp"
	"testing"

	"github.com/gatewaykit/gateway"
)

// releaseHeading matches a released version's heading in CHANGELOG.md,
// "## [1.2.3] - 2026-11-23", but not "## [Unreleased]".
var releaseHeading = regexp.MustCompile(`^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$`)

// The latest release in CHANGELOG.md is the one the code calls itself.
func TestVersionMatchesChangelog(t *testing.T) {
	f, err := os.Open("CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := releaseHeading.FindStringSubmatch(sc.Text()); m != nil {
			if m[1] != gateway.Version {
				t.Fatalf("CHANGELOG.md's latest release is %s, gateway.Version is %s", m[1], gateway.Version)
			}
			return
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Fatal(`CHANGELOG.md has no "## [x.y.z] - yyyy-mm-dd" release heading`)
}
