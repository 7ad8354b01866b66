package gatewaytest

import (
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
// budget, the identify buckets and the member request limit.
type botState struct {
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

// bot returns the state of a token, creating it.
func (s *Server) bot(token string) *botState {
	s.botsMu.Lock()
	defer s.botsMu.Unlock()
	b := s.bots[token]
	if b == nil {
		b = newBotState(s.cfg.SessionStartLimit)
		s.bots[token] = b
	}
	return b
}
