//go:build race

package testenv

// RaceEnabled reports whether the race detector instruments the build.
const RaceEnabled = true
