package gatewayutil_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway/gatewayutil"
)

// Quantiles agree with the exact ones from sorted samples to within the
// bucket width (12.5%, or a microsecond for the smallest), never below.
func TestHistogramQuantiles(t *testing.T) {
	var h gatewayutil.Histogram
	require.Zero(t, h.Quantile(0.5))
	rng := rand.New(rand.NewPCG(1, 2))
	samples := make([]time.Duration, 20000)
	for i := range samples {
		// Log-uniform from 100 ns to 10 s.
		samples[i] = time.Duration(100 * float64(time.Nanosecond) * math.Pow(10, rng.Float64()*8))
		h.Observe(samples[i])
	}
	slices.Sort(samples)
	require.Equal(t, uint64(len(samples)), h.Count())
	require.Equal(t, samples[len(samples)-1], h.Max())
	for _, q := range []float64{0, 0.01, 0.5, 0.9, 0.99, 0.999, 1} {
		exact := samples[max(0, int(float64(len(samples))*q+0.999999)-1)]
		got := h.Quantile(q)
		require.GreaterOrEqual(t, got, exact, "q=%v", q)
		require.LessOrEqual(t, got, exact+exact/8+time.Microsecond, "q=%v", q)
	}
	var sum time.Duration
	for _, s := range samples {
		sum += s
	}
	require.InDelta(t, float64(sum/time.Duration(len(samples))), float64(h.Mean()), float64(time.Microsecond))
	h.Reset()
	require.Zero(t, h.Count())
	require.Zero(t, h.Quantile(0.99))
}

// Shards record into one Histogram at once.
func TestHistogramConcurrent(t *testing.T) {
	var h gatewayutil.Histogram
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				h.Observe(time.Duration(g*1000+i) * time.Microsecond)
			}
		})
	}
	wg.Wait()
	require.Equal(t, uint64(8000), h.Count())
	require.Equal(t, 7999*time.Microsecond, h.Max())
	require.InDelta(t, float64(4000*time.Microsecond), float64(h.Quantile(0.5)), float64(4000*time.Microsecond)/8)
}

func ExampleHistogram() {
	var late gatewayutil.Histogram // share one among shards: Config.HeartbeatLateness
	for _, ms := range []int{1, 2, 2, 3, 40} {
		late.Observe(time.Duration(ms) * time.Millisecond)
	}
	fmt.Println(late.Count(), late.Quantile(0.5) >= 2*time.Millisecond, late.Max())
	// Output: 5 true 40ms
}
