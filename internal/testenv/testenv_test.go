package testenv

import "testing"

// SkipAllocationCounts skips exactly when the build is instrumented.
func TestSkipAllocationCounts(t *testing.T) {
	var skipped bool
	t.Run("probe", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		SkipAllocationCounts(t)
	})
	want := RaceEnabled || testing.CoverMode() != ""
	if skipped != want {
		t.Fatalf("skipped = %v with race %v and cover mode %q; want %v", skipped, RaceEnabled, testing.CoverMode(), want)
	}
}
