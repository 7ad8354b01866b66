package gatewaytest

import (
	"errors"
	"testing"

	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/opcode"
)

// Each hostile action follows READY (and its GUILD_CREATEs): the client
// always sees its session start before the server ends it.
func TestHostileAfterReady(t *testing.T) {
	for _, tc := range []struct {
		action HostileAction
		check  func(t *testing.T, c *testClient)
	}{
		{HostileClose, func(t *testing.T, c *testClient) { c.expectClose(int(closecode.SessionTimedOut)) }},
		{HostileReconnect, func(t *testing.T, c *testClient) {
			c.readUntil(func(m msg) bool { return m.Op == opcode.Reconnect })
		}},
		{HostileInvalidSessionResumable, func(t *testing.T, c *testClient) {
			m := c.readUntil(func(m msg) bool { return m.Op == opcode.InvalidSession })
			if string(m.D) != "true" {
				t.Fatalf("op 9 d=%s, want true", m.D)
			}
		}},
		{HostileInvalidSession, func(t *testing.T, c *testClient) {
			m := c.readUntil(func(m msg) bool { return m.Op == opcode.InvalidSession })
			if string(m.D) != "false" {
				t.Fatalf("op 9 d=%s, want false", m.D)
			}
		}},
	} {
		t.Run(tc.action.String(), func(t *testing.T) {
			s, c, conn := connected(t, Config{Hostile: Hostile{AfterAuth: tc.action}}, dialOpts{})
			tc.check(t, c)
			waitFor(t, "the fault record", func() bool { return len(conn.Record().Faults) == 1 })
			if st := s.Stats(); st.Identifies != 1 || st.FaultsInjected != 1 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

// HeartbeatFlood sends op 1 after op 1 to an identified connection.
func TestHostileHeartbeatFlood(t *testing.T) {
	_, c, _ := connected(t, Config{Hostile: Hostile{HeartbeatFlood: 3}, TimeScale: 0.01}, dialOpts{})
	for range 10 {
		c.readUntil(func(m msg) bool { return m.Op == opcode.Heartbeat })
	}
}

func TestHostileConfigErrors(t *testing.T) {
	for _, h := range []Hostile{
		{AfterAuth: hostileActionEnd},
		{AfterAuth: -1},
		{HeartbeatFlood: -1},
		{HeartbeatFlood: maxHeartbeatFlood + 1},
		{AfterAuth: HostileClose, CloseCode: 999},
	} {
		if _, err := NewServer(Config{Hostile: h}); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: got %v, want an error matching ErrConfig", h, err)
		}
	}
	if got := HostileInvalidSession.String(); got != "invalid-session" {
		t.Errorf("String: %q", got)
	}
	if got := HostileAction(42).String(); got != "HostileAction(42)" {
		t.Errorf("String: %q", got)
	}
}
