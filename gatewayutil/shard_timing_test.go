package gatewayutil_test

import (
	"testing"
	"time"
)

// schedulingLag measures how late this machine wakes a sleeping goroutine
// right now: the worst overshoot of a few 1 ms sleeps. Timing margins of
// the tests are derived from it, so they widen on a loaded machine (the
// race detector, other builds on the same cores) instead of failing.
func schedulingLag(t testing.TB) time.Duration {
	t.Helper()
	var worst time.Duration
	for range 20 {
		start := time.Now()
		time.Sleep(time.Millisecond)
		worst = max(worst, time.Since(start)-time.Millisecond)
	}
	t.Logf("scheduling lag: up to %v", worst)
	return worst
}

// timingMargin is the slack a test gives a window it checks on the
// emulator's side: a fifth of the window, or four times the measured
// scheduling lag if that is more (the emulator stamps what it receives
// after the client's send went through the same scheduler twice).
func timingMargin(t testing.TB, window time.Duration) time.Duration {
	t.Helper()
	return max(window/5, 4*schedulingLag(t))
}
