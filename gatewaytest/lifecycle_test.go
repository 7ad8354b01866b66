package gatewaytest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/opcode"
)

func TestIdentifyReadyGuildCreates(t *testing.T) {
	s := newTestServer(t, Config{Guilds: 8, Tokens: []string{"tok"}})
	c := dialGateway(t, s.URL(), dialOpts{})
	interval := c.hello()
	if want := 41250 * time.Millisecond; interval != want {
		t.Fatalf("heartbeat_interval %v, want %v", interval, want)
	}
	c.send(opcode.Identify, identifyJSON("tok", uint64(intents.Guilds), []int{0, 1}, `"large_threshold":250`))
	r := c.readReady()
	if r.V != 10 || r.SessionID == "" || r.ResumeGatewayURL != s.ResumeURL() {
		t.Fatalf("READY v=%d session=%q resume=%q", r.V, r.SessionID, r.ResumeGatewayURL)
	}
	if len(r.Shard) != 2 || r.Shard[0] != 0 || r.Shard[1] != 1 {
		t.Fatalf("READY shard %v, want [0 1]", r.Shard)
	}
	if r.User.ID != strconv.FormatUint(s.BotID(), 10) || r.Application.ID != r.User.ID {
		t.Fatalf("READY user %q application %q, want %d", r.User.ID, r.Application.ID, s.BotID())
	}
	if len(r.Guilds) != 8 {
		t.Fatalf("READY lists %d guilds, want 8", len(r.Guilds))
	}
	want := map[string]bool{}
	for _, g := range r.Guilds {
		if !g.Unavailable {
			t.Fatalf("READY guild %s not unavailable", g.ID)
		}
		want[g.ID] = true
	}
	seq := int64(1)
	for len(want) > 0 {
		m := c.mustRead()
		if m.Op != opcode.Dispatch || m.T != "GUILD_CREATE" {
			t.Fatalf("got op %d %q, want GUILD_CREATE", m.Op, m.T)
		}
		seq++
		if m.S != seq {
			t.Fatalf("GUILD_CREATE s=%d, want %d", m.S, seq)
		}
		var g struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(m.D, &g); err != nil || !want[g.ID] {
			t.Fatalf("unexpected GUILD_CREATE for %q (%v)", g.ID, err)
		}
		delete(want, g.ID)
	}
	c.send(opcode.Heartbeat, strconv.FormatInt(seq, 10))
	if m := c.mustRead(); m.Op != opcode.HeartbeatACK {
		t.Fatalf("heartbeat answered with op %d", m.Op)
	}

	rec := lastConn(t, s).Record()
	if rec.Identify == nil || rec.Identify.Properties.Browser != "rawtest" || rec.Identify.LargeThreshold != 250 {
		t.Fatalf("identify record %+v", rec.Identify)
	}
	if rec.Identify.Token.Reveal() != "tok" {
		t.Fatalf("record lost the token")
	}
	if got := fmt.Sprintf("%v %s %+v %#v", rec.Identify.Token, rec.Identify.Token, *rec.Identify, rec.Identify.Token); containsToken(got, "tok") {
		t.Fatalf("token printed: %s", got)
	}
	if containsToken(string(rec.Identify.Raw), "tok") {
		t.Fatalf("token in Raw: %s", rec.Identify.Raw)
	}
	if len(rec.Heartbeats) != 1 || !rec.Heartbeats[0].HasSeq || rec.Heartbeats[0].Seq != seq {
		t.Fatalf("heartbeats %+v", rec.Heartbeats)
	}
	if rec.SessionID != r.SessionID {
		t.Fatalf("record session %q, READY %q", rec.SessionID, r.SessionID)
	}
	st := s.Stats()
	if st.Identifies != 1 || st.Sessions != 1 || st.Heartbeats != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// containsToken reports whether s holds the token as a JSON-ish word.
func containsToken(s, tok string) bool {
	for i := 0; i+len(tok) <= len(s); i++ {
		if s[i:i+len(tok)] == tok {
			before := i == 0 || !isWordByte(s[i-1])
			after := i+len(tok) == len(s) || !isWordByte(s[i+len(tok)])
			if before && after {
				return true
			}
		}
	}
	return false
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_'
}

func TestServerRequestedHeartbeat(t *testing.T) {
	s := newTestServer(t, Config{Guilds: -1})
	c := dialGateway(t, s.URL(), dialOpts{})
	c.identify("x", 0, nil)
	conn := lastConn(t, s)
	if err := conn.RequestHeartbeat(); err != nil {
		t.Fatal(err)
	}
	m := c.mustRead()
	if m.Op != opcode.Heartbeat {
		t.Fatalf("got op %d, want a heartbeat request", m.Op)
	}
	c.send(opcode.Heartbeat, "1")
	if m := c.mustRead(); m.Op != opcode.HeartbeatACK {
		t.Fatalf("got op %d, want ACK", m.Op)
	}
	if s.FaultsInjected() != 1 {
		t.Fatalf("faults %d, want 1", s.FaultsInjected())
	}
}

func TestHeartbeatTimeout4009(t *testing.T) {
	s := newTestServer(t, Config{Guilds: -1, TimeScale: 0.002}) // 82 ms interval
	c := dialGateway(t, s.URL(), dialOpts{})
	c.identify("x", 0, nil)
	c.expectClose(int(closecode.SessionTimedOut))
	rec := lastConn(t, s).Record()
	if rec.CloseSent != closecode.SessionTimedOut || !hasViolation(rec, 4009, "heartbeat") {
		t.Fatalf("record %v", rec)
	}
	// 4009 invalidates the session.
	waitFor(t, "session invalidated", func() bool { return len(s.Sessions()) == 0 })
}

func TestResumeReplaysExactlyTheMissedEvents(t *testing.T) {
	s := newTestServer(t, Config{Guilds: 4, Shards: 1})
	c := dialGateway(t, s.URL(), dialOpts{})
	r := c.identify("tok", uint64(intents.Guilds|intents.GuildMessages), nil)
	for range r.Guilds {
		c.readUntil(func(m msg) bool { return m.T == "GUILD_CREATE" })
	}
	guild := s.Guilds()[0]
	publish := func(n, from int) {
		for i := from; i < from+n; i++ {
			d := fmt.Sprintf(`{"id":"%d","channel_id":"5","guild_id":"%d","content":"m%d","author":{"id":"9"}}`, 1000+i, guild, i)
			if got := s.Publish(Dispatch{Type: "MESSAGE_CREATE", GuildID: guild, Data: []byte(d)}); got != 1 {
				t.Fatalf("publish delivered to %d sessions, want 1", got)
			}
		}
	}
	publish(5, 0)
	var got []int64
	for len(got) < 3 { // read only three of the five
		m := c.readUntil(func(m msg) bool { return m.T == "MESSAGE_CREATE" })
		got = append(got, m.S)
	}
	seen := c.lastSeq
	sess := s.Sessions()[0]
	if err := sess.DropTCP(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "session detached", func() bool { return sess.Conn() == nil })
	publish(4, 5) // missed while disconnected

	c2 := dialGateway(t, r.ResumeGatewayURL, dialOpts{})
	c2.hello()
	c2.send(opcode.Resume, fmt.Sprintf(`{"token":"tok","session_id":%q,"seq":%d}`, r.SessionID, seen))
	next := seen + 1
	for {
		m := c2.mustRead()
		if m.Op != opcode.Dispatch {
			t.Fatalf("got op %d during replay", m.Op)
		}
		if m.S != next {
			t.Fatalf("replayed s=%d, want %d (missing or repeated)", m.S, next)
		}
		next++
		if m.T == "RESUMED" {
			break
		}
		if m.T != "MESSAGE_CREATE" {
			t.Fatalf("replayed %q", m.T)
		}
	}
	if last := sess.Seq(); next-1 != last {
		t.Fatalf("RESUMED at s=%d, session seq %d", next-1, last)
	}
	// 2 unread before the drop + 4 published during it.
	rec := lastConn(t, s).Record()
	if len(rec.Resumes) != 1 || rec.Resumes[0].Outcome != Resumed || rec.Resumes[0].Replayed != 6 || !rec.ResumeURL {
		t.Fatalf("resume record %+v (resume URL used: %v)", rec.Resumes, rec.ResumeURL)
	}
	// Live again after RESUMED.
	publish(1, 9)
	m := c2.readUntil(func(m msg) bool { return m.T == "MESSAGE_CREATE" })
	if m.S != next {
		t.Fatalf("live event s=%d, want %d", m.S, next)
	}
}

func TestResumeFailures(t *testing.T) {
	s := newTestServer(t, Config{Guilds: -1, Tokens: []string{"tok", "other"}})
	c := dialGateway(t, s.URL(), dialOpts{})
	r := c.identify("tok", 0, nil)
	sess := s.Sessions()[0]
	_ = sess.DropTCP()
	waitFor(t, "detach", func() bool { return sess.Conn() == nil })

	// Unknown session: op 9 false.
	c2 := dialGateway(t, s.URL(), dialOpts{})
	c2.hello()
	c2.send(opcode.Resume, `{"token":"tok","session_id":"nope","seq":1}`)
	if m := c2.mustRead(); m.Op != opcode.InvalidSession || string(m.D) != "false" {
		t.Fatalf("unknown session: got op %d d=%s", m.Op, m.D)
	}
	// Another bot's token: op 9.
	c3 := dialGateway(t, s.URL(), dialOpts{})
	c3.hello()
	c3.send(opcode.Resume, fmt.Sprintf(`{"token":"other","session_id":%q,"seq":1}`, r.SessionID))
	if m := c3.mustRead(); m.Op != opcode.InvalidSession {
		t.Fatalf("foreign token: got op %d", m.Op)
	}
	// A seq the session never had: 4007, and the session is gone.
	c4 := dialGateway(t, s.URL(), dialOpts{})
	c4.hello()
	c4.send(opcode.Resume, fmt.Sprintf(`{"token":"tok","session_id":%q,"seq":99}`, r.SessionID))
	c4.expectClose(4007)
	if len(s.Sessions()) != 0 {
		t.Fatalf("session survived 4007")
	}
}

func TestSessionExpiresAfterResumeWindow(t *testing.T) {
	s := newTestServer(t, Config{Guilds: -1, TimeScale: 0.001}) // 120 ms resume window
	c := dialGateway(t, s.URL(), dialOpts{})
	r := c.identify("tok", 0, nil)
	c.writeFrame(0x8, []byte{0x0f, 0xa0}) // close 4000: resumable
	waitFor(t, "session expired", func() bool { return len(s.Sessions()) == 0 })
	c2 := dialGateway(t, s.URL(), dialOpts{})
	c2.hello()
	c2.send(opcode.Resume, fmt.Sprintf(`{"token":"tok","session_id":%q,"seq":1}`, r.SessionID))
	if m := c2.mustRead(); m.Op != opcode.InvalidSession || string(m.D) != "false" {
		t.Fatalf("expired session: got op %d d=%s", m.Op, m.D)
	}
}

func TestClientCloseCodeDecidesSessionFate(t *testing.T) {
	for _, tc := range []struct {
		code  uint16
		alive bool
	}{
		{1000, false},
		{1001, false},
		{4000, true},
		{4200, true},
	} {
		t.Run(strconv.Itoa(int(tc.code)), func(t *testing.T) {
			s := newTestServer(t, Config{Guilds: -1})
			c := dialGateway(t, s.URL(), dialOpts{})
			c.identify("tok", 0, nil)
			sess := s.Sessions()[0]
			c.writeFrame(0x8, []byte{byte(tc.code >> 8), byte(tc.code)})
			conn := lastConn(t, s)
			<-conn.Done()
			if sess.Alive() != tc.alive {
				t.Fatalf("after client close %d session alive=%v, want %v", tc.code, sess.Alive(), tc.alive)
			}
			if rec := conn.Record(); int(rec.CloseReceived) != int(tc.code) {
				t.Fatalf("recorded close %d, want %d", rec.CloseReceived, tc.code)
			}
		})
	}
}

// Written events stay in the replay buffer for the resume window only: an
// idle session gives its GUILD_CREATEs back, and still resumes from the
// last event its client read.
func TestReplayRetention(t *testing.T) {
	s := newTestServer(t, Config{Guilds: 3, TimeScale: 0.001, HeartbeatInterval: time.Hour, ResumeWindow: 10 * time.Minute}) // 600 ms window
	c := dialGateway(t, s.URL(), dialOpts{})
	r := c.identify("tok", 1, nil)
	readEvents(c, "GUILD_CREATE", len(r.Guilds))
	sess := s.Sessions()[0]
	waitFor(t, "written events to expire", func() bool {
		sess.mu.Lock()
		defer sess.mu.Unlock()
		return sess.ring.len() == 0
	})
	_ = sess.DropTCP()
	waitFor(t, "detach", func() bool { return sess.Conn() == nil })
	c2 := dialGateway(t, s.URL(), dialOpts{})
	c2.hello()
	c2.send(opcode.Resume, fmt.Sprintf(`{"token":"tok","session_id":%q,"seq":%d}`, r.SessionID, c.lastSeq))
	if m := c2.mustRead(); m.T != "RESUMED" || m.S != c.lastSeq+1 {
		t.Fatalf("got op %d %q s=%d, want RESUMED at %d", m.Op, m.T, m.S, c.lastSeq+1)
	}
}
