// Package ratelimit keeps a gateway client inside Discord's send-side limits.
//
// Three limits apply to a bot (docs/protocol.md §8, §9):
//
//   - Every connection may send at most 120 commands in any 60 s window;
//     going over closes the connection with 4008. [CommandLimiter] enforces
//     this with a sliding window and keeps room for heartbeats, identify and
//     resume, so ordinary commands (presence updates, member requests) can
//     never starve the heartbeat that keeps the connection alive. Create one
//     per connection with [NewCommandLimiter]; call [CommandLimiter.Wait]
//     before each ordinary command and [CommandLimiter.WaitPriority] before a
//     heartbeat, identify or resume.
//   - Identifies are limited per bucket, shard_id % max_concurrency: one
//     identify per bucket per 5 s. [IdentifyLimiter] is the contract; the
//     in-process implementation is [LocalIdentifyLimiter], and a
//     cross-process backend (Redis, a coordinator service) can implement the
//     same interface so many processes share one schedule.
//   - The daily session start budget (session_start_limit in
//     GET /gateway/bot, described by [SessionStartLimit]) is enforced by the
//     identify limiter, fail-closed: it refuses to identify rather than risk
//     a token reset, with a [*BudgetError] that says when the budget resets.
//
// Every limiter reads time through a [Clock], [SystemClock] by default, so
// tests can drive it deterministically; windows are configurable so an
// emulator that scales time can scale the limits too.
//
// This package imports nothing else of this module: it is the bottom of the
// runtime and can be used by any shard implementation.
package ratelimit
