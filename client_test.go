package gateway_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/opcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testToken = "MTIzNDU2Nzg5.SECRET-TOKEN-xyz"

// wire records every payload the Client writes, one per Write call.
type wire struct{ payloads [][]byte }

func (w *wire) Write(p []byte) (int, error) {
	w.payloads = append(w.payloads, append([]byte(nil), p...))
	return len(p), nil
}

func (w *wire) last(t *testing.T) map[string]any {
	t.Helper()
	require.NotEmpty(t, w.payloads, "nothing written")
	var m map[string]any
	require.NoError(t, json.Unmarshal(w.payloads[len(w.payloads)-1], &m))
	return m
}

func msg(op int, s any, t any, d string) []byte {
	j := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	if d == "" {
		return []byte(fmt.Sprintf(`{"t":%s,"s":%s,"op":%d}`, j(t), j(s), op))
	}
	return []byte(fmt.Sprintf(`{"t":%s,"s":%s,"op":%d,"d":%s}`, j(t), j(s), op, d))
}

var (
	hello   = msg(10, nil, nil, `{"heartbeat_interval":41250,"_trace":["gw"]}`)
	ready   = msg(0, 1, "READY", `{"v":10,"user":{"id":"1"},"guilds":[],"session_id":"sess-1","resume_gateway_url":"wss://resume.example/","shard":[2,4],"application":{"id":"1","flags":0}}`)
	ack     = msg(11, nil, nil, "")
	resumed = func(s int) []byte { return msg(0, s, "RESUMED", `{}`) }
	mc      = func(s int) []byte { return msg(0, s, "MESSAGE_CREATE", `{"id":"9","content":"hi"}`) }
)

func newClient(t *testing.T, opts ...gateway.Option) *gateway.Client {
	t.Helper()
	base := []gateway.Option{gateway.WithToken(testToken), gateway.WithIntents(intents.Guilds | intents.GuildMessages), gateway.WithShard(2, 4), gateway.WithJitter(func() float64 { return 0.5 })}
	c, err := gateway.NewClient(append(base, opts...)...)
	require.NoError(t, err)
	return c
}

func process(t *testing.T, c *gateway.Client, w *wire, m []byte) gateway.Result {
	t.Helper()
	res, err := c.ProcessNext(bytes.NewReader(m), w)
	require.NoError(t, err)
	return res
}

// connect drives a new Client through HELLO, Identify and READY.
func connect(t *testing.T, c *gateway.Client, w *wire) {
	t.Helper()
	process(t, c, w, hello)
	res := process(t, c, w, ready)
	require.Equal(t, gateway.KindReady, res.Kind)
}

func TestIdentifyPayload(t *testing.T) {
	w := &wire{}
	c := newClient(t,
		gateway.WithProperties(gateway.Properties{OS: "linux", Browser: "b", Device: "d"}),
		gateway.WithPayloadCompression(true),
		gateway.WithLargeThreshold(250),
		gateway.WithPresence(json.RawMessage(`{"since":null,"activities":[{"name":"x","type":0}],"status":"dnd","afk":false}`)),
	)
	assert.Equal(t, gateway.StateHello, c.State())
	res := process(t, c, w, hello)
	assert.Equal(t, gateway.KindHello, res.Kind)
	assert.Equal(t, 41250*time.Millisecond, c.HeartbeatInterval())
	assert.Equal(t, 41250*time.Millisecond/2, c.FirstHeartbeatDelay())
	assert.Equal(t, gateway.StateIdentify, c.State())
	require.Len(t, w.payloads, 1)
	var got struct {
		Op int `json:"op"`
		D  struct {
			Token          string            `json:"token"`
			Properties     map[string]string `json:"properties"`
			Compress       bool              `json:"compress"`
			LargeThreshold int               `json:"large_threshold"`
			Shard          []int             `json:"shard"`
			Presence       map[string]any    `json:"presence"`
			Intents        uint64            `json:"intents"`
		} `json:"d"`
	}
	require.NoError(t, json.Unmarshal(w.payloads[0], &got))
	assert.Equal(t, 2, got.Op)
	assert.Equal(t, testToken, got.D.Token)
	assert.Equal(t, map[string]string{"os": "linux", "browser": "b", "device": "d"}, got.D.Properties)
	assert.True(t, got.D.Compress)
	assert.Equal(t, 250, got.D.LargeThreshold)
	assert.Equal(t, []int{2, 4}, got.D.Shard)
	assert.Equal(t, "dnd", got.D.Presence["status"])
	assert.Equal(t, uint64(513), got.D.Intents)

	res = process(t, c, w, ready)
	assert.Equal(t, gateway.KindReady, res.Kind)
	assert.True(t, res.IsDispatch())
	assert.Equal(t, "READY", res.Type)
	assert.Equal(t, gateway.StateConnected, c.State())
	s := c.Session()
	assert.Equal(t, gateway.Session{ID: "sess-1", Seq: 1, ResumeURL: "wss://resume.example/", ShardID: 2, ShardCount: 4}, s)
}

func TestTokenWithBotPrefixIsStripped(t *testing.T) {
	w := &wire{}
	c := newClient(t, gateway.WithToken("Bot "+testToken))
	process(t, c, w, hello)
	assert.Equal(t, testToken, w.last(t)["d"].(map[string]any)["token"])
}

func TestMinimalIdentifyOmitsOptionalFields(t *testing.T) {
	w := &wire{}
	c, err := gateway.NewClient(gateway.WithToken(testToken), gateway.WithIntents(0))
	require.NoError(t, err)
	process(t, c, w, hello)
	d := w.last(t)["d"].(map[string]any)
	for _, k := range []string{"compress", "large_threshold", "shard", "presence"} {
		assert.NotContains(t, d, k)
	}
	assert.Equal(t, float64(0), d["intents"])
	assert.Contains(t, d, "properties")
}

func TestDispatchSeqAndHeartbeat(t *testing.T) {
	w := &wire{}
	c := newClient(t)
	process(t, c, w, hello)
	// Heartbeats before READY carry null.
	require.NoError(t, c.Heartbeat(w))
	assert.Equal(t, map[string]any{"op": float64(1), "d": nil}, w.last(t))
	process(t, c, w, ack)
	assert.True(t, c.HeartbeatAcked())
	process(t, c, w, ready)
	for s := 2; s <= 5; s++ {
		res := process(t, c, w, mc(s))
		assert.Equal(t, gateway.KindDispatch, res.Kind)
		assert.Equal(t, int64(s), res.Seq)
		assert.JSONEq(t, `{"id":"9","content":"hi"}`, string(res.Data))
	}
	assert.Equal(t, int64(5), c.Seq())
	// Non-dispatch messages never move s.
	process(t, c, w, msg(11, 99, nil, ""))
	assert.Equal(t, int64(5), c.Seq())
	require.NoError(t, c.Heartbeat(w))
	assert.Equal(t, float64(5), w.last(t)["d"])
	assert.False(t, c.HeartbeatAcked())
}

func TestServerHeartbeatRequestAnsweredAtOnce(t *testing.T) {
	w := &wire{}
	c := newClient(t)
	connect(t, c, w)
	process(t, c, w, mc(7))
	n := len(w.payloads)
	res := process(t, c, w, msg(1, nil, nil, "null"))
	assert.Equal(t, gateway.KindHeartbeatRequest, res.Kind)
	require.Len(t, w.payloads, n+1)
	assert.Equal(t, map[string]any{"op": float64(1), "d": float64(7)}, w.last(t))
}

func TestZombieDetection(t *testing.T) {
	w := &wire{}
	c := newClient(t)
	connect(t, c, w)
	require.NoError(t, c.Heartbeat(w))
	// Nothing arrived since: the second beat finds a zombie and sends nothing.
	n := len(w.payloads)
	assert.ErrorIs(t, c.Heartbeat(w), gateway.ErrZombie)
	assert.Len(t, w.payloads, n)
	// Any frame proves liveness, not only an ACK.
	process(t, c, w, mc(2))
	require.NoError(t, c.Heartbeat(w))
	c.MarkAlive()
	require.NoError(t, c.Heartbeat(w))
}

func TestResumeFromSession(t *testing.T) {
	w := &wire{}
	old := newClient(t)
	connect(t, old, w)
	process(t, old, w, mc(2))
	process(t, old, w, mc(3))
	s := old.Close(closecode.Resumable)
	assert.Equal(t, gateway.StateClosed, old.State())
	_, err := old.ProcessNext(bytes.NewReader(mc(4)), w)
	assert.ErrorIs(t, err, gateway.ErrClosed)

	// The session survives a msgpack round trip, as it would through a store.
	raw, err := s.MarshalBinary()
	require.NoError(t, err)
	var back gateway.Session
	require.NoError(t, back.UnmarshalBinary(raw))
	require.Equal(t, s, back)

	w = &wire{}
	c := newClient(t, gateway.WithSession(back))
	assert.True(t, c.Resuming())
	process(t, c, w, hello)
	assert.Equal(t, gateway.StateResume, c.State())
	require.Len(t, w.payloads, 1)
	assert.Equal(t, map[string]any{"op": float64(6), "d": map[string]any{"token": testToken, "session_id": "sess-1", "seq": float64(3)}}, w.last(t))
	for s := 4; s <= 6; s++ {
		res := process(t, c, w, mc(s))
		assert.Equal(t, gateway.KindDispatch, res.Kind)
	}
	res := process(t, c, w, resumed(7))
	assert.Equal(t, gateway.KindResumed, res.Kind)
	assert.Equal(t, gateway.StateConnected, c.State())
	assert.Equal(t, int64(7), c.Seq())
}

// TestResumeReplayingAnEarlierResumed: RESUMED is a sequenced dispatch, so
// a resume from before an earlier resume's RESUMED replays it, and the
// server's new RESUMED follows the replay. Both are delivered, in order, and
// the sequence number runs on without a hole (dropping the second RESUMED
// lost its sequence number: the chaos soak saw "lost 1 dispatches").
func TestResumeReplayingAnEarlierResumed(t *testing.T) {
	w := &wire{}
	c := newClient(t, gateway.WithSession(gateway.Session{ID: "sess-1", Seq: 3, ResumeURL: "wss://resume.example/", ShardID: 2, ShardCount: 4}))
	process(t, c, w, hello)
	require.Equal(t, gateway.StateResume, c.State())
	res := process(t, c, w, mc(4))
	assert.Equal(t, gateway.KindDispatch, res.Kind)
	res = process(t, c, w, resumed(5)) // the earlier resume's RESUMED, replayed
	assert.Equal(t, gateway.KindResumed, res.Kind)
	res = process(t, c, w, mc(6))
	assert.Equal(t, gateway.KindDispatch, res.Kind)
	res = process(t, c, w, resumed(7)) // this resume's RESUMED
	assert.Equal(t, gateway.KindDispatch, res.Kind)
	assert.Equal(t, "RESUMED", res.Type)
	assert.Equal(t, int64(7), res.Seq)
	assert.Equal(t, int64(7), c.Seq(), "a resume must not skip the RESUMED")
	res = process(t, c, w, mc(8))
	assert.Equal(t, int64(8), res.Seq)
	// READY stays unexpected once connected.
	_, err := c.Process(ready, w)
	assert.ErrorIs(t, err, gateway.ErrUnexpected)
}

func TestSessionOfAnotherShardLayoutIsRefused(t *testing.T) {
	s := gateway.Session{ID: "x", Seq: 5, ResumeURL: "wss://r/", ShardID: 2, ShardCount: 8}
	_, err := gateway.NewClient(gateway.WithToken(testToken), gateway.WithIntents(0), gateway.WithShard(2, 4), gateway.WithSession(s))
	assert.ErrorIs(t, err, gateway.ErrSessionMismatch)
	assert.ErrorIs(t, err, gateway.ErrConfig)
	// An empty session just identifies.
	c, err := gateway.NewClient(gateway.WithToken(testToken), gateway.WithIntents(0), gateway.WithSession(gateway.Session{}))
	require.NoError(t, err)
	assert.False(t, c.Resuming())
}

func TestReconnectAtAnyPoint(t *testing.T) {
	for _, before := range [][][]byte{{}, {hello}, {hello, ready}, {hello, ready, mc(2)}} {
		w := &wire{}
		c := newClient(t)
		for _, m := range before {
			process(t, c, w, m)
		}
		res := process(t, c, w, msg(7, nil, nil, "null"))
		assert.Equal(t, gateway.KindReconnect, res.Kind)
		assert.Equal(t, gateway.StateClosed, c.State())
		s := c.Session()
		assert.Equal(t, len(before) >= 2, s.Resumable(), "after %d messages", len(before))
	}
}

func TestInvalidSession(t *testing.T) {
	for _, resumable := range []bool{true, false} {
		w := &wire{}
		c := newClient(t)
		connect(t, c, w)
		process(t, c, w, mc(2))
		res := process(t, c, w, msg(9, nil, nil, fmt.Sprint(resumable)))
		assert.Equal(t, gateway.KindInvalidSession, res.Kind)
		assert.Equal(t, resumable, res.Resumable)
		assert.Equal(t, gateway.StateClosed, c.State())
		assert.Equal(t, resumable, c.Session().Resumable())
		if resumable {
			assert.Equal(t, int64(2), c.Session().Seq)
		}
	}
	// op 9 false answering a Resume means identify anew.
	w := &wire{}
	c := newClient(t, gateway.WithSession(gateway.Session{ID: "old", Seq: 9, ShardID: 2, ShardCount: 4}))
	process(t, c, w, hello)
	process(t, c, w, msg(9, nil, nil, "false"))
	assert.False(t, c.Session().Resumable())
}

func TestCloseCodes(t *testing.T) {
	codes := append([]closecode.Code{1000, 1001, 1006, 4006, 4999}, closecode.All...)
	for _, code := range codes {
		t.Run(code.String(), func(t *testing.T) {
			w := &wire{}
			c := newClient(t)
			connect(t, c, w)
			err := c.HandleClose(code, "bye")
			var ce *gateway.CloseError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, code, ce.Code)
			assert.ErrorIs(t, err, gateway.CodeError(code))
			assert.NotErrorIs(t, err, gateway.CodeError(code+1))
			assert.Equal(t, code.Fatal(), ce.Fatal())
			assert.Equal(t, gateway.StateClosed, c.State())
			assert.Equal(t, code.Action() == closecode.Resume, c.Session().Resumable())
			assert.Equal(t, err, c.Err())
			assert.Contains(t, err.Error(), fmt.Sprint(int(code)))
		})
	}
	want := map[closecode.Code]bool{4004: true, 4010: true, 4011: true, 4012: true, 4013: true, 4014: true}
	for _, code := range closecode.All {
		assert.Equal(t, want[code], code.Fatal(), code)
	}
}

func TestClientInitiatedClose(t *testing.T) {
	for _, tc := range []struct {
		code      closecode.Code
		resumable bool
	}{{closecode.Normal, false}, {closecode.GoingAway, false}, {closecode.Resumable, true}, {4200, true}} {
		w := &wire{}
		c := newClient(t)
		connect(t, c, w)
		assert.Equal(t, tc.resumable, c.Close(tc.code).Resumable(), tc.code)
		assert.ErrorIs(t, c.Heartbeat(w), gateway.ErrClosed)
	}
}

func TestDeferredIdentify(t *testing.T) {
	w := &wire{}
	c := newClient(t, gateway.WithDeferredIdentify())
	res := process(t, c, w, hello)
	assert.Equal(t, gateway.KindHello, res.Kind)
	assert.Empty(t, w.payloads)
	require.NoError(t, c.Identify(w))
	assert.Equal(t, float64(2), w.last(t)["op"])
	assert.ErrorIs(t, c.Identify(w), gateway.ErrUnexpected, "a second identify must be refused (4005)")
}

func TestSend(t *testing.T) {
	w := &wire{}
	c := newClient(t)
	presence := []byte(`{"since":null,"activities":[],"status":"online","afk":false}`)
	assert.ErrorIs(t, c.Send(w, opcode.PresenceUpdate, presence), gateway.ErrNotConnected)
	connect(t, c, w)
	for _, op := range []opcode.Opcode{3, 4, 8, 31, 43} {
		require.NoError(t, c.Send(w, op, []byte(`{"guild_id":"1"}`)))
		assert.Equal(t, float64(op), w.last(t)["op"])
	}
	for _, op := range []opcode.Opcode{0, 1, 2, 6, 7, 9, 10, 11, 5, 99} {
		assert.ErrorIs(t, c.Send(w, op, []byte(`{}`)), gateway.ErrNotCommand, op)
	}
	big := []byte(`{"guild_id":"1","query":"` + strings.Repeat("a", 4096) + `","limit":0}`)
	n := len(w.payloads)
	assert.ErrorIs(t, c.Send(w, opcode.RequestGuildMembers, big), gateway.ErrPayloadTooLarge)
	assert.Len(t, w.payloads, n, "an oversize payload must not be written")
	assert.Error(t, c.Send(w, opcode.PresenceUpdate, []byte(`{"broken"`)))
}

func TestUnexpectedAndUnknownMessages(t *testing.T) {
	w := &wire{}
	c := newClient(t)
	// A dispatch before HELLO is refused and does not move s.
	_, err := c.ProcessNext(bytes.NewReader(mc(5)), w)
	assert.ErrorIs(t, err, gateway.ErrUnexpected)
	assert.Equal(t, int64(0), c.Seq())
	// Unknown op codes are ignored.
	res := process(t, c, w, msg(42, nil, nil, `{"x":1}`))
	assert.Equal(t, gateway.KindUnknown, res.Kind)
	process(t, c, w, hello)
	// A dispatch other than READY while identifying.
	_, err = c.ProcessNext(bytes.NewReader(mc(2)), w)
	assert.ErrorIs(t, err, gateway.ErrUnexpected)
	process(t, c, w, ready)
	_, err = c.ProcessNext(bytes.NewReader(hello), w)
	assert.ErrorIs(t, err, gateway.ErrUnexpected)
	_, err = c.ProcessNext(bytes.NewReader(ready), w)
	assert.ErrorIs(t, err, gateway.ErrUnexpected)
	assert.Equal(t, gateway.StateConnected, c.State())
}

func TestMalformedInputIsAnError(t *testing.T) {
	bad := [][]byte{
		nil, []byte(`{`), []byte(`[]`), []byte(`{"op":"x"}`), []byte(`{"d":1}`),
		[]byte(`{"op":10,"d":{}}`), []byte(`{"op":10,"d":{"heartbeat_interval":-5}}`), []byte(`{"op":10,"d":{"heartbeat_interval":"x"}}`),
		[]byte(`{"op":10,"d":{"heartbeat_interval":1e30}}`),
	}
	for _, m := range bad {
		c := newClient(t)
		_, err := c.ProcessNext(bytes.NewReader(m), &wire{})
		assert.Error(t, err, "%q", m)
		assert.Equal(t, gateway.StateHello, c.State())
	}
	c := newClient(t)
	w := &wire{}
	process(t, c, w, hello)
	_, err := c.ProcessNext(bytes.NewReader(msg(0, 1, "READY", `{"v":10}`)), w)
	assert.Error(t, err, "READY without session_id")
}

func TestInvalidConfiguration(t *testing.T) {
	cases := map[string][]gateway.Option{
		"no token":          {gateway.WithIntents(0)},
		"blank token":       {gateway.WithToken("Bot "), gateway.WithIntents(0)},
		"no intents":        {gateway.WithToken(testToken)},
		"undocumented bit":  {gateway.WithToken(testToken), gateway.WithIntents(1 << 17)},
		"shard id >= count": {gateway.WithToken(testToken), gateway.WithIntents(0), gateway.WithShard(4, 4)},
		"shard count 0":     {gateway.WithToken(testToken), gateway.WithIntents(0), gateway.WithShard(0, 0)},
		"large threshold":   {gateway.WithToken(testToken), gateway.WithIntents(0), gateway.WithLargeThreshold(251)},
		"bad presence":      {gateway.WithToken(testToken), gateway.WithIntents(0), gateway.WithPresence([]byte(`{`))},
		"nil jitter":        {gateway.WithToken(testToken), gateway.WithIntents(0), gateway.WithJitter(nil)},
		"nil codec":         {gateway.WithToken(testToken), gateway.WithIntents(0), gateway.WithCodec(nil)},
	}
	for name, opts := range cases {
		_, err := gateway.NewClient(opts...)
		assert.ErrorIs(t, err, gateway.ErrConfig, name)
		if err != nil {
			assert.NotContains(t, err.Error(), "SECRET", name)
		}
	}
	_, err := gateway.NewClient(gateway.WithToken(testToken), gateway.WithIntents(1<<17))
	assert.ErrorIs(t, err, intents.ErrUnknown)
}

func TestTokenNeverLeaks(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	w := &wire{}
	c := newClient(t, gateway.WithLogger(logger))
	connect(t, c, w)
	process(t, c, w, mc(2))
	s := c.Close(closecode.Resumable)
	c2 := newClient(t, gateway.WithLogger(logger), gateway.WithSession(s))
	process(t, c2, w, hello)
	err := c2.HandleClose(closecode.AuthenticationFailed, "Authentication failed.")
	logger.Info("client", "c", c, "c2", c2, "token", gateway.NewToken(testToken))
	var out strings.Builder
	out.WriteString(logs.String())
	for _, v := range []any{c, c2, err, gateway.NewToken(testToken), s} {
		fmt.Fprintf(&out, "%v %+v %#v %s %q %x\n", v, v, v, v, v, v)
	}
	b, _ := json.Marshal(struct{ T gateway.Token }{gateway.NewToken(testToken)})
	out.Write(b)
	assert.NotContains(t, out.String(), "SECRET")
	assert.NotContains(t, out.String(), "MTIzNDU2Nzg5")
	// The token reached the wire, and only the wire.
	assert.Contains(t, string(w.payloads[0]), testToken)
}

func TestProcessNextShrinksAfterHugeMessage(t *testing.T) {
	w := &wire{}
	c := newClient(t)
	connect(t, c, w)
	huge := msg(0, 2, "GUILD_CREATE", `{"id":"1","pad":"`+strings.Repeat("x", 4<<20)+`"}`)
	res := process(t, c, w, huge)
	assert.Len(t, res.Data, len(huge)-len(`{"t":"GUILD_CREATE","s":2,"op":0,"d":}`))
	small := mc(3)
	r := bytes.NewReader(small)
	allocs := testing.AllocsPerRun(20, func() {
		r.Reset(small)
		if _, err := c.ProcessNext(r, w); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs, "steady-state ProcessNext should not allocate")
}

// A shard beats every interval for its whole life: with thousands of shards
// an allocation per heartbeat is steady garbage for the collector.
func TestHeartbeatDoesNotAllocate(t *testing.T) {
	w := &wire{}
	c := newClient(t)
	connect(t, c, w)
	allocs := testing.AllocsPerRun(20, func() {
		if err := c.Heartbeat(io.Discard); err != nil {
			t.Fatal(err)
		}
		c.MarkAlive()
	})
	assert.Zero(t, allocs, "a heartbeat should not allocate")
}
