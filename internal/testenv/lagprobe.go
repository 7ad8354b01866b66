package testenv

import (
	"fmt"
	"sync"
	"time"
)

// LagProbe measures how late a goroutine of this process wakes up from a
// timer while a test runs: on a loaded machine (other processes on the
// cores, -race, the test's own goroutines) a goroutine that is due may wait
// for a CPU, and so may every goroutine a timing-sensitive check depends
// on. A test derives its margins from what the probe saw, when and where
// it matters, instead of from a constant that fits one machine.
type LagProbe struct {
	period time.Duration
	stop   chan struct{}
	done   chan struct{}

	mu      sync.Mutex
	samples []LagSample // lags of at least lagFloor, oldest first, at most maxLagSamples
	max     time.Duration
	n       int64
}

// LagSample is one late wake-up: the probe was due at At-Lag and ran at At.
type LagSample struct {
	At  time.Time
	Lag time.Duration
}

const (
	// lagFloor is the smallest lag worth keeping a sample for.
	lagFloor = time.Millisecond
	// maxLagSamples bounds the samples kept (the oldest go first): at a
	// 5 ms period, an hour of constant lag.
	maxLagSamples = 1 << 20
)

// StartLagProbe starts a probe that sleeps for period and measures how much
// longer it slept, until Stop.
func StartLagProbe(period time.Duration) *LagProbe {
	p := &LagProbe{period: period, stop: make(chan struct{}), done: make(chan struct{})}
	go p.run()
	return p
}

func (p *LagProbe) run() {
	defer close(p.done)
	t := time.NewTimer(p.period)
	defer t.Stop()
	due := time.Now().Add(p.period)
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			// Late by however long the timer fired late and this
			// goroutine then waited for a CPU.
			at := time.Now()
			lag := max(at.Sub(due), 0)
			p.mu.Lock()
			p.n++
			p.max = max(p.max, lag)
			if lag >= lagFloor {
				if len(p.samples) == maxLagSamples {
					p.samples = append(p.samples[:0], p.samples[1:]...)
				}
				p.samples = append(p.samples, LagSample{At: at, Lag: lag})
			}
			p.mu.Unlock()
			due = at.Add(p.period)
			t.Reset(p.period)
		}
	}
}

// Stop ends the probe. It may be called more than once.
func (p *LagProbe) Stop() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	<-p.done
}

// Max returns the largest lag seen so far.
func (p *LagProbe) Max() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.max
}

// Wakeups returns how many times the probe woke up.
func (p *LagProbe) Wakeups() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// MaxBetween returns the largest lag of a wake-up that was pending at some
// time between from and to: a goroutine due in that span could have waited
// that long. A wake-up due before to that came after it counts too; one
// still pending when MaxBetween is called does not (call it once to has
// passed by more than the lag that matters).
func (p *LagProbe) MaxBetween(from, to time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	var m time.Duration
	for _, s := range p.samples {
		// The wake-up was pending over [At-Lag, At].
		if s.At.Before(from) || s.At.Add(-s.Lag).After(to) {
			continue
		}
		m = max(m, s.Lag)
	}
	return m
}

// TotalBetween returns the sum of the lags of the wake-ups that were
// pending between from and to, each counted only for the part of its wait
// inside that span: how far behind the probe fell over the span. A chain
// of goroutines that must each wake up in turn (a timer, a write, a reader
// on the other end) can fall behind by that much together, even when no
// single wake-up was late by much.
func (p *LagProbe) TotalBetween(from, to time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	var sum time.Duration
	for _, s := range p.samples {
		start, end := s.At.Add(-s.Lag), s.At
		if end.Before(from) || start.After(to) {
			continue
		}
		if start.Before(from) {
			start = from
		}
		if end.After(to) {
			end = to
		}
		sum += end.Sub(start)
	}
	return sum
}

// Summary describes what the probe saw, for a test's log.
func (p *LagProbe) Summary() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	late := 0
	for _, s := range p.samples {
		if s.Lag >= 10*time.Millisecond {
			late++
		}
	}
	return fmt.Sprintf("scheduling lag: at most %v over %d wake-ups every %v, %d of them 10 ms or more late",
		p.max.Round(time.Millisecond), p.n, p.period, late)
}
