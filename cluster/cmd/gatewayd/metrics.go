package main

import (
	"net/http"

	"github.com/gatewaykit/gateway/cluster"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// collector reads a node and its identify limiter at every scrape, so the
// figures are never older than the scrape and nothing is counted twice.
type collector struct {
	node *cluster.Node
	lim  *cluster.IdentifyLimiter

	owned, state                                         *prometheus.Desc
	identifyWaiting, identifyBlocked, identifyWaits      *prometheus.Desc
	identifyGranted, budgetRemaining, budgetKnown        *prometheus.Desc
	renew                                                *prometheus.Desc
	events, resumes, identifies, takeovers, takeoverIdfy *prometheus.Desc
	handovers, leaseLost, watchdogStops                  *prometheus.Desc
}

func newCollector(node *cluster.Node, lim *cluster.IdentifyLimiter) *collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("gatewayd_"+name, help, labels, nil)
	}
	return &collector{
		node:            node,
		lim:             lim,
		owned:           d("shards_owned", "Shards this node holds the lease of."),
		state:           d("shards", "Shards this node runs, by state.", "state"),
		identifyWaiting: d("identify_waiting", "Identifies of this node waiting for a slot."),
		identifyBlocked: d("identify_blocked", "1 while identifies cannot be granted at all (NATS unreachable or budget exhausted)."),
		identifyWaits:   d("identify_waits_total", "Identifies that found their bucket's slot taken at least once."),
		identifyGranted: d("identify_granted_total", "Identify slots granted to this node (session starts spent)."),
		budgetRemaining: d("budget_remaining", "Daily session starts left, as this node last read them."),
		budgetKnown:     d("budget_known", "1 if a daily budget is stored."),
		renew:           d("lease_renew_seconds", "Lease renewal latency.", "quantile"),
		events:          d("events_total", "Dispatches received by this node's shards."),
		resumes:         d("resumes_total", "Sessions resumed by this node's shards."),
		identifies:      d("identifies_total", "Identifies sent by this node's shards."),
		takeovers:       d("takeovers_total", "Shards this node started from a stored session."),
		takeoverIdfy:    d("takeover_identifies_total", "Taken-over shards that identified instead of resuming."),
		handovers:       d("handovers_total", "Shards handed over (drain or rebalance)."),
		leaseLost:       d("lease_lost_total", "Shards stopped because their lease changed hands."),
		watchdogStops:   d("watchdog_stops_total", "Shards stopped because their lease could not be renewed in time."),
	}
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.owned, c.state, c.identifyWaiting, c.identifyBlocked, c.identifyWaits,
		c.identifyGranted, c.budgetRemaining, c.budgetKnown, c.renew, c.events, c.resumes, c.identifies,
		c.takeovers, c.takeoverIdfy, c.handovers, c.leaseLost, c.watchdogStops} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	st := c.node.Status()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v int64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v))
	}
	gauge(c.owned, float64(len(st.Shards)))
	states := map[gatewayutil.ShardState]int{}
	for _, s := range st.Shards {
		states[s.State]++
	}
	for s := gatewayutil.ShardIdle; s <= gatewayutil.ShardStopped; s++ {
		gauge(c.state, float64(states[s]), s.String())
	}
	is := c.lim.Status()
	gauge(c.identifyWaiting, float64(is.Waiting))
	blocked := 0.0
	if is.Blocked != "" {
		blocked = 1
	}
	gauge(c.identifyBlocked, blocked)
	counter(c.identifyWaits, is.Waits)
	counter(c.identifyGranted, is.Granted)
	gauge(c.budgetRemaining, float64(is.Budget.Remaining))
	known := 0.0
	if is.BudgetKnown {
		known = 1
	}
	gauge(c.budgetKnown, known)
	h := c.node.RenewLatency()
	gauge(c.renew, h.Quantile(0.5).Seconds(), "0.5")
	gauge(c.renew, h.Quantile(0.99).Seconds(), "0.99")
	counter(c.events, st.Events)
	counter(c.resumes, st.Resumes)
	counter(c.identifies, st.Identifies)
	counter(c.takeovers, st.Takeovers)
	counter(c.takeoverIdfy, st.TakeoverIdentifies)
	counter(c.handovers, st.Handovers)
	counter(c.leaseLost, st.LeaseLost)
	counter(c.watchdogStops, st.WatchdogStops)
}

// metricsHandler serves /metrics and /healthz. /healthz answers 200 while
// the NATS connection is up and the node is not draining, 503 otherwise,
// with the reason (and why identifies are blocked, if they are).
func metricsHandler(node *cluster.Node, lim *cluster.IdentifyLimiter, nc *nats.Conn) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(newCollector(node, lim))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		st := node.Status()
		switch {
		case !nc.IsConnected():
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("NATS disconnected\n"))
		case st.Draining:
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("draining\n"))
		default:
			_, _ = w.Write([]byte("ok\n"))
		}
		if b := lim.Status().Blocked; b != "" {
			_, _ = w.Write([]byte("identifies blocked: " + b + "\n"))
		}
	})
	return mux
}
