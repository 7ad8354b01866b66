package interop

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/opcode"
)

// Each client runs one shard of two: shard 1, so that a client that ignored
// the shard it was given (and got shard 0's guilds) fails.
const (
	testShard      = 1
	testShardCount = 2
	testToken      = "interop-token"
	// testTimeout bounds each client test; a healthy run takes a few
	// seconds, most of them the clients' own fixed sleeps.
	testTimeout = 45 * time.Second
)

// testIntents are what every client asks for: guilds, guild messages and
// their content.
const testIntents = intents.Guilds | intents.GuildMessages | intents.MessageContent

// fixture is one emulator and what a client test needs to know about it.
type fixture struct {
	srv *gatewaytest.Server
	// owned are the guilds of shard testShard; others are the rest.
	owned, others []uint64
	// channel is a channel id of owned[0]'s guild in published messages.
	channel uint64
}

// newFixture starts an emulator on 127.0.0.1 with two shards' worth of
// guilds. It is closed when the test ends.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	srv, err := gatewaytest.NewServer(gatewaytest.Config{
		Guilds:            8,
		Shards:            testShardCount,
		Tokens:            []string{testToken},
		AllowedPrivileged: intents.MessageContent,
		Seed:              14,
		// Heartbeats within the test: every second, with a grace that a
		// loaded machine cannot exceed.
		HeartbeatInterval: time.Second,
		HeartbeatGrace:    10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := srv.Start(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		srv.Close()
	})
	f := &fixture{srv: srv}
	for _, g := range srv.Guilds() {
		if gatewaytest.ShardFor(g, testShardCount) == testShard {
			f.owned = append(f.owned, g)
		} else {
			f.others = append(f.others, g)
		}
	}
	if len(f.owned) == 0 || len(f.others) == 0 {
		t.Fatalf("the generated guilds %v do not cover both shards", srv.Guilds())
	}
	f.channel = f.owned[0] + 1
	srv.AddChannel(f.channel, f.owned[0])
	return f
}

// resumeFault is a fault after which a correct client resumes.
type resumeFault struct {
	name   string
	inject func(*gatewaytest.Conn) error
}

// resumeFaults are the faults every client must survive by resuming: op 7
// Reconnect, a server close with 4000 (unknown error, resumable), and a
// TCP connection that ends without a close frame.
var resumeFaults = []resumeFault{
	{"op7-reconnect", (*gatewaytest.Conn).InjectReconnect},
	{"close-4000", func(c *gatewaytest.Conn) error { return c.InjectClose(closecode.UnknownError) }},
	{"drop-tcp", (*gatewaytest.Conn).DropTCP},
}

// startClient starts a third-party client as shard testShard of
// testShardCount against f's emulator, reporting what it delivers to o.
type startClient func(ctx context.Context, t *testing.T, f *fixture, o *observed) clientHandle

// clientHandle drives a started client.
type clientHandle struct {
	// stop stops the client.
	stop func()
	// setPresence makes the client send an Update Presence (op 3) playing
	// presenceName, through its own API.
	setPresence func(ctx context.Context) error
}

// presenceName is the activity the clients set with op 3.
const presenceName = "interop"

// clientCase describes a client for runClient.
type clientCase struct {
	// browser is what the client puts in the identify's properties.browser
	// (compared without case).
	browser string
	// usesResumeURL says the client reconnects to READY's
	// resume_gateway_url to resume.
	usesResumeURL bool
	// parallel runs the faults' subtests at once (a client configured
	// through package variables cannot).
	parallel bool
	start    startClient
}

// runClient runs the client through every fault of resumeFaults, each on a
// fresh emulator: READY and the shard's GUILD_CREATEs, five messages, the
// fault, five messages published at once (while the connection dies and
// the client reconnects), RESUMED, five more messages; then checks what the
// client delivered and what the emulator recorded.
func runClient(t *testing.T, cc clientCase) {
	for _, fault := range resumeFaults {
		t.Run(fault.name, func(t *testing.T) {
			if cc.parallel {
				t.Parallel()
			}
			f := newFixture(t)
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			var o observed
			client := cc.start(ctx, t, f, &o)
			defer o.logNotes(t)
			defer client.stop()
			o.waitReady(ctx, t, f)
			if err := client.setPresence(ctx); err != nil {
				t.Fatalf("presence update: %v", err)
			}
			f.waitPresence(ctx, t)

			f.publishMessages(t, 0, 5)
			o.waitMessages(ctx, t, 5)
			minSeq := o.lastSeq()
			old := f.session(t).Conn()
			if err := fault.inject(old); err != nil {
				t.Fatal(err)
			}
			// Published while the connection dies and the client
			// reconnects: written to a dying connection or held for the
			// resume, and replayed from the client's last sequence number.
			f.publishMessages(t, 5, 5)
			select {
			case <-old.Done():
			case <-ctx.Done():
				t.Fatalf("the connection did not end after the fault")
			}
			o.waitFor(ctx, t, "RESUMED", func(o *observed) bool { return o.resumed > 0 })
			f.publishMessages(t, 10, 5)
			o.waitMessages(ctx, t, 15)

			f.waitHeartbeat(ctx, t)

			o.check(t, f, 15)
			f.checkResumedOnce(t, cc.browser, minSeq, o.seqsSeen())
			f.checkHeartbeats(t, o.seqsSeen())
			if rec := f.session(t).Conn().Record(); rec.ResumeURL != cc.usesResumeURL {
				t.Errorf("the client resumed on path %q: through resume_gateway_url %v, want %v", rec.Path, rec.ResumeURL, cc.usesResumeURL)
			}
		})
	}
}

// waitPresence waits until the emulator has taken an op 3 from the
// client (a presence it refused would show as a violation in
// checkResumedOnce).
func (f *fixture) waitPresence(ctx context.Context, t *testing.T) {
	t.Helper()
	for {
		for _, c := range f.srv.Conns() {
			rec := c.Record()
			for _, cmd := range rec.Commands {
				if cmd.Op == opcode.PresenceUpdate {
					if len(rec.Violations) != 0 {
						t.Fatalf("the emulator refused the client's presence update: %v", rec.Violations)
					}
					return
				}
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the emulator got no presence update from the client")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// waitHeartbeat waits until the client has heartbeated on its current
// connection (the one it resumed on).
func (f *fixture) waitHeartbeat(ctx context.Context, t *testing.T) {
	t.Helper()
	c := f.session(t).Conn()
	for c.Record().HeartbeatCount == 0 {
		select {
		case <-ctx.Done():
			t.Fatalf("no heartbeat on the resumed connection")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// checkHeartbeats checks every heartbeat the emulator recorded: its d is a
// sequence number the client had seen (or 0 or null before any), never
// one the server had not written to that connection.
func (f *fixture) checkHeartbeats(t *testing.T, seen []int64) {
	t.Helper()
	n := 0
	for _, c := range f.srv.Conns() {
		for _, hb := range c.Record().Heartbeats {
			n++
			if !hb.HasSeq || hb.Seq == 0 {
				continue
			}
			if !slices.Contains(seen, hb.Seq) {
				t.Errorf("heartbeat with seq %d, which the client never saw (it saw %v)", hb.Seq, seen)
			}
		}
	}
	t.Logf("%d heartbeats, each with a sequence number the client had seen", n)
}

// messageAuthor is the user id of the published messages' author.
const messageAuthor = 80351110224678912

// publishMessages publishes MESSAGE_CREATEs numbered from..from+n-1 in
// their content ("interop N") to a guild of the client's shard, and checks
// that each reached exactly one session (connected or awaiting a resume).
func (f *fixture) publishMessages(t *testing.T, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		id := uint64(1<<40 + i)
		d := fmt.Sprintf(`{"id":"%d","channel_id":"%d","guild_id":"%d",`+
			`"author":{"id":"%d","username":"interop","discriminator":"0","global_name":null,"avatar":null,"bot":false},`+
			`"member":{"roles":[],"joined_at":"2025-01-01T00:00:00.000000+00:00","deaf":false,"mute":false,"flags":0},`+
			`"content":"interop %d","timestamp":"2026-01-01T00:00:00.000000+00:00","edited_timestamp":null,`+
			`"tts":false,"mention_everyone":false,"mentions":[],"mention_roles":[],"attachments":[],"embeds":[],`+
			`"pinned":false,"type":0,"flags":0}`, id, f.channel, f.owned[0], messageAuthor, i)
		got := f.srv.Publish(gatewaytest.Dispatch{
			Type: "MESSAGE_CREATE", GuildID: f.owned[0], ChannelID: f.channel, UserID: messageAuthor, Data: []byte(d),
		})
		if got != 1 {
			t.Fatalf("message %d reached %d sessions, want 1", i, got)
		}
	}
}

// messageNumber reads N from a published message's content, "interop N".
func messageNumber(content string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(content, "interop "))
	return n, err == nil && strings.HasPrefix(content, "interop ")
}

// session returns the one live session, failing the test if there is not
// exactly one.
func (f *fixture) session(t *testing.T) *gatewaytest.Session {
	t.Helper()
	ss := f.srv.Sessions()
	if len(ss) != 1 {
		t.Fatalf("%d live sessions, want 1", len(ss))
	}
	return ss[0]
}

// checkResumedOnce checks the emulator's records of everything the client
// did: exactly one IDENTIFY (for the right shard and intents, with the
// client's name in browser, asking for payload compression), exactly one
// RESUME, which resumed from a
// sequence number the client had seen, no lower than minSeq (what it had
// seen when the fault was injected), and no protocol violation on any
// connection.
func (f *fixture) checkResumedOnce(t *testing.T, browser string, minSeq int64, seen []int64) {
	t.Helper()
	var identifies, resumes int
	for _, c := range f.srv.Conns() {
		rec := c.Record()
		if len(rec.Violations) != 0 {
			t.Errorf("connection %d: violations %v", rec.ID, rec.Violations)
		}
		if id := rec.Identify; id != nil {
			identifies++
			if !slices.Equal(id.Shard, []int{testShard, testShardCount}) || id.Intents != testIntents {
				t.Errorf("identify sent shard %v intents %v, want [%d %d] and %v", id.Shard, id.Intents, testShard, testShardCount, testIntents)
			}
			if !strings.Contains(strings.ToLower(id.Properties.Browser), strings.ToLower(browser)) {
				t.Errorf("identify properties %+v do not name %s", id.Properties, browser)
			}
			// All three ask for compress:true: payloads of 1 KiB and
			// more (READY, GUILD_CREATE) then go out zlib-compressed.
			if !id.Compress || !rec.PayloadCompress {
				t.Errorf("identify compress %v, payload compression in effect %v: want both", id.Compress, rec.PayloadCompress)
			}
		}
		for _, r := range rec.Resumes {
			resumes++
			if r.Outcome != gatewaytest.Resumed || r.Seq < minSeq || !slices.Contains(seen, r.Seq) {
				t.Errorf("resume %+v: want resumed from a sequence number the client saw, at least %d", r, minSeq)
			}
			t.Logf("%s resumed from seq %d; %d dispatches replayed", browser, r.Seq, r.Replayed)
		}
	}
	if identifies != 1 || resumes != 1 {
		t.Errorf("the client identified %d times and resumed %d times, want once each", identifies, resumes)
	}
	if n := f.session(t).Resumes(); n != 1 {
		t.Errorf("the session was resumed %d times, want 1", n)
	}
}

// observed is what a client handed its user, filled by the client's event
// handlers on their goroutines.
type observed struct {
	mu         sync.Mutex
	readyShard []int    // READY's shard, as the client decoded it
	sessionID  string   // READY's session_id
	guilds     []uint64 // GUILD_CREATE ids, in order
	messages   []int    // published message numbers, in order
	resumed    int      // RESUMED events
	seqs       []int64  // dispatch sequence numbers, in order
	errs       []string // what the handlers found wrong
	notes      []string // what the client logged, for the test log
}

// maxNotes bounds the notes kept.
const maxNotes = 200

// fail records something wrong the client did or reported.
func (o *observed) fail(msg string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.errs = append(o.errs, msg)
}

// note keeps a line of the client's logs, to print with t.Log from the
// test's goroutine (a client goroutine may outlive the test).
func (o *observed) note(msg string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.notes) < maxNotes {
		o.notes = append(o.notes, msg)
	}
}

// logNotes prints the client's logs.
func (o *observed) logNotes(t *testing.T) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, n := range o.notes {
		t.Log(n)
	}
}

func (o *observed) ready(sessionID string, shard []int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.sessionID != "" {
		o.errs = append(o.errs, "a second READY")
	}
	o.sessionID, o.readyShard = sessionID, shard
}

func (o *observed) guild(id uint64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.guilds = append(o.guilds, id)
}

func (o *observed) message(content string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n, ok := messageNumber(content)
	if !ok {
		o.errs = append(o.errs, fmt.Sprintf("a message with content %q", content))
		return
	}
	o.messages = append(o.messages, n)
}

func (o *observed) resume() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.resumed++
}

func (o *observed) seq(s int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seqs = append(o.seqs, s)
}

// seqsSeen returns a copy of the dispatch sequence numbers seen so far.
func (o *observed) seqsSeen() []int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.seqs)
}

func (o *observed) lastSeq() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.seqs) == 0 {
		return 0
	}
	return o.seqs[len(o.seqs)-1]
}

// waitFor polls cond (under the lock) until it holds or ctx ends.
func (o *observed) waitFor(ctx context.Context, t *testing.T, what string, cond func(o *observed) bool) {
	t.Helper()
	for {
		o.mu.Lock()
		ok := cond(o)
		o.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ctx.Done():
			o.mu.Lock()
			defer o.mu.Unlock()
			t.Fatalf("timed out waiting for %s; the client saw READY shard %v, guilds %v, messages %v, %d RESUMED, errors %v",
				what, o.readyShard, o.guilds, o.messages, o.resumed, o.errs)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// waitReady waits for READY and the GUILD_CREATE of every guild of the
// shard.
func (o *observed) waitReady(ctx context.Context, t *testing.T, f *fixture) {
	t.Helper()
	o.waitFor(ctx, t, "READY and the shard's GUILD_CREATEs", func(o *observed) bool {
		return o.sessionID != "" && len(o.guilds) >= len(f.owned)
	})
}

// waitMessages waits until the client has seen n messages.
func (o *observed) waitMessages(ctx context.Context, t *testing.T, n int) {
	t.Helper()
	o.waitFor(ctx, t, fmt.Sprintf("%d messages", n), func(o *observed) bool { return len(o.messages) >= n })
}

// check verifies what the client delivered: READY for the right shard and
// session, the GUILD_CREATE of exactly the shard's guilds, messages 0..n-1
// each once and in order, one RESUMED, and dispatch sequence numbers that
// go up by one with no gap across the resume.
func (o *observed) check(t *testing.T, f *fixture, n int) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, e := range o.errs {
		t.Error(e)
	}
	if !slices.Equal(o.readyShard, []int{testShard, testShardCount}) {
		t.Errorf("READY shard %v, want [%d %d]", o.readyShard, testShard, testShardCount)
	}
	if id := f.session(t).ID(); o.sessionID != id {
		t.Errorf("READY session_id %q, the emulator's session is %q", o.sessionID, id)
	}
	got := slices.Sorted(slices.Values(o.guilds))
	want := slices.Sorted(slices.Values(f.owned))
	if !slices.Equal(got, want) {
		t.Errorf("GUILD_CREATE for %v, want the shard's guilds %v (the other shard has %v)", got, want, f.others)
	}
	if len(o.messages) != n {
		t.Errorf("%d messages %v, want %d", len(o.messages), o.messages, n)
	}
	for i, m := range o.messages {
		if m != i {
			t.Errorf("message %d is number %d: lost, repeated or reordered (%v)", i, m, o.messages)
			break
		}
	}
	if o.resumed != 1 {
		t.Errorf("%d RESUMED, want 1", o.resumed)
	}
	if len(o.seqs) == 0 || o.seqs[0] != 1 {
		t.Errorf("dispatch sequence numbers %v do not start at 1", o.seqs)
	}
	for i := 1; i < len(o.seqs); i++ {
		if o.seqs[i] != o.seqs[i-1]+1 {
			t.Errorf("dispatch sequence numbers jump from %d to %d: %v", o.seqs[i-1], o.seqs[i], o.seqs)
			break
		}
	}
}
