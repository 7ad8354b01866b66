package ratelimit

import (
	"context"
	"fmt"
	"time"
)

// sleep blocks until d has passed on clock, wake is closed, or ctx is done,
// whichever comes first. A negative d means no timer: only wake or ctx end
// the wait. It returns a non-nil error only when ctx ended the wait.
func sleep(ctx context.Context, clock Clock, d time.Duration, wake <-chan struct{}, what string) error {
	var fire <-chan time.Time
	if d >= 0 {
		t := clock.NewTimer(d)
		defer t.Stop()
		fire = t.C()
	}
	select {
	case <-ctx.Done():
		return ctxError(ctx, what)
	case <-fire:
	case <-wake:
	}
	return nil
}

// ctxError wraps the reason ctx ended so that errors.Is matches both
// ctx.Err() (context.Canceled or context.DeadlineExceeded) and, when the
// context was cancelled with a cause, that cause.
func ctxError(ctx context.Context, what string) error {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && cause != err {
		return fmt.Errorf("ratelimit: waiting for %s: %w: %w", what, err, cause)
	}
	return fmt.Errorf("ratelimit: waiting for %s: %w", what, err)
}
