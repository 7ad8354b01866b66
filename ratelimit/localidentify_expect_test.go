package ratelimit

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// grantOrder returns the shards in the order they were granted.
func grantOrder(grants []identifyGrant) []int {
	var order []int
	for _, g := range grants {
		order = append(order, g.shard)
	}
	return order
}

// Expected shards are waited for: a bucket's first grant goes to the
// lowest expected shard even when a higher one calls Acquire first.
func TestIdentifyLimiterExpectServesLowestFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := newFakeClock()
		l := newTestIdentifyLimiter(t, clock, 2)
		grants := recordGrants(l)
		ctx := t.Context()
		l.Expect(0, 1, 2, 3, 4, 5)
		acquire := func(shard int) {
			go func() {
				tk, err := l.Acquire(ctx, shard)
				if err != nil {
					t.Error(err)
					return
				}
				tk.Done(true)
			}()
			synctest.Wait()
		}
		// Bucket 0: 4 arrives first, then 2, then 0. Bucket 1: 1 first.
		acquire(4)
		acquire(1)
		if got := grantOrder(grants()); !slices.Equal(got, []int{1}) {
			t.Fatalf("granted %v before shard 0 and 2 arrived; want only 1 (lowest of bucket 1)", got)
		}
		acquire(2)
		acquire(0)
		acquire(5)
		acquire(3)
		for range 3 {
			clock.Advance(DefaultIdentifyWindow)
			synctest.Wait()
		}
		// Grants of the two buckets at the same instant come in either
		// order: check each bucket's own.
		var perBucket [2][]int
		for _, shard := range grantOrder(grants()) {
			perBucket[shard%2] = append(perBucket[shard%2], shard)
		}
		if want := [2][]int{{0, 2, 4}, {1, 3, 5}}; !slices.Equal(perBucket[0], want[0]) || !slices.Equal(perBucket[1], want[1]) {
			t.Fatalf("order per bucket %v, want %v", perBucket, want)
		}
	})
}

// An expected shard that never comes holds the higher ones of its bucket
// back for one identify window, no more.
func TestIdentifyLimiterExpectExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := newFakeClock()
		l := newTestIdentifyLimiter(t, clock, 1)
		grants := recordGrants(l)
		ctx := t.Context()
		l.Expect(0, 7)
		go func() {
			tk, err := l.Acquire(ctx, 7)
			if err != nil {
				t.Error(err)
				return
			}
			tk.Done(true)
		}()
		synctest.Wait()
		clock.Advance(DefaultIdentifyWindow - time.Millisecond)
		synctest.Wait()
		if len(grants()) != 0 {
			t.Fatalf("shard 7 granted before shard 0's expectation expired")
		}
		clock.Advance(time.Millisecond)
		synctest.Wait()
		if got := grantOrder(grants()); !slices.Equal(got, []int{7}) {
			t.Fatalf("granted %v, want [7] once shard 0's window passed", got)
		}
		// An expected shard holds back only higher ids: 3 goes at once
		// (once 7's window passed) though 9 is expected.
		clock.Advance(DefaultIdentifyWindow)
		synctest.Wait()
		l.Expect(9)
		tk, err := l.Acquire(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		tk.Done(true)
		if got := grantOrder(grants()); !slices.Equal(got, []int{7, 3}) {
			t.Fatalf("granted %v, want [7 3]", got)
		}
	})
}
