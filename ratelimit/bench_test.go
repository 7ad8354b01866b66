package ratelimit

import (
	"context"
	"testing"
	"time"
)

// The fast path: a window so short that every command finds room, so each
// iteration is one full check-and-count with the system clock.
func BenchmarkCommandLimiterWait(b *testing.B) {
	l, err := NewCommandLimiter(WithCommandLimit(DefaultCommandLimit, time.Nanosecond))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Wait(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCommandLimiterWaitPriority(b *testing.B) {
	l, err := NewCommandLimiter(WithCommandLimit(DefaultCommandLimit, time.Nanosecond))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := l.WaitPriority(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCommandLimiterAllow(b *testing.B) {
	l, err := NewCommandLimiter(WithCommandLimit(DefaultCommandLimit, time.Nanosecond))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		l.Allow()
	}
}

// Several goroutines sharing one connection's limiter, the window never
// full: the cost of contention on the lock and the turn.
func BenchmarkCommandLimiterWaitParallel(b *testing.B) {
	l, err := NewCommandLimiter(WithCommandLimit(DefaultCommandLimit, time.Nanosecond))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := l.Wait(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// An identify with its bucket free and the budget known: Acquire and Done.
func BenchmarkIdentifyLimiterAcquire(b *testing.B) {
	l, err := NewLocalIdentifyLimiter(16, WithIdentifyWindow(time.Nanosecond),
		WithSessionStartLimit(SessionStartLimit{Total: 1 << 62, Remaining: 1 << 62, ResetAfter: time.Hour}))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	shard := 0
	for b.Loop() {
		t, err := l.Acquire(ctx, shard)
		if err != nil {
			b.Fatal(err)
		}
		t.Done(true)
		shard++
	}
}
