package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatewaykit/gateway/ratelimit"
)

// A shard gets one CommandLimiter per connection and sizes its heartbeat
// reserve from Hello; a Manager shares one identify limiter between shards
// and checks the daily budget before starting any of them.
func Example() {
	ctx := context.Background()

	// Discord's limit, with the heartbeat interval from Hello: 5 of the 120
	// commands per minute are kept for heartbeats, identify and resume.
	commands, err := ratelimit.NewCommandLimiter(ratelimit.WithHeartbeatInterval(41250 * time.Millisecond))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := commands.WaitPriority(ctx); err != nil { // before the Identify
		fmt.Println(err)
		return
	}
	for range 3 {
		if err := commands.Wait(ctx); err != nil { // before each presence update
			fmt.Println(err)
			return
		}
	}
	s := commands.Stats()
	fmt.Printf("commands: %d sent, %d reserved of %d per %v\n", s.Sent, s.Reserved, s.Limit, s.Window)

	// session_start_limit as GET /gateway/bot reported it.
	limit := ratelimit.SessionStartLimit{Total: 1000, Remaining: 3, ResetAfter: 4 * time.Hour, MaxConcurrency: 16}
	identifies, err := ratelimit.NewLocalIdentifyLimiter(limit.MaxConcurrency, ratelimit.WithSessionStartLimit(limit))
	if err != nil {
		fmt.Println(err)
		return
	}
	// Eight shards to start, three session starts left: refuse up front.
	err = identifies.CanStart(ctx, 8)
	fmt.Println(errors.Is(err, ratelimit.ErrBudgetExhausted), err)

	// Two shards fit: each identify holds its bucket until READY.
	for shard := range 2 {
		ticket, err := identifies.Acquire(ctx, shard)
		if err != nil {
			fmt.Println(err)
			return
		}
		// ... send Identify, wait for READY ...
		ticket.Done(true)
	}
	b, _ := identifies.Budget()
	fmt.Printf("identifies: %d of %d left, bucket of shard 17: %d\n", b.Remaining, b.Total, ratelimit.Bucket(17, b.MaxConcurrency))

	// Output:
	// commands: 4 sent, 5 reserved of 120 per 1m0s
	// true ratelimit: session start budget exhausted: 3 remaining, 8 needed; resets in 4h0m0s
	// identifies: 1 of 1000 left, bucket of shard 17: 1
}
