//go:build race

package gatewayutil

// raceEnabled is true when the race detector instruments the build: then
// sync.Pool drops a quarter of what is put back, on purpose, so allocation
// counts of pooled paths are meaningless. scripts/test runs the allocation
// tests again without -race.
const raceEnabled = true
