package cluster

import (
	"bufio"
	"bytes"
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

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

// A stored session never claims an event that was not handed to NATS: the
// node's session write takes the lower of the shard's seq and the last
// published one.
func TestShardPublisherConfirmCapsSeqAtLastPublished(t *testing.T) {
	nc, err := nats.Connect(sinkServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	cfg := eventsConfig()
	p := &Publisher{cfg: PublisherConfig{Mode: Durable}, nc: nc, prefix: cfg.eventsPrefix()}
	sp := p.ForShard(1)
	sp.SetSession(gateway.Session{ID: "s"})
	for i := int64(1); i <= 5; i++ {
		if err := sp.Dispatch(context.Background(), &gatewayutil.Event{Shard: 1, Type: "MESSAGE_CREATE", Seq: i, Data: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	s := gateway.Session{ID: "s", Seq: 7}
	if err := sp.confirm(time.Second, &s); err != nil {
		t.Fatal(err)
	}
	if s.Seq != 5 {
		t.Fatalf("confirmed seq %d, want 5 (events 6 and 7 not published)", s.Seq)
	}
	other := gateway.Session{ID: "t", Seq: 3}
	if err := sp.confirm(time.Second, &other); err != nil {
		t.Fatal(err)
	}
	if other.Seq != 0 {
		t.Fatalf("a session with nothing published confirmed seq %d, want 0", other.Seq)
	}
	nc.Close()
	if err := sp.Dispatch(context.Background(), &gatewayutil.Event{Shard: 1, Type: "MESSAGE_CREATE", Seq: 6, Data: []byte(`{}`)}); err == nil {
		t.Fatal("publish on a closed connection succeeded")
	}
	s = gateway.Session{ID: "s", Seq: 6}
	if err := sp.confirm(time.Second, &s); err == nil || s.Seq != 5 {
		t.Fatalf("after a failed publish: seq %d, err %v; want 5 and an error (cannot flush)", s.Seq, err)
	}
}

// The durable publish path with the stream's acknowledgements allocates
// nothing per event of its own either: the reply subject is a view of a
// per-shard buffer, and recording an acknowledgement allocates nothing (the
// acknowledgements are fed straight to the shard publisher here, as the sink
// sends none; what nats.go allocates to receive them is its own).
func TestPublishDurableAckedAllocsPerEvent(t *testing.T) {
	testenv.SkipAllocationCounts(t)
	nc, err := nats.Connect(sinkServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	cfg := eventsConfig()
	p := &Publisher{cfg: PublisherConfig{Mode: Durable}, nc: nc, prefix: cfg.eventsPrefix(), log: slog.New(slog.DiscardHandler)}
	if err := p.startAcks(); err != nil {
		t.Fatal(err)
	}
	sp := p.ForShard(7)
	// The sink answers nothing: the first message of a new shard
	// publisher, which waits for its acknowledgement, is not measured.
	sp.probe = false
	const session = "0123456789abcdef0123456789abcdef"
	sp.SetSession(gateway.Session{ID: session})
	e := &gatewayutil.Event{Shard: 7, Type: "MESSAGE_CREATE", Data: messageData(99<<22, 1)}
	ctx := context.Background()
	seq := int64(0)
	allocs := testing.AllocsPerRun(20000, func() {
		seq++
		e.Seq = seq
		if err := sp.Dispatch(ctx, e); err != nil {
			t.Fatal(err)
		}
		sp.onAck(sp.ackSent.Load(), seq, session, ackStored)
	})
	t.Logf("%.3f allocations per published and acknowledged event", allocs)
	if allocs > 0.01 {
		t.Fatalf("%.3f allocations per event, want 0", allocs)
	}
	if st := p.Stats(); st.Unconfirmed != 0 || st.WindowWaits != 0 {
		t.Fatalf("stats %+v", st)
	}
}
