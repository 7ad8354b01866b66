package gatewayutil

import (
	"math/rand/v2"
	"time"
)

// Backoff spaces out reconnection attempts that keep failing: attempt n
// (from 0) waits a random duration in [0, min(Max, Base·2ⁿ)] ("full
// jitter"), so a fleet of shards cut off at once does not reconnect in
// lockstep. Only a connection that stayed connected for Config.StableAfter
// after READY or RESUMED resets the count: one that a gateway ends as soon
// as it started counts as a failure, so a session ended after every READY
// is retried ever more slowly (TestHostileShardBacksOff).
type Backoff struct {
	// Base is the upper bound of the first wait. Default 1 s.
	Base time.Duration
	// Max caps every wait. Default 2 min.
	Max time.Duration
}

// DefaultBackoff is used for the zero Backoff.
var DefaultBackoff = Backoff{Base: time.Second, Max: 2 * time.Minute}

func (b Backoff) withDefaults() Backoff {
	if b.Base <= 0 {
		b.Base = DefaultBackoff.Base
	}
	if b.Max <= 0 {
		b.Max = DefaultBackoff.Max
	}
	if b.Max < b.Base {
		b.Max = b.Base
	}
	return b
}

// Delay returns how long to wait before attempt n (0 for the first retry).
func (b Backoff) Delay(n int) time.Duration {
	b = b.withDefaults()
	ceiling := b.Base
	for i := 0; i < n && ceiling < b.Max; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, b.Max)
	return rand.N(ceiling + 1)
}

// jitterBetween returns a random duration in [lo, hi].
func jitterBetween(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + rand.N(hi-lo+1)
}
