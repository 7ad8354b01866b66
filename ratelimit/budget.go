package ratelimit

import (
	"errors"
	"fmt"
	"time"
)

// DefaultBudgetPeriod is how long a daily session start budget lasts.
const DefaultBudgetPeriod = 24 * time.Hour

// SessionStartLimit is the session_start_limit object of GET /gateway/bot
// (docs/protocol.md §1.3): the bot's daily identify budget and its identify
// concurrency.
type SessionStartLimit struct {
	// Total is how many session starts (identifies) the bot may make per
	// budget period.
	Total int
	// Remaining is how many are left in the current period.
	Remaining int
	// ResetAfter is how long until Remaining goes back to Total.
	ResetAfter time.Duration
	// MaxConcurrency is how many identifies may start per 5 s, one per
	// bucket shard_id % MaxConcurrency.
	MaxConcurrency int
}

// ErrBudgetExhausted is matched (errors.Is) by a [*BudgetError]: the daily
// session start budget is too low for what was asked.
var ErrBudgetExhausted = errors.New("session start budget exhausted")

// BudgetError refuses identifies that the daily session start budget cannot
// pay for. Running the budget out gets the bot's token reset by Discord, so
// the limiters refuse before that happens.
type BudgetError struct {
	// Remaining is how many session starts were left.
	Remaining int
	// Needed is how many were asked for.
	Needed int
	// Reserve is how many the limiter keeps back and will not spend.
	Reserve int
	// ResetAt is when the budget resets; the zero time if unknown.
	ResetAt time.Time
	// ResetAfter is how long after the refusal the budget resets; 0 if
	// unknown.
	ResetAfter time.Duration
}

// Error gives what remains of the budget against what is needed, the
// reserve, and when the budget resets, if known.
func (e *BudgetError) Error() string {
	reset := "reset time unknown"
	if !e.ResetAt.IsZero() {
		reset = "resets in " + e.ResetAfter.Round(time.Second).String()
		if e.ResetAfter < time.Second {
			reset = "resets in " + e.ResetAfter.String()
		}
	}
	reserve := ""
	if e.Reserve > 0 {
		reserve = fmt.Sprintf(", %d kept in reserve", e.Reserve)
	}
	return fmt.Sprintf("ratelimit: %v: %d remaining, %d needed%s; %s",
		ErrBudgetExhausted, e.Remaining, e.Needed, reserve, reset)
}

// Is makes errors.Is(err, ErrBudgetExhausted) true.
func (e *BudgetError) Is(target error) bool { return target == ErrBudgetExhausted }

// budget tracks a daily session start budget. The zero value is an unknown
// budget, which is not enforced.
type budget struct {
	known     bool
	total     int
	remaining int
	resetAt   time.Time
	period    time.Duration
}

// set replaces the budget with a fresh report, seen at now. inFlight
// identifies may already be counted locally but not yet by the server that
// made the report, so they are taken off it: fail closed.
func (b *budget) set(l SessionStartLimit, now time.Time, inFlight int) {
	b.known = true
	b.total = max(l.Total, 0)
	b.remaining = max(l.Remaining-inFlight, 0)
	b.resetAt = now.Add(max(l.ResetAfter, 0))
}

// roll refills the budget once its reset time has passed, and moves the
// reset time on by whole periods.
func (b *budget) roll(now time.Time) {
	if !b.known || now.Before(b.resetAt) {
		return
	}
	b.remaining = b.total
	if b.period <= 0 {
		return
	}
	periods := now.Sub(b.resetAt)/b.period + 1
	b.resetAt = b.resetAt.Add(periods * b.period)
}

// check returns a *BudgetError if spending n would leave fewer than reserve.
func (b *budget) check(now time.Time, n, reserve int) error {
	b.roll(now)
	if !b.known || b.remaining-n >= reserve {
		return nil
	}
	return &BudgetError{
		Remaining:  b.remaining,
		Needed:     n,
		Reserve:    reserve,
		ResetAt:    b.resetAt,
		ResetAfter: b.resetAt.Sub(now),
	}
}

// spend takes one session start.
func (b *budget) spend() {
	if b.known && b.remaining > 0 {
		b.remaining--
	}
}

// snapshot reports the budget as a SessionStartLimit seen at now.
func (b *budget) snapshot(now time.Time) (SessionStartLimit, bool) {
	b.roll(now)
	if !b.known {
		return SessionStartLimit{}, false
	}
	return SessionStartLimit{Total: b.total, Remaining: b.remaining, ResetAfter: b.resetAt.Sub(now)}, true
}
