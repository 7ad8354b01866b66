package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/gatewaykit/gateway/ratelimit"
)

// budgetRecord is the daily session start budget as stored in the meta
// bucket under <app>.budget. Every identify in the cluster decrements
// Remaining by compare-and-set on the key's revision.
type budgetRecord struct {
	Total          int       `json:"total"`
	Remaining      int       `json:"remaining"`
	ResetAt        time.Time `json:"reset_at"`
	MaxConcurrency int       `json:"max_concurrency"`
	UpdatedBy      string    `json:"updated_by,omitempty"`
}

// rollOver starts a new period if the stored one has ended: Remaining goes
// back to Total. It reports whether it changed r.
func (r *budgetRecord) rollOver(now time.Time, period time.Duration) bool {
	if r.ResetAt.IsZero() || now.Before(r.ResetAt) || period <= 0 {
		return false
	}
	r.Remaining = r.Total
	for !now.Before(r.ResetAt) {
		r.ResetAt = r.ResetAt.Add(period)
	}
	return true
}

func (r budgetRecord) limit(now time.Time) ratelimit.SessionStartLimit {
	l := ratelimit.SessionStartLimit{Total: r.Total, Remaining: r.Remaining, MaxConcurrency: r.MaxConcurrency}
	if !r.ResetAt.IsZero() && r.ResetAt.After(now) {
		l.ResetAfter = r.ResetAt.Sub(now)
	}
	return l
}

func (r budgetRecord) refusal(now time.Time, needed, reserve int) *ratelimit.BudgetError {
	e := &ratelimit.BudgetError{Remaining: r.Remaining, Needed: needed, Reserve: reserve, ResetAt: r.ResetAt}
	if !r.ResetAt.IsZero() && r.ResetAt.After(now) {
		e.ResetAfter = r.ResetAt.Sub(now)
	}
	return e
}

// loadBudget reads the stored budget; found is false when none was stored.
func (l *IdentifyLimiter) loadBudget(ctx context.Context) (rec budgetRecord, rev uint64, found bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, l.b.cfg.OpTimeout)
	defer cancel()
	e, err := l.b.meta.Get(ctx, l.budgetKey)
	if isNotFound(err) {
		return rec, 0, false, nil
	}
	if err != nil {
		return rec, 0, false, fmt.Errorf("cluster: read budget: %w", err)
	}
	if err := json.Unmarshal(e.Value(), &rec); err != nil {
		// A record nobody can read must not be taken for "no budget":
		// fail closed until UpdateBudget writes a good one.
		return rec, e.Revision(), true, fmt.Errorf("cluster: stored budget unreadable: %w", err)
	}
	return rec, e.Revision(), true, nil
}

func (l *IdentifyLimiter) storeBudget(ctx context.Context, rec budgetRecord, rev uint64, found bool) error {
	ctx, cancel := context.WithTimeout(ctx, l.b.cfg.OpTimeout)
	defer cancel()
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if found {
		_, err = l.b.meta.Update(ctx, l.budgetKey, v, rev)
	} else {
		_, err = l.b.meta.Create(ctx, l.budgetKey, v)
	}
	return err
}

// spend takes one session start from the stored budget by compare-and-set.
// It returns a *ratelimit.BudgetError when that would leave less than the
// reserve, and another error when NATS cannot be asked (fail closed: the
// caller must not identify). No stored budget spends nothing.
func (l *IdentifyLimiter) spend(ctx context.Context) error {
	for {
		rec, rev, found, err := l.loadBudget(ctx)
		if err != nil {
			return err
		}
		if !found {
			l.noteBudget(rec, false)
			return nil
		}
		now := time.Now()
		rec.rollOver(now, l.cfg.BudgetPeriod)
		if rec.Remaining-1 < l.cfg.Reserve {
			l.noteBudget(rec, true)
			return rec.refusal(now, 1, l.cfg.Reserve)
		}
		rec.Remaining--
		rec.UpdatedBy = l.cfg.Instance
		err = l.storeBudget(ctx, rec, rev, true)
		if err == nil {
			l.noteBudget(rec, true)
			return nil
		}
		if !isConflict(err) {
			return fmt.Errorf("cluster: spend budget: %w", err)
		}
		// Another identify spent meanwhile: read again.
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// CanStart implements ratelimit.IdentifyLimiter: nil if n more identifies fit
// in the stored budget above the reserve. It fails closed: an error when the
// budget cannot be read.
func (l *IdentifyLimiter) CanStart(ctx context.Context, n int) error {
	rec, _, found, err := l.loadBudget(ctx)
	if err != nil {
		return err
	}
	if !found {
		return nil
	}
	now := time.Now()
	rec.rollOver(now, l.cfg.BudgetPeriod)
	l.noteBudget(rec, true)
	if rec.Remaining-n < l.cfg.Reserve {
		l.refused.Add(1)
		return rec.refusal(now, n, l.cfg.Reserve)
	}
	return nil
}

// UpdateBudget implements ratelimit.IdentifyLimiter: it stores a fresh
// session_start_limit from GET /gateway/bot for the whole cluster. Within the
// same period (reset times within a minute of each other) the lower of the
// stored and the reported Remaining wins, since the report may predate
// identifies other nodes have made; a later period replaces the record.
func (l *IdentifyLimiter) UpdateBudget(ctx context.Context, limit ratelimit.SessionStartLimit) error {
	if limit.Total < 0 || limit.Remaining < 0 || limit.ResetAfter < 0 {
		return fmt.Errorf("%w: negative session start limit", ErrConfig)
	}
	for {
		old, rev, found, err := l.loadBudget(ctx)
		if err != nil && !found {
			return err
		}
		now := time.Now()
		rec := budgetRecord{
			Total:          limit.Total,
			Remaining:      limit.Remaining,
			MaxConcurrency: limit.MaxConcurrency,
			UpdatedBy:      l.cfg.Instance,
		}
		if limit.ResetAfter > 0 {
			rec.ResetAt = now.Add(limit.ResetAfter)
		}
		if rec.MaxConcurrency == 0 {
			rec.MaxConcurrency = l.cfg.MaxConcurrency
		}
		if found && err == nil {
			old.rollOver(now, l.cfg.BudgetPeriod)
			tolerance := min(time.Minute, l.cfg.BudgetPeriod/100)
			if d := rec.ResetAt.Sub(old.ResetAt); d < tolerance && d > -tolerance && old.Remaining < rec.Remaining {
				rec.Remaining = old.Remaining
			}
		}
		err = l.storeBudget(ctx, rec, rev, found)
		if err == nil {
			l.noteBudget(rec, true)
			return nil
		}
		if !isConflict(err) {
			return fmt.Errorf("cluster: store budget: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// Budget returns the budget as last read or written by this limiter, and
// whether one is known.
func (l *IdentifyLimiter) Budget() (ratelimit.SessionStartLimit, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.budget.limit(time.Now()), l.budgetKnown
}

// ReadBudget reads the budget from NATS now.
func (l *IdentifyLimiter) ReadBudget(ctx context.Context) (ratelimit.SessionStartLimit, bool, error) {
	rec, _, found, err := l.loadBudget(ctx)
	if err != nil || !found {
		return ratelimit.SessionStartLimit{}, false, err
	}
	rec.rollOver(time.Now(), l.cfg.BudgetPeriod)
	l.noteBudget(rec, true)
	return rec.limit(time.Now()), true, nil
}

func (l *IdentifyLimiter) noteBudget(rec budgetRecord, known bool) {
	l.mu.Lock()
	l.budget, l.budgetKnown = rec, known
	l.mu.Unlock()
}
