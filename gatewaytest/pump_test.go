package gatewaytest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/opcode"
)

// readSeqs reads n dispatches, checking that s increases by exactly one.
func readSeqs(t *testing.T, c *testClient, n int) (types map[string]int) {
	t.Helper()
	types = map[string]int{}
	for i := 0; i < n; i++ {
		prev := c.lastSeq
		m := c.mustRead()
		if m.Op != opcode.Dispatch {
			continue
		}
		if m.S != prev+1 {
			t.Fatalf("s jumped from %d to %d", prev, m.S)
		}
		if !json.Valid(m.D) {
			t.Fatalf("%s d is not JSON", m.T)
		}
		types[m.T]++
	}
	return types
}

func TestBuiltInTrafficFlood(t *testing.T) {
	s := newTestServer(t, Config{Guilds: 20, Traffic: true, Seed: 5})
	c := dialGateway(t, s.URL(), dialOpts{compress: CompressZstd})
	c.identify("tok", uint64(intents.NonPrivileged), nil)
	types := readSeqs(t, c, 3000)
	if len(types) < 10 {
		t.Fatalf("only %d event types in 3000 events: %v", len(types), types)
	}
	if types["MESSAGE_CREATE"] == 0 {
		t.Fatalf("no MESSAGE_CREATE: %v", types)
	}
	if st := s.Stats(); st.TrafficGenerated < 2900 || st.TrafficDelivered < 2900 {
		t.Fatalf("stats %+v", st)
	}
}

func TestBuiltInTrafficRateAndResume(t *testing.T) {
	s := newTestServer(t, Config{Guilds: 8, Shards: 2, MaxConcurrency: 2, Traffic: true, Rate: 500})
	var clients []*testClient
	for shard := 0; shard < 2; shard++ {
		c := dialGateway(t, s.URL(), dialOpts{})
		r := c.identify("tok", uint64(intents.NonPrivileged), []int{shard, 2})
		readSeqs(t, c, len(r.Guilds)) // GUILD_CREATEs, maybe with traffic between
		clients = append(clients, c)
	}
	for i, c := range clients {
		types := readSeqs(t, c, 100)
		if len(types) < 3 {
			t.Fatalf("shard %d: %v", i, types)
		}
	}
	// Drop shard 0, let traffic pile up for it, resume: the replay must
	// continue the sequence exactly.
	sess := s.Sessions()[0]
	id, _ := sess.Shard()
	c := clients[id]
	seq := c.lastSeq
	_ = sess.DropTCP()
	waitFor(t, "events while disconnected", func() bool { return sess.Seq() > seq+20 })
	c2 := dialGateway(t, s.ResumeURL(), dialOpts{})
	c2.hello()
	c2.send(opcode.Resume, fmt.Sprintf(`{"token":"tok","session_id":%q,"seq":%d}`, sess.ID(), seq))
	c2.lastSeq = seq
	resumed := false
	for i := 0; i < 200 || !resumed; i++ {
		prev := c2.lastSeq
		m := c2.mustRead()
		if m.Op != opcode.Dispatch {
			continue
		}
		if m.S != prev+1 {
			t.Fatalf("after resume s went from %d to %d", prev, m.S)
		}
		resumed = resumed || m.T == "RESUMED"
	}
}

func TestSlowClientIsBounded(t *testing.T) {
	for _, rate := range []float64{0, 20000} {
		t.Run(fmt.Sprint("rate=", rate), func(t *testing.T) {
			// PeerTimeout far beyond the test: it is about the pump's bound,
			// and on a loaded machine the default 10 s could close the
			// never-reading connection (dropping its backlog) before the
			// test has seen the pump stop.
			s := newTestServer(t, Config{Guilds: 4, Traffic: true, Rate: rate, PeerTimeout: time.Hour})
			c := dialGateway(t, s.URL(), dialOpts{})
			c.identify("tok", uint64(intents.NonPrivileged), nil)
			// Stop reading: the socket fills, then the session's backlog
			// (part of which the writer may hold in the batch it is
			// blocked writing).
			sess := s.Sessions()[0]
			if rate > 0 {
				// At a fixed rate the stream goes on and skips the session.
				waitFor(t, "skipped traffic", func() bool { return s.Stats().TrafficSkipped > 100 })
			} else {
				// As fast as the client reads: once the socket buffers are
				// full too, the pump stops and waits for it. Stopped means
				// nothing generated over four samples 50 ms apart; the
				// backlog is then at most trafficBacklog (checked below),
				// not necessarily at it: the writer may hold part of it in
				// the batch it is blocked writing.
				last, still := int64(-1), 0
				waitFor(t, "the pump to stop for a client that reads nothing", func() bool {
					g := s.Stats().TrafficGenerated
					if g == last {
						still++
					} else {
						still = 0
					}
					last = g
					time.Sleep(50 * time.Millisecond)
					return still >= 4 && g > trafficBacklog
				})
			}
			if b := sess.backlog(); b > trafficBacklog {
				t.Fatalf("backlog %d, above %d", b, trafficBacklog)
			}
			// Reading again continues without a gap.
			readSeqs(t, c, 500)
		})
	}
}
