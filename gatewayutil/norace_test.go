//go:build !race

package gatewayutil

// raceEnabled is true when the race detector instruments the build (see
// race_test.go).
const raceEnabled = false
