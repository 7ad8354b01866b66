package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/cluster"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// runNode runs one node until ctx ends, then drains it.
func runNode(ctx context.Context, o options, log *slog.Logger) error {
	it, err := parseIntents(o.intents)
	if err != nil {
		return err
	}
	natsURL, _, stopNATS, err := startNATS(o, log)
	if err != nil {
		return err
	}
	defer stopNATS()

	token, apiBase := o.token, gatewayutil.DefaultAPIBase
	scale := 1.0
	var policy gatewayutil.ResumeURLPolicy
	if token == "" {
		if o.timeScale > 0 {
			scale = o.timeScale
		}
		shards := max(o.shards, 1)
		// Not ctx: the emulator must outlive the node's drain.
		emuCtx, stopEmu := context.WithCancel(context.Background())
		defer stopEmu()
		emu, err := startEmulator(emuCtx, o, shards, scale, 0)
		if err != nil {
			return err
		}
		defer func() { _ = emu.Close() }()
		token, apiBase = embeddedToken, emu.APIURL()
		policy = gatewayutil.LoopbackResumeURLs
		log.Info("embedded emulator started", "gateway", emu.URL(), "api", apiBase)
	}
	gb, err := gatewayutil.FetchGatewayBot(ctx, nil, apiBase, token)
	if err != nil {
		return err
	}
	shards := o.shards
	if shards == 0 {
		shards = gb.Shards
	}

	nc, b, err := openCluster(ctx, natsURL, o.instance, clusterConfig(o, scale))
	if err != nil {
		return err
	}
	defer nc.Close()
	lim, err := cluster.NewIdentifyLimiter(b, cluster.IdentifyConfig{
		MaxConcurrency: gb.SessionStartLimit.MaxConcurrency,
		Instance:       o.instance,
		BudgetPeriod:   time.Duration(float64(24*time.Hour) * scale),
		Logger:         log,
	})
	if err != nil {
		return err
	}
	if err := lim.UpdateBudget(ctx, gb.SessionStartLimit); err != nil {
		return fmt.Errorf("store the session start budget: %w", err)
	}
	node, err := cluster.NewNode(b, cluster.NodeConfig{
		Instance:      o.instance,
		Capacity:      o.capacity,
		ShardCount:    shards,
		Limiter:       lim,
		FlushInterval: o.flushEvery,
		Logger:        log,
		Shard: gatewayutil.Config{
			Token:           gateway.NewToken(token),
			Intents:         it,
			URL:             gb.URL,
			ResumeURLPolicy: policy,
			Logger:          log,
		},
	})
	if err != nil {
		return err
	}
	if o.metrics != "" {
		ln, err := net.Listen("tcp", o.metrics)
		if err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		srv := &http.Server{Handler: metricsHandler(node, lim, nc), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer func() { _ = srv.Close() }()
		log.Info("metrics served", "addr", ln.Addr().String())
	}
	log.Info("node running", "instance", o.instance, "shards", shards, "capacity", o.capacity)
	err = node.Run(ctx)
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	log.Info("node stopped", "instance", o.instance, "status", fmt.Sprintf("%+v", summaryOf(node.Status())))
	return err
}

type nodeSummary struct {
	Takeovers, Handovers, Events, Identifies, Resumes int64
}

func summaryOf(st cluster.NodeStatus) nodeSummary {
	return nodeSummary{st.Takeovers, st.Handovers, st.Events, st.Identifies, st.Resumes}
}
