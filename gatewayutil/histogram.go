package gatewayutil

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// Histogram counts durations in logarithmic buckets, lock-free, so that
// many shards can share one: [Config.HeartbeatLateness] is one. Buckets are
// a microsecond wide up to 8 µs, then eight per power of two, so a quantile
// is exact to within 12.5% from a microsecond to days. The zero value is
// ready to use; a Histogram must not be copied after first use.
type Histogram struct {
	counts [histBuckets]atomic.Uint64
	n      atomic.Uint64
	sum    atomic.Int64 // nanoseconds
	max    atomic.Int64 // nanoseconds
}

// histBuckets covers values up to 2^40 µs (12 days); longer ones count in
// the last bucket.
const histBuckets = 38 * 8

// histBucket is the bucket of a duration of us microseconds: the value
// itself below 8, then 8 buckets per power of two.
func histBucket(us uint64) int {
	if us < 8 {
		return int(us)
	}
	shift := bits.Len64(us) - 4
	i := (shift+1)*8 + int(us>>uint(shift))&7
	return min(i, histBuckets-1)
}

// histUpper is the smallest duration, in microseconds, above bucket i.
func histUpper(i int) uint64 {
	if i < 8 {
		return uint64(i) + 1
	}
	shift := uint(i/8 - 1)
	return uint64(8+i%8+1) << shift
}

// Observe records one duration; negative ones count as zero.
func (h *Histogram) Observe(d time.Duration) {
	d = max(d, 0)
	h.counts[histBucket(uint64(d/time.Microsecond))].Add(1)
	h.n.Add(1)
	h.sum.Add(int64(d))
	for {
		m := h.max.Load()
		if int64(d) <= m || h.max.CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

// Count returns the number of durations recorded.
func (h *Histogram) Count() uint64 { return h.n.Load() }

// Max returns the longest duration recorded.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max.Load()) }

// Mean returns the average duration recorded, 0 if none was.
func (h *Histogram) Mean() time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	return time.Duration(h.sum.Load() / int64(n))
}

// Quantile returns a duration that at least a fraction q (in [0, 1]) of the
// recorded ones do not exceed: the upper edge of the bucket holding the
// q-quantile, never more than Max. It returns 0 when nothing was recorded.
// Recording while Quantile runs makes the answer approximate.
func (h *Histogram) Quantile(q float64) time.Duration {
	var total uint64
	var snap [histBuckets]uint64
	for i := range h.counts {
		snap[i] = h.counts[i].Load()
		total += snap[i]
	}
	if total == 0 {
		return 0
	}
	q = min(max(q, 0), 1)
	rank := uint64(math.Ceil(q * float64(total)))
	rank = max(rank, 1)
	var seen uint64
	for i, c := range snap {
		seen += c
		if seen >= rank {
			return min(time.Duration(histUpper(i))*time.Microsecond, h.Max())
		}
	}
	return h.Max()
}

// Reset forgets everything recorded. Recording while Reset runs may keep
// some of what was recorded meanwhile.
func (h *Histogram) Reset() {
	for i := range h.counts {
		h.counts[i].Store(0)
	}
	h.n.Store(0)
	h.sum.Store(0)
	h.max.Store(0)
}
