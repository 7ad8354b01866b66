package gatewayutil_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// discardSetup subscribes a queued handler that blocks on its first call
// until release is closed, and dispatches n events to it; it returns once
// the first call has started, so n-1 deliveries are queued behind it.
func discardSetup(t *testing.T, mode gatewayutil.DeliveryMode, n int) (d *gatewayutil.Dispatcher, cancel func(), release chan struct{}, calls *int) {
	t.Helper()
	d = gatewayutil.NewDispatcher()
	release = make(chan struct{})
	started := make(chan struct{}, n)
	calls = new(int)
	cancel = d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) {
		started <- struct{}{}
		<-release
	}, gatewayutil.Deliver(mode), gatewayutil.QueueSize(n), gatewayutil.Lanes(1))
	for i := 1; i <= n; i++ {
		if err := d.Dispatch(context.Background(), msg(int64(i), 7, 8, 9)); err != nil {
			t.Fatal(err)
		}
	}
	<-started
	*calls = 1
	if mode == gatewayutil.Goroutine {
		// Every delivery has its own goroutine, all started.
		for range n - 1 {
			<-started
		}
		*calls = n
	}
	return d, cancel, release, calls
}

// Deliveries still queued when their subscription is cancelled are counted
// as Discarded; before, they were counted nowhere, so Received did not
// add up.
func TestDispatcherCountsDeliveriesDiscardedByCancel(t *testing.T) {
	noLeak(t)
	const n = 8
	d, cancel, release, _ := discardSetup(t, gatewayutil.PerGuild, n)
	cancel()
	close(release)
	waitFor(t, "the queue discarded", func() bool {
		s := d.Stats().Events[event.MessageCreate]
		return s.Delivered+s.Discarded == n
	})
	s := d.Stats().Events[event.MessageCreate]
	if s.Received != n || s.Delivered != 1 || s.Discarded != n-1 || s.Dropped != 0 {
		t.Fatalf("stats %+v; want %d received, 1 delivered, %d discarded", s, n, n-1)
	}
	closeOK(t, d)
}

// Close whose ctx ends discards what is still queued, and counts it.
func TestDispatcherCountsDeliveriesDiscardedByClose(t *testing.T) {
	noLeak(t)
	const n = 8
	d, _, release, _ := discardSetup(t, gatewayutil.PerGuild, n)
	ctx, cancelCtx := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancelCtx()
	if err := d.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close: %v, want the deadline", err)
	}
	close(release)
	waitFor(t, "the queue discarded", func() bool {
		s := d.Stats().Events[event.MessageCreate]
		return s.Delivered+s.Discarded == n
	})
	s := d.Stats().Events[event.MessageCreate]
	if s.Delivered != 1 || s.Discarded != n-1 {
		t.Fatalf("stats %+v; want 1 delivered, %d discarded", s, n-1)
	}
	if tot := d.Stats().Total(); tot.Discarded != n-1 {
		t.Fatalf("Total %+v does not sum Discarded", tot)
	}
	closeOK(t, d)
}

// A Dispatch blocked on a full queue when Close starts, or when the
// subscription is cancelled, counts its delivery as Discarded too.
func TestDispatcherCountsBlockedDispatchDiscarded(t *testing.T) {
	noLeak(t)
	for _, mode := range []gatewayutil.DeliveryMode{gatewayutil.PerGuild, gatewayutil.Goroutine} {
		for _, how := range []string{"cancel", "close"} {
			t.Run(mode.String()+"/"+how, func(t *testing.T) {
				d, cancel, release, calls := discardSetup(t, mode, 2)
				if mode == gatewayutil.PerGuild {
					// Fill the lane (one running, two queued).
					if err := d.Dispatch(context.Background(), msg(3, 7, 8, 9)); err != nil {
						t.Fatal(err)
					}
				}
				before := d.Stats().Events[event.MessageCreate].Received
				blocked := make(chan error, 1)
				go func() { blocked <- d.Dispatch(context.Background(), msg(99, 7, 8, 9)) }()
				// Once it counted the event it is bound to the subscription
				// and can only wait: its queue is full.
				waitFor(t, "the Dispatch under way", func() bool {
					return d.Stats().Events[event.MessageCreate].Received == before+1
				})
				closeDone := make(chan error, 1)
				if how == "cancel" {
					cancel()
				} else {
					go func() { closeDone <- d.Close(context.Background()) }()
				}
				err := <-blocked
				if how == "close" && !errors.Is(err, gatewayutil.ErrDispatcherClosed) {
					t.Fatalf("blocked Dispatch returned %v", err)
				}
				close(release)
				if how == "close" {
					if err := <-closeDone; err != nil {
						t.Fatal(err)
					}
				} else {
					closeOK(t, d)
				}
				s := d.Stats().Events[event.MessageCreate]
				if s.Discarded == 0 || s.Delivered+s.Discarded != s.Received {
					t.Fatalf("stats %+v (%d calls started before): every received delivery must be delivered or discarded", s, *calls)
				}
			})
		}
	}
}
