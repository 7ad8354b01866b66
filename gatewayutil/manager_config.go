package gatewayutil

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatewaykit/gateway/ratelimit"
)

// ManagerConfig configures a Manager. Shard holds what every shard shares
// (token, intents, encoding, compression, timeouts, sink); the Manager fills
// in each shard's id, count, session, identify limiter and session hook.
type ManagerConfig struct {
	// Shard is the template for every shard. Its Token is also used for
	// GET /gateway/bot. ShardID, ShardCount, Session, OnSession and
	// IdentifyLimiter are set by the Manager.
	Shard Config

	// ShardCount is the total number of shards of the bot; 0 uses the
	// count Discord recommends in GET /gateway/bot.
	ShardCount int
	// ShardIDs are the shards this process runs, a subset of
	// [0, ShardCount); nil runs them all. ParseShardIDs reads "0-3" and
	// "0,2,5".
	ShardIDs []int

	// APIBase is the REST base for GET /gateway/bot; default
	// DefaultAPIBase. HTTPClient makes the call; nil uses a default one.
	APIBase    string
	HTTPClient *http.Client
	// SkipGatewayBot starts without calling GET /gateway/bot: Shard.URL,
	// ShardCount and MaxConcurrency (or SessionStartLimit.MaxConcurrency)
	// must then be set, or NewManager refuses; no daily budget is enforced
	// unless SessionStartLimit is given.
	SkipGatewayBot bool
	// MaxConcurrency overrides session_start_limit.max_concurrency.
	MaxConcurrency int
	// SessionStartLimit, with SkipGatewayBot, is the budget to enforce.
	SessionStartLimit *ratelimit.SessionStartLimit

	// IdentifyLimiter schedules identifies; share one across processes to
	// run a bot's shards on several machines. Nil builds an in-process one
	// from max_concurrency, IdentifyWindow and the session start limit. If
	// it has a method Expect(shardIDs ...int), as
	// *ratelimit.LocalIdentifyLimiter does, the Manager announces the
	// shards it starts with it, so each bucket identifies lowest id first.
	IdentifyLimiter ratelimit.IdentifyLimiter
	// IdentifyWindow is the identify rate-limit window; default 5 s. Scale
	// it down only against a time-scaled emulator.
	IdentifyWindow time.Duration
	// IdentifyMargin is added to the identify window of the in-process
	// limiter, because Discord measures the window when identifies arrive,
	// and network jitter can bring two a little closer than they were sent.
	// Default a twentieth of the window (250 ms for 5 s).
	IdentifyMargin time.Duration

	// Store keeps sessions so that a restarted process resumes its shards
	// instead of identifying. Nil keeps them in memory only.
	Store SessionStore

	// RestartBackoff spaces out restarts of a shard whose Run returned an
	// error that is not fatal. Default DefaultBackoff.
	RestartBackoff Backoff
	// ReshardOverlap is how long, at least, both shard sets deliver events
	// during a reshard, with duplicates filtered, before the old set closes.
	// Default 5 s. The overlap goes on past it until every old shard has
	// caught up with the new set (or has been quiet for an overlap and owes
	// no event the new set delivered first), for at most ReshardMaxOverlap
	// (default 2 min). After the switch the new set filters on until every
	// new shard has passed the events the old set delivered for its guilds,
	// for at most ReshardMaxOverlap more.
	ReshardOverlap    time.Duration
	ReshardMaxOverlap time.Duration
	// AutoReshard, when a shard is closed with 4011 (sharding required),
	// reshards to the count GET /gateway/bot recommends (with Reshard, the
	// zero-downtime path) instead of stopping with a fatal error. Only for
	// a Manager that runs all shards (ShardIDs nil). The new set connects
	// at the identify limiter's pace, for as long as the Manager runs; when
	// the reshard cannot happen (GET /gateway/bot fails, or recommends no
	// more shards than were refused) the error goes to Fatal.
	AutoReshard bool

	// Logger is the one logger of everything the Manager runs: its own
	// logs, every shard's when Shard.Logger is nil, the shards' protocol
	// clients, and a *Dispatcher Shard.Sink without a DispatchLogger.
	// Default Shard.Logger, else slog.Default().
	Logger *slog.Logger
}

func (c *ManagerConfig) setDefaults() {
	if c.IdentifyWindow <= 0 {
		c.IdentifyWindow = ratelimit.DefaultIdentifyWindow
	}
	if c.IdentifyMargin <= 0 {
		c.IdentifyMargin = c.IdentifyWindow / 20
	}
	if c.RestartBackoff == (Backoff{}) {
		c.RestartBackoff = DefaultBackoff
	}
	if c.ReshardOverlap <= 0 {
		c.ReshardOverlap = 5 * time.Second
	}
	if c.ReshardMaxOverlap < c.ReshardOverlap {
		c.ReshardMaxOverlap = max(2*time.Minute, c.ReshardOverlap)
	}
	if c.Logger == nil {
		c.Logger = c.Shard.Logger
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Shard.Logger == nil {
		c.Shard.Logger = c.Logger
	}
	if d, ok := c.Shard.Sink.(*Dispatcher); ok {
		d.inheritLogger(c.Logger)
	}
}

func (c *ManagerConfig) validate() error {
	if c.ShardCount < 0 {
		return fmt.Errorf("shard count %d is negative", c.ShardCount)
	}
	if c.SkipGatewayBot && (c.ShardCount == 0 || c.Shard.URL == "") {
		return fmt.Errorf("SkipGatewayBot needs ShardCount and Shard.URL")
	}
	if c.MaxConcurrency < 0 {
		return fmt.Errorf("max concurrency %d is negative", c.MaxConcurrency)
	}
	if c.SkipGatewayBot && c.MaxConcurrency == 0 && (c.SessionStartLimit == nil || c.SessionStartLimit.MaxConcurrency < 1) {
		// Guessing 1 would be safe but could be 16 times too slow (a
		// 1,000-shard start taking 87 minutes instead of 5): ask.
		return fmt.Errorf("SkipGatewayBot needs MaxConcurrency (session_start_limit.max_concurrency from GET /gateway/bot; 1 unless Discord raised it for the bot)")
	}
	seen := map[int]bool{}
	for _, id := range c.ShardIDs {
		if id < 0 || (c.ShardCount > 0 && id >= c.ShardCount) {
			return fmt.Errorf("shard id %d is outside [0, %d)", id, c.ShardCount)
		}
		if seen[id] {
			return fmt.Errorf("shard id %d listed twice", id)
		}
		seen[id] = true
	}
	return nil
}

// ParseShardIDs reads a set of shard ids written as ranges and lists, such
// as "0-3", "0,2,5" or "0-3,8,10-11", into a sorted list without repeats.
// An empty string is nil: every shard.
func ParseShardIDs(s string) ([]int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var out []int
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil || a < 0 {
			return nil, fmt.Errorf("shard ids %q: %q is not a shard id", s, lo)
		}
		b := a
		if isRange {
			b, err = strconv.Atoi(strings.TrimSpace(hi))
			if err != nil || b < a {
				return nil, fmt.Errorf("shard ids %q: bad range %q", s, part)
			}
			if b-a > 1<<20 {
				return nil, fmt.Errorf("shard ids %q: range %q is too large", s, part)
			}
		}
		for id := a; id <= b; id++ {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
