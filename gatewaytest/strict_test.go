package gatewaytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gatewaykit/gateway/encoding/etf"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/opcode"
)

// Every close code the gateway sends for a client's mistake, each provoked
// by a raw client over a real connection.
func TestCloseCodes(t *testing.T) {
	ident := func(extra string) string { return identifyJSON("tok", 1, nil, extra) }
	for _, tc := range []struct {
		name   string
		cfg    Config
		dial   dialOpts
		code   int
		reason string // substring of the recorded violation
		run    func(t *testing.T, c *testClient)
	}{
		{
			name: "4001 unknown op",
			code: 4001, reason: "op 5",
			run: func(t *testing.T, c *testClient) { c.hello(); c.send(5, `{}`) },
		},
		{
			name: "4001 receive-only op",
			code: 4001, reason: "op 11",
			run: func(t *testing.T, c *testClient) { c.hello(); c.send(opcode.HeartbeatACK, nil) },
		},
		{
			name: "4001 identify d not an object",
			code: 4001, reason: "identify",
			run: func(t *testing.T, c *testClient) { c.hello(); c.send(opcode.Identify, `[1,2]`) },
		},
		{
			name: "4001 identify without properties",
			code: 4001, reason: "properties",
			run: func(t *testing.T, c *testClient) {
				c.hello()
				c.send(opcode.Identify, `{"token":"tok","intents":1}`)
			},
		},
		{
			name: "4001 large_threshold out of range",
			code: 4001, reason: "large_threshold",
			run: func(t *testing.T, c *testClient) { c.hello(); c.send(opcode.Identify, ident(`"large_threshold":20`)) },
		},
		{
			name: "4001 heartbeat with a string",
			code: 4001, reason: "heartbeat",
			run: func(t *testing.T, c *testClient) { c.hello(); c.send(opcode.Heartbeat, `"12"`) },
		},
		{
			name: "4001 bad presence update",
			code: 4001, reason: "status",
			run: func(t *testing.T, c *testClient) {
				c.identify("tok", 1, nil)
				c.send(opcode.PresenceUpdate, `{"since":null,"activities":[],"status":"sleepy","afk":false}`)
			},
		},
		{
			name: "4001 presence update without activities",
			code: 4001, reason: "activities missing",
			run: func(t *testing.T, c *testClient) {
				c.identify("tok", 1, nil)
				c.send(opcode.PresenceUpdate, `{"since":null,"game":{"name":"x","type":0},"status":"online","afk":false}`)
			},
		},
		{
			name: "4001 presence update with an empty status",
			code: 4001, reason: "status",
			run: func(t *testing.T, c *testClient) {
				c.identify("tok", 1, nil)
				c.send(opcode.PresenceUpdate, `{"since":null,"activities":[],"status":"","afk":false}`)
			},
		},
		{
			name: "4001 request members with both query and user_ids",
			code: 4001, reason: "exactly one",
			run: func(t *testing.T, c *testClient) {
				c.identify("tok", 1, nil)
				c.send(opcode.RequestGuildMembers, `{"guild_id":"1","query":"","limit":0,"user_ids":["2"]}`)
			},
		},
		{
			name: "4001 identify token not a string",
			code: 4001, reason: "token is not a string",
			run: func(t *testing.T, c *testClient) {
				c.hello()
				c.send(opcode.Identify, `{"token":7,"intents":1,"properties":{"os":"a","browser":"b","device":"c"}}`)
			},
		},
		{
			name: "4001 identify compress not a boolean",
			code: 4001, reason: "compress",
			run: func(t *testing.T, c *testClient) { c.hello(); c.send(opcode.Identify, ident(`"compress":"yes"`)) },
		},
		{
			name: "4001 identify presence activities not an array",
			code: 4001, reason: "activities",
			run: func(t *testing.T, c *testClient) {
				c.hello()
				c.send(opcode.Identify, ident(`"presence":{"activities":{"name":"x","type":0},"status":"online"}`))
			},
		},
		{
			name: "4001 identify presence activity without a name",
			code: 4001, reason: "name",
			run: func(t *testing.T, c *testClient) {
				c.hello()
				c.send(opcode.Identify, ident(`"presence":{"activities":[{"type":0}],"status":"online"}`))
			},
		},
		{
			name: "4001 identify presence status not a string",
			code: 4001, reason: "status",
			run: func(t *testing.T, c *testClient) {
				c.hello()
				c.send(opcode.Identify, ident(`"presence":{"activities":[],"status":1}`))
			},
		},
		{
			name: "4001 identify without d",
			code: 4001, reason: "without d",
			run: func(t *testing.T, c *testClient) { c.hello(); c.sendRaw([]byte(`{"op":2}`)) },
		},
		{
			name: "4001 resume with a string seq",
			code: 4001, reason: "resume",
			run: func(t *testing.T, c *testClient) {
				c.hello()
				c.send(opcode.Resume, `{"token":"tok","session_id":"x","seq":"12"}`)
			},
		},
		{
			name: "4001 voice state with a non-boolean self_mute",
			code: 4001, reason: "self_mute",
			run: func(t *testing.T, c *testClient) {
				c.identify("tok", 1, nil)
				c.send(opcode.VoiceStateUpdate, `{"guild_id":"1","channel_id":null,"self_mute":"no","self_deaf":false}`)
			},
		},
		{
			name: "4001 unknown op with a valid d",
			code: 4001, reason: "op 12",
			run: func(t *testing.T, c *testClient) { c.identify("tok", 1, nil); c.send(12, `{"guild_id":"1"}`) },
		},
		{
			name: "4002 malformed JSON",
			code: 4002, reason: "decode error",
			run: func(t *testing.T, c *testClient) { c.hello(); c.sendRaw([]byte(`{"op":1,"d":`)) },
		},
		{
			name: "4002 payload over 4096 bytes",
			code: 4002, reason: "4096",
			run: func(t *testing.T, c *testClient) {
				c.hello()
				c.send(opcode.PresenceUpdate, `{"pad":"`+strings.Repeat("x", 4100)+`"}`)
			},
		},
		{
			name: "4002 ETF atom keys",
			dial: dialOpts{encName: "etf"},
			code: 4002, reason: "atom",
			run: func(t *testing.T, c *testClient) {
				c.hello()
				// {op: 1, d: nil} with atom keys, as a careless encoder writes it.
				b := etf.AppendVersion(nil)
				b = etf.AppendMapHeader(b, 2)
				b, _ = etf.AppendAtom(b, "op")
				b = etf.AppendInt(b, 1)
				b, _ = etf.AppendAtom(b, "d")
				b = etf.AppendNull(b)
				c.writeFrame(0x2, b)
			},
		},
		{
			name: "4003 command before identify",
			code: 4003, reason: "before identify",
			run: func(t *testing.T, c *testClient) {
				c.hello()
				c.send(opcode.PresenceUpdate, `{"since":null,"activities":[],"status":"online","afk":false}`)
			},
		},
		{
			name: "4004 unknown token",
			cfg:  Config{Tokens: []string{"good"}},
			code: 4004, reason: "token",
			run: func(t *testing.T, c *testClient) { c.hello(); c.send(opcode.Identify, ident("")) },
		},
		{
			name: "4004 empty token",
			code: 4004, reason: "token",
			run: func(t *testing.T, c *testClient) {
				c.hello()
				c.send(opcode.Identify, identifyJSON("", 1, nil, ""))
			},
		},
		{
			name: "4005 second identify",
			code: 4005, reason: "already",
			run: func(t *testing.T, c *testClient) {
				c.identify("tok", 1, nil)
				c.send(opcode.Identify, ident(""))
			},
		},
		{
			name: "4008 over 120 payloads per minute",
			code: 4008, reason: "120",
			run: func(t *testing.T, c *testClient) {
				c.hello()
				for i := 0; i < 121; i++ {
					c.send(opcode.Heartbeat, nil)
				}
			},
		},
		{
			name: "4010 shard id not below count",
			code: 4010, reason: "shard",
			run: func(t *testing.T, c *testClient) {
				c.hello()
				c.send(opcode.Identify, identifyJSON("tok", 1, []int{2, 2}, ""))
			},
		},
		{
			name: "4010 shard count zero",
			code: 4010, reason: "shard",
			run: func(t *testing.T, c *testClient) {
				c.hello()
				c.send(opcode.Identify, identifyJSON("tok", 1, []int{0, 0}, ""))
			},
		},
		{
			name: "4010 shard count not a multiple",
			cfg:  Config{ShardMultiple: 16},
			code: 4010, reason: "multiple of 16",
			run: func(t *testing.T, c *testClient) {
				c.hello()
				c.send(opcode.Identify, identifyJSON("tok", 1, []int{0, 8}, ""))
			},
		},
		{
			name: "4011 sharding required",
			cfg:  Config{Guilds: 8, MaxGuildsPerShard: 3},
			code: 4011, reason: "8 guilds",
			run: func(t *testing.T, c *testClient) { c.hello(); c.send(opcode.Identify, ident("")) },
		},
		{
			name: "4012 version 8",
			dial: dialOpts{version: "8"},
			code: 4012, reason: "version",
			run: func(t *testing.T, c *testClient) {},
		},
		{
			name: "4012 version missing",
			dial: dialOpts{query: "encoding=json"},
			code: 4012, reason: "version",
			run: func(t *testing.T, c *testClient) {},
		},
		{
			name: "4013 undocumented intent bit",
			code: 4013, reason: "undocumented",
			run: func(t *testing.T, c *testClient) {
				c.hello()
				c.send(opcode.Identify, identifyJSON("tok", 1<<17, nil, ""))
			},
		},
		{
			name: "4013 intents missing",
			code: 4013, reason: "missing",
			run: func(t *testing.T, c *testClient) {
				c.hello()
				c.send(opcode.Identify, `{"token":"tok","properties":{"os":"a","browser":"b","device":"c"}}`)
			},
		},
		{
			name: "4014 privileged intent not allowed",
			cfg:  Config{AllowedPrivileged: intents.GuildPresences},
			code: 4014, reason: "GUILD_MEMBERS",
			run: func(t *testing.T, c *testClient) {
				c.hello()
				c.send(opcode.Identify, identifyJSON("tok", uint64(intents.Guilds|intents.GuildMembers), nil, ""))
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			if cfg.Guilds == 0 {
				cfg.Guilds = 2
			}
			s := newTestServer(t, cfg)
			c := dialGateway(t, s.URL(), tc.dial)
			tc.run(t, c)
			c.expectClose(tc.code)
			rec := lastConn(t, s).Record()
			if int(rec.CloseSent) != tc.code || !hasViolation(rec, tc.code, tc.reason) {
				t.Fatalf("record: close sent %d, violations %v; want %d with %q", rec.CloseSent, rec.Violations, tc.code, tc.reason)
			}
		})
	}
}

func TestPrivilegedIntentAllowed(t *testing.T) {
	s := newTestServer(t, Config{Guilds: 1, AllowedPrivileged: intents.Privileged})
	c := dialGateway(t, s.URL(), dialOpts{})
	r := c.identify("tok", uint64(intents.All), nil)
	if r.Application.Flags&(1<<12|1<<14|1<<18) != 1<<12|1<<14|1<<18 {
		t.Fatalf("application flags %b lack the gateway intent flags", r.Application.Flags)
	}
}

func TestIdentifyConcurrencyGetsOp9(t *testing.T) {
	s := newTestServer(t, Config{Guilds: 4, MaxConcurrency: 2, Shards: 4})
	identify := func(shard int) msg {
		c := dialGateway(t, s.URL(), dialOpts{})
		c.hello()
		c.send(opcode.Identify, identifyJSON("tok", 1, []int{shard, 4}, ""))
		return c.readUntil(func(m msg) bool { return m.Op == opcode.InvalidSession || m.T == "READY" })
	}
	if m := identify(0); m.T != "READY" {
		t.Fatalf("shard 0: got op %d", m.Op)
	}
	if m := identify(1); m.T != "READY" { // bucket 1: its own slot
		t.Fatalf("shard 1: got op %d", m.Op)
	}
	m := identify(2) // bucket 0 again within 5 s
	if m.Op != opcode.InvalidSession || string(m.D) != "false" {
		t.Fatalf("shard 2: got op %d d=%s, want op 9 false", m.Op, m.D)
	}
	st := s.Stats()
	if st.Identifies != 2 || st.IdentifyRefused != 1 || st.MaxIdentifiesPerBucket != 2 {
		t.Fatalf("stats %+v", st)
	}
	if rec := lastConn(t, s).Record(); !hasViolation(rec, 0, "bucket 0") || rec.InvalidSessions != 1 {
		t.Fatalf("record %v", rec.Violations)
	}
}

func getJSON(t *testing.T, url, auth string, v any) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v (%s)", url, err, body)
		}
	}
	return resp.StatusCode
}

func TestSessionStartLimitCountsDown(t *testing.T) {
	s := newTestServer(t, Config{Guilds: 1, SessionStartLimit: 2, MaxConcurrency: 16, Shards: 16})
	remaining := func() int {
		var gb GatewayBot
		if code := getJSON(t, s.APIURL()+"/gateway/bot", "Bot tok", &gb); code != 200 {
			t.Fatalf("status %d", code)
		}
		return gb.SessionStartLimit.Remaining
	}
	if r := remaining(); r != 2 {
		t.Fatalf("remaining %d, want 2", r)
	}
	for shard := 0; shard < 2; shard++ {
		c := dialGateway(t, s.URL(), dialOpts{})
		c.identify("tok", 1, []int{shard, 16})
		if r := remaining(); r != 1-shard {
			t.Fatalf("after %d identifies remaining %d", shard+1, r)
		}
	}
	c := dialGateway(t, s.URL(), dialOpts{})
	c.hello()
	c.send(opcode.Identify, identifyJSON("tok", 1, []int{2, 16}, ""))
	c.expectClose(4004)
	if !hasViolation(lastConn(t, s).Record(), 4004, "session_start_limit") {
		t.Fatalf("violation not recorded")
	}
	// Another token has its own budget.
	c2 := dialGateway(t, s.URL(), dialOpts{})
	c2.identify("tok2", 1, []int{2, 16})
}

func TestRESTEndpoints(t *testing.T) {
	s := newTestServer(t, Config{Guilds: 1, Tokens: []string{"tok"}, Shards: 3, MaxConcurrency: 4, SessionStartLimit: 50})
	base := strings.TrimSuffix(s.APIURL(), "/api/v10")
	for _, v := range []string{"/api/v10", "/api/v9"} {
		var g struct {
			URL string `json:"url"`
		}
		if code := getJSON(t, base+v+"/gateway", "", &g); code != 200 || g.URL != s.URL() {
			t.Fatalf("%s/gateway: %d %q", v, code, g.URL)
		}
		var gb GatewayBot
		if code := getJSON(t, base+v+"/gateway/bot", "Bot tok", &gb); code != 200 {
			t.Fatalf("%s/gateway/bot: %d", v, code)
		}
		want := SessionStartLimit{Total: 50, Remaining: 50, MaxConcurrency: 4}
		got := gb.SessionStartLimit
		if gb.URL != s.URL() || gb.Shards != 3 || got.Total != want.Total || got.Remaining != want.Remaining ||
			got.MaxConcurrency != want.MaxConcurrency || got.ResetAfter <= 0 || got.ResetAfter > 86400000 {
			t.Fatalf("%s/gateway/bot: %+v", v, gb)
		}
		var e apiError
		for _, auth := range []string{"", "Bot nope", "tok", "Bearer tok"} {
			if code := getJSON(t, base+v+"/gateway/bot", auth, &e); code != 401 || e.Message != "401: Unauthorized" {
				t.Fatalf("auth %q: %d %+v", auth, code, e)
			}
		}
	}
	if code := getJSON(t, base+"/api/v10/users/@me", "Bot tok", nil); code != 404 {
		t.Fatalf("unknown route: %d", code)
	}
	resp, err := http.Post(s.APIURL()+"/gateway", "application/json", bytes.NewReader(nil))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Fatalf("POST: %d", resp.StatusCode)
	}
}

func TestBadQueryRejectedAtUpgrade(t *testing.T) {
	s := newTestServer(t, Config{Guilds: 1})
	for _, q := range []string{"v=10&encoding=xml", "v=10&encoding=json&compress=gzip"} {
		if _, err := tryDial(t, s.URL(), dialOpts{query: q}); err == nil {
			t.Fatalf("query %q accepted", q)
		}
	}
}

// Identify payloads Discord accepts though they are not the documented
// shape: each must get READY with no violation recorded. The first is what
// discordgo v0.28 sends (a "Bot "-prefixed token, the deprecated $-spelled
// properties, a legacy game object, an empty status and no activities).
func TestIdentifyLenientWhereDiscordIs(t *testing.T) {
	props := `"properties":{"os":"linux","browser":"b","device":"d"}`
	for _, tc := range []struct {
		name, d string
	}{
		{"discordgo", `{"token":"Bot tok","properties":{"$os":"linux","$browser":"DiscordGo v0.28.1","$device":"","$referer":"","$referring_domain":""},` +
			`"compress":false,"large_threshold":250,"shard":[0,1],` +
			`"presence":{"since":0,"game":{"name":"","type":0,"created_at":"0001-01-01T00:00:00Z","timestamps":{},"emoji":{"id":"","name":"","user":null,"animated":false},"party":{},"assets":{},"secrets":{}},"status":"","afk":false},` +
			`"intents":1}`},
		{"unknown fields", `{"token":"tok",` + props + `,"intents":1,"guild_subscriptions":false,"capabilities":125,"client_state":{"guild_hashes":{}},"future_field":[1,{"x":null}]}`},
		{"null optional fields", `{"token":"tok",` + props + `,"intents":1,"compress":null,"large_threshold":null,"shard":null,"presence":null}`},
		{"presence without activities, since or afk", `{"token":"tok",` + props + `,"intents":1,"presence":{"status":"idle"}}`},
		{"presence with null activities and afk", `{"token":"tok",` + props + `,"intents":1,` +
			`"presence":{"since":null,"activities":null,"status":"online","afk":null}}`},
		{"activity with fields bots cannot set", `{"token":"tok",` + props + `,"intents":1,` +
			`"presence":{"since":91879201,"activities":[{"name":"x","type":1,"url":null,"state":null,"created_at":0,"emoji":{"name":"e"}}],"status":"dnd","afk":false}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, Config{Guilds: 2, Tokens: []string{"tok"}})
			c := dialGateway(t, s.URL(), dialOpts{})
			c.hello()
			c.send(opcode.Identify, tc.d)
			r := c.readReady()
			if r.SessionID == "" {
				t.Fatalf("READY without a session id")
			}
			rec := lastConn(t, s).Record()
			if len(rec.Violations) != 0 || rec.Identify == nil || rec.Identify.Token.Reveal() != "tok" {
				t.Fatalf("record: violations %v, identify %+v", rec.Violations, rec.Identify)
			}
		})
	}
}

// A presence update (op 3) with null activities (accepted by Discord since
// 2021), unknown fields and activity fields bots cannot set is accepted,
// and a resume with a "Bot "-prefixed token resumes the session of the
// bare one.
func TestPresenceUpdateAndResumeLenient(t *testing.T) {
	s := newTestServer(t, Config{Guilds: 2, Tokens: []string{"tok"}})
	c := dialGateway(t, s.URL(), dialOpts{})
	r := c.identify("tok", 1, nil)
	c.send(opcode.PresenceUpdate, `{"since":null,"activities":null,"status":"idle","afk":false,"unknown":1}`)
	c.send(opcode.PresenceUpdate, `{"since":0,"activities":[{"name":"cards","type":0,"created_at":"0001-01-01T00:00:00Z","emoji":{}}],"status":"online","afk":false}`)
	c.send(opcode.Heartbeat, nil)
	c.readUntil(func(m msg) bool { return m.Op == opcode.HeartbeatACK })
	if rec := lastConn(t, s).Record(); len(rec.Violations) != 0 {
		t.Fatalf("op 3 refused: %v", rec.Violations)
	}
	if err := s.Sessions()[0].DropTCP(); err != nil {
		t.Fatal(err)
	}
	c2 := dialGateway(t, s.URL(), dialOpts{})
	c2.hello()
	c2.send(opcode.Resume, fmt.Sprintf(`{"token":"Bot tok","session_id":%q,"seq":1}`, r.SessionID))
	c2.readUntil(func(m msg) bool { return m.T == "RESUMED" }) // after the replayed GUILD_CREATEs
	rec := lastConn(t, s).Record()
	if len(rec.Resumes) != 1 || rec.Resumes[0].Outcome != Resumed || len(rec.Violations) != 0 {
		t.Fatalf("record %v", rec)
	}
}

// Which presences Discord takes, in an identify and in op 3.
func TestPresenceValidation(t *testing.T) {
	for _, tc := range []struct {
		d                 string
		identifyOK, op3OK bool
	}{
		{`{"since":91879201,"activities":[{"name":"x","type":0}],"status":"dnd","afk":false}`, true, true},
		{`{"since":null,"activities":null,"status":"online","afk":false}`, true, true},
		{`{"activities":[],"status":"invisible"}`, true, true},
		{`{"since":0,"game":{"name":"","type":0},"status":"","afk":false}`, true, false}, // discordgo's identify
		{`{"status":"idle"}`, true, false},
		{`{"activities":[],"status":""}`, true, false},
		{`{"activities":[],"status":"sleepy"}`, false, false},
		{`{"activities":[]}`, false, false},
		{`{"activities":[],"status":null}`, false, false},
		{`{"activities":{},"status":"online"}`, false, false},
		{`{"activities":[{"type":0}],"status":"online"}`, false, false},
		{`{"activities":[{"name":"x","type":6}],"status":"online"}`, false, false},
		{`{"activities":[{"name":"x","type":"0"}],"status":"online"}`, false, false},
		{`{"activities":[{"name":"x","type":1,"url":7}],"status":"online"}`, false, false},
		{`{"activities":[],"status":"online","since":"now"}`, false, false},
		{`{"activities":[],"status":"online","afk":"no"}`, false, false},
		{`[]`, false, false},
	} {
		if err := validateIdentifyPresence([]byte(tc.d)); (err == nil) != tc.identifyOK {
			t.Errorf("identify presence %s: error %v, want accepted %v", tc.d, err, tc.identifyOK)
		}
		if err := validatePresence([]byte(tc.d)); (err == nil) != tc.op3OK {
			t.Errorf("op 3 %s: error %v, want accepted %v", tc.d, err, tc.op3OK)
		}
	}
}
