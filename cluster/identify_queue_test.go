package cluster

import (
	"context"
	"testing"
	"time"
)

func TestBucketQueueServesLowestShardFirst(t *testing.T) {
	var q bucketQueue
	ctx := context.Background()
	if err := q.enter(ctx, 99); err != nil {
		t.Fatal(err)
	}
	got := make(chan int, 4)
	for _, id := range []int{12, 4, 8} {
		go func() {
			if err := q.enter(ctx, id); err != nil {
				t.Error(err)
				return
			}
			got <- id
		}()
	}
	eventually(t, 5*time.Second, "three waiters queued", func() bool { return q.len() == 3 })
	for _, want := range []int{4, 8, 12} {
		q.leave()
		if id := <-got; id != want {
			t.Fatalf("turn went to shard %d, want %d", id, want)
		}
	}
	q.leave()
	if q.held {
		t.Fatal("queue still held after the last leave")
	}
}

func TestBucketQueueCancelledWaiterHoldsNothing(t *testing.T) {
	var q bucketQueue
	if err := q.enter(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := q.enter(ctx, 1); err == nil {
		t.Fatal("enter on a held queue returned before its context ended")
	}
	if q.len() != 0 {
		t.Fatalf("cancelled waiter still queued (%d)", q.len())
	}
	q.leave()
	if err := q.enter(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
}
