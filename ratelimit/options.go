package ratelimit

import (
	"errors"
	"time"
)

// ErrInvalidOption is matched by the error a constructor returns for an
// option value it cannot use.
var ErrInvalidOption = errors.New("invalid rate limiter option")

// CommandOption configures a [CommandLimiter].
type CommandOption func(*commandConfig)

type commandConfig struct {
	limit    int
	window   time.Duration
	margin   int
	interval time.Duration
	clock    Clock
}

// WithCommandLimit sets how many commands may be sent in any window of the
// given length: Discord's limit is 120 per 60 s ([DefaultCommandLimit],
// [DefaultCommandWindow]). Scale window when the server scales time.
func WithCommandLimit(limit int, window time.Duration) CommandOption {
	return func(c *commandConfig) { c.limit, c.window = limit, window }
}

// WithHeartbeatInterval sets the heartbeat interval from Hello up front;
// see [CommandLimiter.SetHeartbeatInterval].
func WithHeartbeatInterval(d time.Duration) CommandOption {
	return func(c *commandConfig) { c.interval = d }
}

// WithPriorityMargin sets how many priority commands are kept in reserve on
// top of the heartbeats the interval calls for: an identify or resume, and
// heartbeats the server requests with op 1. The default is
// [DefaultPriorityMargin].
func WithPriorityMargin(n int) CommandOption {
	return func(c *commandConfig) { c.margin = n }
}

// WithCommandClock makes the limiter read time from clock instead of
// [SystemClock].
func WithCommandClock(clock Clock) CommandOption {
	return func(c *commandConfig) { c.clock = clock }
}

// IdentifyOption configures a [LocalIdentifyLimiter].
type IdentifyOption func(*identifyConfig)

type identifyConfig struct {
	window    time.Duration
	holdLimit time.Duration
	reserve   int
	period    time.Duration
	limit     *SessionStartLimit
	clock     Clock
}

// WithIdentifyWindow sets how long a bucket stays closed after an identify
// starts: Discord's 5 s ([DefaultIdentifyWindow]). Scale it when the server
// scales time.
func WithIdentifyWindow(d time.Duration) IdentifyOption {
	return func(c *identifyConfig) { c.window = d }
}

// WithHoldLimit bounds how long a [Ticket] may hold its bucket: after d
// without Done the slot is treated as failed and released, so a shard that
// forgets its ticket cannot stall its bucket for ever. The default is six
// identify windows (30 s unscaled), far longer than READY takes.
func WithHoldLimit(d time.Duration) IdentifyOption {
	return func(c *identifyConfig) { c.holdLimit = d }
}

// WithBudgetReserve keeps n session starts back: an identify is refused
// when it would leave fewer than n of the daily budget. The default, 0,
// refuses only when nothing is left.
func WithBudgetReserve(n int) IdentifyOption {
	return func(c *identifyConfig) { c.reserve = n }
}

// WithBudgetPeriod sets how long a session start budget lasts once it has
// reset (24 h, [DefaultBudgetPeriod]); scale it when the server scales time.
func WithBudgetPeriod(d time.Duration) IdentifyOption {
	return func(c *identifyConfig) { c.period = d }
}

// WithSessionStartLimit starts the limiter with a known daily budget, as
// returned by GET /gateway/bot; see [LocalIdentifyLimiter.UpdateBudget].
// Its MaxConcurrency is ignored: the limiter's is fixed at construction.
func WithSessionStartLimit(l SessionStartLimit) IdentifyOption {
	return func(c *identifyConfig) { c.limit = &l }
}

// WithIdentifyClock makes the limiter read time from clock instead of
// [SystemClock].
func WithIdentifyClock(clock Clock) IdentifyOption {
	return func(c *identifyConfig) { c.clock = clock }
}
