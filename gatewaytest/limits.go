package gatewaytest

import (
	"slices"
	"sync"
	"time"
)

// commandWindow counts a connection's payloads over the sliding command
// window (docs/protocol.md §8: 120 per 60 s, every payload counts).
type commandCounter struct {
	times [commandLimit]int64 // unix nanoseconds of the most recent payloads
	n     int
	head  int
}

// add records a payload at now and returns how many payloads, this one
// included, fall within the window ending now.
func (w *commandCounter) add(now, window int64) int {
	count := 1
	for i := 0; i < w.n; i++ {
		if w.times[(w.head+i)%commandLimit] > now-window {
			count++
		}
	}
	if w.n < commandLimit {
		w.times[(w.head+w.n)%commandLimit] = now
		w.n++
	} else {
		w.times[w.head] = now
		w.head = (w.head + 1) % commandLimit
	}
	return count
}

// botState is what the gateway tracks per token: the daily session start
// budget, the identify buckets and the member request limit. Its maps are
// keyed by bucket (below MaxConcurrency) and by generated guild, so they
// are bounded by the configuration.
type botState struct {
	lastUsed time.Time // under Server.botsMu

	mu        sync.Mutex
	remaining int
	resetAt   time.Time
	// lastIdentify is the time of the last accepted identify per bucket.
	lastIdentify map[int]time.Time
	// attempts are the identify attempts per bucket within the window, for
	// the statistics.
	attempts   map[int][]time.Time
	memberReqs map[uint64]time.Time // guild → last all-members request
}

func newBotState(total int) *botState {
	return &botState{
		remaining:    total,
		lastIdentify: make(map[int]time.Time),
		attempts:     make(map[int][]time.Time),
		memberReqs:   make(map[uint64]time.Time),
	}
}

// forgettable reports whether forgetting the state changes nothing: the
// budget is full (or due for its reset) and every window has passed, so a
// fresh botState would decide everything the same way.
func (b *botState) forgettable(s *Server, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.remaining < s.cfg.SessionStartLimit && now.Before(b.resetAt) {
		return false
	}
	window := s.cfg.scale(identifyWindow)
	for _, t := range b.lastIdentify {
		if now.Sub(t) < window {
			return false
		}
	}
	gap := s.cfg.scale(memberRequestGap)
	for _, t := range b.memberReqs {
		if now.Sub(t) < gap {
			return false
		}
	}
	return true
}

// resetLocked refills the session start budget when its window is over.
func (b *botState) resetLocked(s *Server, now time.Time) {
	if b.resetAt.IsZero() || !now.Before(b.resetAt) {
		if !b.resetAt.IsZero() {
			b.remaining = s.cfg.SessionStartLimit
		}
		b.resetAt = now.Add(s.cfg.scale(sessionStartReset))
	}
}

// Results of admitIdentify.
const (
	identifyOK = iota
	identifyTooFast
	identifyExhausted
)

// admitIdentify decides whether an identify for shardID may start a
// session now: one per identify window per bucket (shard_id %
// max_concurrency, docs/protocol.md §9), and only while session starts remain.
func (b *botState) admitIdentify(s *Server, shardID int, now time.Time) int {
	window := s.cfg.scale(identifyWindow)
	bucket := shardID % s.cfg.MaxConcurrency
	b.mu.Lock()
	defer b.mu.Unlock()
	b.resetLocked(s, now)

	att := b.attempts[bucket]
	keep := att[:0]
	for _, t := range att {
		if now.Sub(t) < window {
			keep = append(keep, t)
		}
	}
	keep = append(keep, now)
	b.attempts[bucket] = keep
	s.stats.noteIdentifyBurst(len(keep))

	if b.remaining <= 0 {
		return identifyExhausted
	}
	if last, ok := b.lastIdentify[bucket]; ok && now.Sub(last) < window {
		return identifyTooFast
	}
	b.lastIdentify[bucket] = now
	b.remaining--
	return identifyOK
}

// startLimit returns the session_start_limit numbers for GET /gateway/bot.
func (b *botState) startLimit(s *Server, now time.Time) (remaining int, resetAfter time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.resetLocked(s, now)
	return b.remaining, b.resetAt.Sub(now)
}

// admitMemberRequest applies the all-members request limit: one per guild
// per 30 s. It returns how long to wait when refused.
func (b *botState) admitMemberRequest(s *Server, guild uint64, now time.Time) (time.Duration, bool) {
	gap := s.cfg.scale(memberRequestGap)
	b.mu.Lock()
	defer b.mu.Unlock()
	if last, ok := b.memberReqs[guild]; ok && now.Sub(last) < gap {
		return gap - now.Sub(last), false
	}
	b.memberReqs[guild] = now
	return 0, true
}

// tokenOK reports whether a token is accepted.
func (s *Server) tokenOK(token string) bool {
	if token == "" {
		return false
	}
	if len(s.cfg.Tokens) == 0 {
		return true
	}
	for _, t := range s.cfg.Tokens {
		if t == token {
			return true
		}
	}
	return false
}

// bot returns the state of a token, creating it. When StateLimit tokens
// are tracked already, the least recently used eighth of them is forgotten
// first (their budgets start afresh if they come back): any token is
// accepted when Config.Tokens is empty, so clients choose how many there
// are.
func (s *Server) bot(token string) *botState {
	now := time.Now()
	s.botsMu.Lock()
	defer s.botsMu.Unlock()
	b := s.bots[token]
	if b == nil {
		if len(s.bots) >= s.cfg.StateLimit {
			s.evictBotsLocked(max(1, s.cfg.StateLimit/8))
		}
		b = newBotState(s.cfg.SessionStartLimit)
		s.bots[token] = b
	}
	b.lastUsed = now
	return b
}

// evictBotsLocked forgets the n least recently used tokens.
func (s *Server) evictBotsLocked(n int) {
	type entry struct {
		token string
		used  time.Time
	}
	all := make([]entry, 0, len(s.bots))
	for t, b := range s.bots {
		all = append(all, entry{t, b.lastUsed})
	}
	slices.SortFunc(all, func(a, b entry) int { return a.used.Compare(b.used) })
	for _, e := range all[:min(n, len(all))] {
		delete(s.bots, e.token)
	}
	s.log.Debug("tokens forgotten: StateLimit reached", "forgotten", min(n, len(all)), "limit", s.cfg.StateLimit)
}

// sweepBots forgets the tokens whose state is the same as a fresh one's.
func (s *Server) sweepBots(now time.Time) {
	s.botsMu.Lock()
	defer s.botsMu.Unlock()
	for t, b := range s.bots {
		if b.forgettable(s, now) {
			delete(s.bots, t)
		}
	}
}
