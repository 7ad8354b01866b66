package cluster

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gatewaykit/gateway/cluster/internal/natsserver"
	"github.com/gatewaykit/gateway/cluster/internal/tcpproxy"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// startNATS starts an in-process NATS server with JetStream on 127.0.0.1,
// storing in a temporary directory; it stops when the test ends. With
// CLUSTER_NATS_SERVER set to a nats-server program (such as Debian's
// /usr/sbin/nats-server), that program runs instead, as a child process.
func startNATS(t testing.TB) *natsserver.Server {
	t.Helper()
	s, err := natsserver.Start(natsserver.Options{StoreDir: t.TempDir(), MaxMemory: 64 << 20, MaxStore: 256 << 20,
		Binary: os.Getenv("CLUSTER_NATS_SERVER")})
	if err != nil {
		t.Fatalf("start NATS: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// connectNATS opens one client connection (one "process" of the cluster).
func connectNATS(t testing.TB, url, name string) *nats.Conn {
	t.Helper()
	nc, err := Connect(url, name)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(nc.Close)
	deadline := time.Now().Add(10 * time.Second)
	for !nc.IsConnected() {
		if time.Now().After(deadline) {
			t.Fatalf("NATS connection %s not connected after 10 s", name)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nc
}

// cutProxy puts a TCP proxy between one client and the server, so a test can
// partition that client alone.
func cutProxy(t testing.TB, natsURL string) *tcpproxy.Proxy {
	t.Helper()
	p, err := tcpproxy.New(strings.TrimPrefix(natsURL, "nats://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// openBuckets opens the bot's buckets on a connection.
func openBuckets(t testing.TB, nc *nats.Conn, cfg Config) *Buckets {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := Open(ctx, js, cfg)
	if err != nil {
		t.Fatalf("open buckets: %v", err)
	}
	return b
}

// eventually polls cond every 10 ms until it holds or d passes.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
