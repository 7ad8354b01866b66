package testenv

import (
	"runtime"
	"testing"
	"time"
)

// TestLagProbeMaxBetween checks that MaxBetween picks the samples by when
// their wake-up was pending.
func TestLagProbeMaxBetween(t *testing.T) {
	p := StartLagProbe(time.Millisecond)
	p.Stop()
	p.Stop() // twice is fine
	base := time.Now()
	at := func(ms int) time.Time { return base.Add(time.Duration(ms) * time.Millisecond) }
	p.samples = []LagSample{
		{At: at(100), Lag: 50 * time.Millisecond}, // pending 50..100
		{At: at(300), Lag: 20 * time.Millisecond}, // pending 280..300
		{At: at(900), Lag: 5 * time.Millisecond},  // pending 895..900
	}
	for _, c := range []struct {
		from, to int
		want     time.Duration
	}{
		{0, 40, 0},
		{0, 60, 50 * time.Millisecond},
		{90, 290, 50 * time.Millisecond},
		{101, 290, 20 * time.Millisecond},
		{301, 894, 0},
		{301, 1000, 5 * time.Millisecond},
	} {
		if got := p.MaxBetween(at(c.from), at(c.to)); got != c.want {
			t.Errorf("MaxBetween(%d ms, %d ms) = %v, want %v", c.from, c.to, got, c.want)
		}
	}
	for _, c := range []struct {
		from, to int
		want     time.Duration
	}{
		{0, 40, 0},
		{0, 1000, 75 * time.Millisecond},
		{60, 290, 50 * time.Millisecond}, // 40 ms of the first, 10 of the second
		{897, 2000, 3 * time.Millisecond},
	} {
		if got := p.TotalBetween(at(c.from), at(c.to)); got != c.want {
			t.Errorf("TotalBetween(%d ms, %d ms) = %v, want %v", c.from, c.to, got, c.want)
		}
	}
}

// TestLagProbeMeasuresABusyScheduler keeps more goroutines busy than there
// are Ps for a while: the probe's goroutine must wait for a CPU now and
// then, and the probe must say so (a lag above zero), and count wake-ups.
func TestLagProbeMeasuresABusyScheduler(t *testing.T) {
	p := StartLagProbe(time.Millisecond)
	stop := time.Now().Add(300 * time.Millisecond)
	done := make(chan struct{})
	n := 4 * runtime.GOMAXPROCS(0)
	for range n {
		go func() {
			for time.Now().Before(stop) {
			}
			done <- struct{}{}
		}()
	}
	for range n {
		<-done
	}
	p.Stop()
	if p.Wakeups() == 0 {
		t.Fatal("the probe never woke up")
	}
	if p.Max() <= 0 {
		t.Fatalf("no lag measured with %d goroutines spinning on %d Ps: %s", n, runtime.GOMAXPROCS(0), p.Summary())
	}
	t.Log(p.Summary())
}
