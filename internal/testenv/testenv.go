// Package testenv holds what the project's tests need to know about how
// they were built, and checks that several packages' tests share. It
// imports nothing of ours, so any package's tests may use it.
package testenv

import "testing"

// SkipAllocationCounts skips t, saying why, when allocation counts would be
// meaningless: under -race, where sync.Pool drops a quarter of what is put
// back on purpose and the runtime allocates for its own bookkeeping, and
// under -cover, whose counters instrument every block. scripts/test runs
// the tests that call it (named *Alloc*) again without either.
func SkipAllocationCounts(t testing.TB) {
	t.Helper()
	switch {
	case RaceEnabled:
		t.Skip("SKIPPED under -race: sync.Pool drops items at random there, so allocation counts mean nothing; scripts/test runs the *Alloc* tests without -race")
	case testing.CoverMode() != "":
		t.Skip("SKIPPED under -cover: coverage instrumentation makes allocation counts mean nothing; scripts/test runs the *Alloc* tests without it")
	}
}
