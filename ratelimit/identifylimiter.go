package ratelimit

import (
	"context"
	"errors"
	"time"
)

// DefaultIdentifyWindow is how long an identify bucket stays closed after an
// identify starts (docs/protocol.md §9).
const DefaultIdentifyWindow = 5 * time.Second

// ErrInvalidShard is matched by the error for a negative shard id.
var ErrInvalidShard = errors.New("invalid shard id")

// IdentifyLimiter schedules identifies across the shards of one bot. The
// in-process implementation is [LocalIdentifyLimiter]; a backend shared by
// several processes (Redis, a coordinator) implements the same contract so
// that every process of a bot draws on one schedule and one budget.
//
// Implementations must be safe for concurrent use and must guarantee:
//
//   - Buckets. Shard s belongs to bucket s % max_concurrency. When Acquire
//     returns a ticket for a bucket, no other ticket of that bucket is held,
//     and at least the identify window (5 s) has passed since the previous
//     ticket's identify was sent (its Sent was called), or else since it
//     was released (Done, or the implementation's hold limit). So a
//     bucket's identifies are a window apart however late each was sent
//     after its grant: Discord measures the window on arrival.
//   - Budget. Granting a ticket spends one session start, whether or not
//     the identify later succeeds (Discord counts what it receives, and
//     refunding on failure could overspend). Acquire and CanStart refuse
//     with an error matching [ErrBudgetExhausted] (a [*BudgetError] where
//     possible) rather than let the budget fall below the implementation's
//     reserve; they never wait for the budget to reset. An implementation
//     that was never given a budget does not enforce one.
//   - Cancellation. If ctx ends before a ticket is granted, Acquire returns
//     an error matching ctx.Err(), and nothing is held or spent.
//   - Order. Waiters of a bucket should be served lowest shard id first,
//     so a fleet starting at once comes up in Discord's recommended order.
type IdentifyLimiter interface {
	// Acquire blocks until shardID may send an Identify and returns the
	// ticket that holds its bucket. The caller sends the Identify, then
	// calls the ticket's Done once when READY arrives or the attempt
	// fails.
	Acquire(ctx context.Context, shardID int) (Ticket, error)
	// CanStart returns nil if n more identifies fit in the budget (above
	// the reserve), and an error matching ErrBudgetExhausted if not. It
	// spends and holds nothing: a Manager calls it before starting n
	// shards so that it can refuse before identifying any of them.
	CanStart(ctx context.Context, n int) error
	// UpdateBudget replaces the tracked budget with a fresh
	// session_start_limit from GET /gateway/bot.
	UpdateBudget(ctx context.Context, limit SessionStartLimit) error
}

// Ticket holds an identify bucket from [IdentifyLimiter.Acquire] until the
// identify is over.
type Ticket interface {
	// Sent records that the Identify was written to the socket. The
	// bucket's next identify waits a window from then, which is as close
	// as a client can get to when Discord receives it. Without Sent the
	// window counts from Done, which is later and so safe too. Call it at
	// most once, before Done.
	Sent()
	// Done releases the bucket. ok reports whether the identify succeeded
	// (READY arrived); it is recorded but changes neither the schedule nor
	// the budget. Call it exactly once; later calls do nothing.
	Done(ok bool)
}

// Bucket returns the identify bucket of a shard: shardID % maxConcurrency
// (0 if maxConcurrency is less than 1).
func Bucket(shardID, maxConcurrency int) int {
	if maxConcurrency < 1 || shardID < 0 {
		return 0
	}
	return shardID % maxConcurrency
}
