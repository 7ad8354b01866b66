package gatewaytest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/opcode"
)

// wakeups returns how often the housekeeper and the traffic pump have run.
func wakeups(s *Server) (housekeeper, pump int64) {
	return s.stats.housekeeperTicks.Load(), s.stats.pumpRounds.Load()
}

// assertAsleep checks that neither loop runs over a while.
func assertAsleep(t *testing.T, s *Server, what string) {
	t.Helper()
	h0, p0 := wakeups(s)
	time.Sleep(300 * time.Millisecond)
	h1, p1 := wakeups(s)
	if h1 != h0 || p1 != p0 {
		t.Errorf("%s: in 300 ms the housekeeper ticked %d times and the traffic pump ran %d times; want none", what, h1-h0, p1-p0)
	}
}

func TestIdleServerDoesNotTick(t *testing.T) {
	for _, rate := range []float64{0, 50} {
		s := newTestServer(t, Config{Traffic: true, Rate: rate, TimeScale: 0.01, Guilds: 2})
		// The first tick finds nothing to do; after it, nothing runs.
		waitFor(t, "the housekeeper's first tick", func() bool { h, _ := wakeups(s); return h > 0 })
		time.Sleep(50 * time.Millisecond)
		assertAsleep(t, s, "a server without clients")

		// A client wakes both; once it is gone and its session expired,
		// both sleep again.
		c := dialGateway(t, s.URL(), dialOpts{})
		c.identify("tok", uint64(intents.NonPrivileged), nil)
		h0, p0 := wakeups(s)
		waitFor(t, "the loops to run for a client", func() bool { h, p := wakeups(s); return h > h0 && p > p0 })
		c.conn.Close()
		waitFor(t, "the session to expire", func() bool { st := s.Stats(); return st.Sessions == 0 && st.OpenConnections == 0 })
		time.Sleep(250 * time.Millisecond)
		assertAsleep(t, s, "a server whose last client left")
	}
}

func TestIdentifyWindowUsesArrivalTime(t *testing.T) {
	// Identify window 1 s. The first identify is read off the socket at
	// once but handled 600 ms later (a loaded machine); the second arrives
	// 1.3 s after the first was sent. They arrived more than a window
	// apart, so both must start a session.
	s, err := NewServer(Config{TimeScale: 0.2, HeartbeatInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	s.beforeHandle = func(c *Conn, msg []byte) {
		if c.ID() == 1 && bytes.Contains(msg, []byte(`"op":2`)) {
			time.Sleep(600 * time.Millisecond)
		}
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	a := dialGateway(t, s.URL(), dialOpts{})
	a.hello()
	b := dialGateway(t, s.URL(), dialOpts{})
	b.hello()
	sent := time.Now()
	a.send(opcode.Identify, identifyJSON("tok", uint64(intents.Guilds), []int{0, 1}, ""))
	time.Sleep(time.Until(sent.Add(1300 * time.Millisecond)))
	b.send(opcode.Identify, identifyJSON("tok", uint64(intents.Guilds), []int{0, 1}, ""))
	a.readReady()
	b.readReady()
	if st := s.Stats(); st.IdentifyRefused != 0 {
		t.Errorf("%d identifies refused as too fast", st.IdentifyRefused)
	}
	recA, recB := s.Conns()[0].Record(), s.Conns()[1].Record()
	if gap := recB.Identify.Time.Sub(recA.Identify.Time); gap < time.Second {
		t.Errorf("identify records are %v apart, want the arrival times (1.3 s apart)", gap)
	}
}
