package main

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/gatewaykit/gateway/ratelimit"
)

// sentLog records, for the soak, when every identify was sent, by bucket:
// the client's side of the identify schedule, to tell a limiter that granted
// too early from an emulator that read an identify late.
type sentLog struct {
	mu      sync.Mutex
	maxConc int
	sent    map[int][]time.Time
}

func newSentLog(maxConc int) *sentLog {
	return &sentLog{maxConc: maxConc, sent: map[int][]time.Time{}}
}

// wrap returns lim with every ticket's Sent recorded.
func (l *sentLog) wrap(lim ratelimit.IdentifyLimiter) ratelimit.IdentifyLimiter {
	return &loggedLimiter{IdentifyLimiter: lim, log: l}
}

// minGap returns the smallest time between two identifies sent in the same
// bucket, and how many pairs came closer than window.
func (l *sentLog) minGap(window time.Duration) (time.Duration, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	gap, under := time.Duration(-1), 0
	for _, ts := range l.sent {
		sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
		for i := 1; i < len(ts); i++ {
			d := ts[i].Sub(ts[i-1])
			if gap < 0 || d < gap {
				gap = d
			}
			if d < window {
				under++
			}
		}
	}
	return gap, under
}

type loggedLimiter struct {
	ratelimit.IdentifyLimiter
	log *sentLog
}

// Acquire implements ratelimit.IdentifyLimiter.
func (l *loggedLimiter) Acquire(ctx context.Context, shardID int) (ratelimit.Ticket, error) {
	t, err := l.IdentifyLimiter.Acquire(ctx, shardID)
	if err != nil {
		return nil, err
	}
	return &loggedTicket{Ticket: t, log: l.log, bucket: ratelimit.Bucket(shardID, l.log.maxConc)}, nil
}

type loggedTicket struct {
	ratelimit.Ticket
	log    *sentLog
	bucket int
}

// Sent implements ratelimit.Ticket, noting the time.
func (t *loggedTicket) Sent() {
	t.log.mu.Lock()
	t.log.sent[t.bucket] = append(t.log.sent[t.bucket], time.Now())
	t.log.mu.Unlock()
	t.Ticket.Sent()
}
