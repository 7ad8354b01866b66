package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/ratelimit"
)

// Where a run's identify budget comes from (Summary.IdentifyBudgetFrom).
const (
	budgetFromGatewayBot = "gateway/bot"
	budgetFromFlag       = "-max-identifies"
)

// Bounds on what GET /gateway/bot may ask of this process: a hostile or
// broken server answering shards: 1e8 must not make it allocate for a
// hundred million shards. -shards can still ask for more, explicitly.
const (
	maxRecommendedShards = 1 << 16
	maxConcurrencyBound  = 1 << 12
)

// gatewayPlan is what the Manager needs to start without asking
// GET /gateway/bot itself: where to connect, how many shards, the identify
// concurrency and the daily budget it enforces.
type gatewayPlan struct {
	url            string
	shards         int
	maxConcurrency int
	limit          ratelimit.SessionStartLimit
	from           string // budgetFromGatewayBot or budgetFromFlag
}

// plan decides the gateway, shard count and identify budget of a run.
//
// GET /gateway/bot is asked whenever there is an API to ask: always, except
// with -gateway and no -api (the embedded emulator always has one). Its
// session_start_limit becomes the budget the identify limiter enforces, cut
// to -max-identifies when that flag is given. With -gateway and no usable
// -api nothing tells the budget, so -max-identifies (default
// defaultMaxIdentifies) is the budget: a gateway that ends every session
// right after READY then stops the run after that many identifies, where
// before it went on identifying every 5.25 s for as long as the run lasted.
func (b *bot) plan(ctx context.Context, token, apiBase string, emulated bool) (gatewayPlan, error) {
	o := b.o
	if o.gateway == "" || apiBase != "" || emulated {
		p, err := b.planFromGatewayBot(ctx, token, apiBase, emulated)
		if err == nil || o.gateway == "" || emulated || errors.Is(err, gatewayutil.ErrUnauthorized) {
			return p, err
		}
		b.log.Warn("GET /gateway/bot failed: the identify budget is unknown, -max-identifies caps it",
			"max_identifies", o.maxIdentifies, "err", err)
	}
	return gatewayPlan{
		url:            o.gateway,
		shards:         max(o.shards, 1),
		maxConcurrency: 1,
		limit: ratelimit.SessionStartLimit{
			Total: o.maxIdentifies, Remaining: o.maxIdentifies,
			ResetAfter: ratelimit.DefaultBudgetPeriod, MaxConcurrency: 1,
		},
		from: budgetFromFlag,
	}, nil
}

func (b *bot) planFromGatewayBot(ctx context.Context, token, apiBase string, emulated bool) (gatewayPlan, error) {
	o := b.o
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	gb, err := gatewayutil.FetchGatewayBot(fctx, nil, apiBase, token)
	if err != nil {
		return gatewayPlan{}, err
	}
	p := gatewayPlan{url: gb.URL, shards: o.shards, maxConcurrency: gb.SessionStartLimit.MaxConcurrency,
		limit: gb.SessionStartLimit, from: budgetFromGatewayBot}
	if o.gateway != "" && !emulated {
		p.url = o.gateway
	}
	if p.shards == 0 {
		if gb.Shards > maxRecommendedShards {
			return gatewayPlan{}, fmt.Errorf("GET /gateway/bot recommends %d shards, more than the %d stressbot accepts without -shards", gb.Shards, maxRecommendedShards)
		}
		p.shards = max(gb.Shards, 1)
	}
	if p.maxConcurrency > maxConcurrencyBound {
		return gatewayPlan{}, fmt.Errorf("GET /gateway/bot reports max_concurrency %d, more than the %d stressbot accepts", p.maxConcurrency, maxConcurrencyBound)
	}
	p.maxConcurrency = max(p.maxConcurrency, 1)
	if o.maxIdentifiesSet && !emulated {
		p.limit.Remaining = min(p.limit.Remaining, o.maxIdentifies)
	}
	return p, nil
}
