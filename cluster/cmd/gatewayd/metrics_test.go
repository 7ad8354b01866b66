package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/cluster"
	"github.com/gatewaykit/gateway/cluster/internal/natsserver"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A node with two shards: /metrics reports them and the budget, /healthz
// is 200 while NATS is up and 503 with the reason once it is gone.
func TestMetricsAndHealthz(t *testing.T) {
	ns, err := natsserver.Start(natsserver.Options{StoreDir: t.TempDir(), MaxMemory: 64 << 20, MaxStore: 256 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := options{maxConc: 1, seed: 1}
	emu, err := startEmulator(ctx, o, 2, 0.1, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = emu.Close() }()
	nc, b, err := openCluster(ctx, ns.URL(), "m", cluster.Config{App: "m", IdentifyWindow: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	lim, err := cluster.NewIdentifyLimiter(b, cluster.IdentifyConfig{MaxConcurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	gb, err := gatewayutil.FetchGatewayBot(ctx, nil, emu.APIURL(), embeddedToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := lim.UpdateBudget(ctx, gb.SessionStartLimit); err != nil {
		t.Fatal(err)
	}
	node, err := cluster.NewNode(b, cluster.NodeConfig{
		Instance: "m1", ShardCount: 2, Limiter: lim, Logger: slog.New(slog.DiscardHandler),
		ReconcileInterval: 100 * time.Millisecond,
		Shard: gatewayutil.Config{Token: gateway.NewToken(embeddedToken), Intents: intents.Guilds, URL: emu.URL(),
			ResumeURLPolicy: gatewayutil.LoopbackResumeURLs},
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- node.Run(ctx) }()
	srv := httptest.NewServer(metricsHandler(node, lim, nc))
	defer srv.Close()

	deadline := time.Now().Add(20 * time.Second)
	var body string
	for {
		_, body = get(t, srv.URL+"/metrics")
		if strings.Contains(body, `gatewayd_shards{state="connected"} 2`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics never showed 2 connected shards:\n%s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, want := range []string{"gatewayd_shards_owned 2", "gatewayd_identifies_total 2", "gatewayd_identify_granted_total 2",
		"gatewayd_budget_known 1", "gatewayd_budget_remaining " + strconv.Itoa(gb.SessionStartLimit.Remaining-2)} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if code, body := get(t, srv.URL+"/healthz"); code != 200 || !strings.HasPrefix(body, "ok") {
		t.Fatalf("healthz %d %q while running", code, body)
	}
	nc.Close()
	if code, body := get(t, srv.URL+"/healthz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "NATS") {
		t.Fatalf("healthz %d %q with NATS closed", code, body)
	}
	cancel()
	<-done
}
