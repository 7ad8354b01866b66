package cluster

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"testing"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/internal/testenv"
	"github.com/nats-io/nats.go"
)

// sinkServer speaks just enough of the NATS protocol on 127.0.0.1 for a
// client to connect and publish (INFO, PONG), and discards what it gets, so
// an allocation count sees the client alone (an in-process nats-server
// would count its own).
func sinkServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer func() { _ = c.Close() }()
				_, _ = c.Write([]byte(`INFO {"server_id":"sink","version":"2.10.0","proto":1,"headers":true,"max_payload":1048576}` + "\r\n"))
				r := bufio.NewReaderSize(c, 64<<10)
				for {
					line, err := r.ReadSlice('\n')
					if err != nil && err != bufio.ErrBufferFull {
						return
					}
					if bytes.HasPrefix(line, []byte("PING")) {
						_, _ = c.Write([]byte("PONG\r\n"))
					}
				}
			}()
		}
	}()
	return "nats://" + ln.Addr().String()
}

// The publish path allocates nothing per event of its own: the header,
// message and dedup id are reused.
func TestPublishAllocsPerEvent(t *testing.T) {
	testenv.SkipAllocationCounts(t)
	nc, err := nats.Connect(sinkServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	cfg := eventsConfig()
	p := &Publisher{cfg: PublisherConfig{Mode: Durable}, nc: nc, prefix: cfg.eventsPrefix()}
	sp := p.ForShard(7)
	sp.SetSession(gateway.Session{ID: "0123456789abcdef0123456789abcdef"})
	e := &gatewayutil.Event{Shard: 7, Type: "MESSAGE_CREATE", Data: messageData(99<<22, 1)}
	ctx := context.Background()
	seq := int64(0)
	allocs := testing.AllocsPerRun(20000, func() {
		seq++
		e.Seq = seq
		if err := sp.Dispatch(ctx, e); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("%.3f allocations per published event (with guild header, dedup id, seq, read time)", allocs)
	if allocs > 0.01 {
		t.Fatalf("%.3f allocations per published event, want 0", allocs)
	}
}
