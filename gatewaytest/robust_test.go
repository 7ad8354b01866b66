package gatewaytest

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/gatewaykit/gateway/opcode"
)

// FuzzClientPayload feeds arbitrary bytes to every parser of client input:
// none may panic, and stripping a valid object yields a valid object.
func FuzzClientPayload(f *testing.F) {
	for _, seed := range []string{
		identifyJSON("tok", 513, []int{0, 1}, `"compress":true,"large_threshold":250`),
		`{"token":"t","intents":1,"properties":{"$os":"a","$browser":"b","$device":"c"},"presence":{"since":null,"activities":[{"name":"x","type":0}],"status":"online","afk":false}}`,
		`{"since":91879201,"activities":[{"name":"Save the Oxford Comma","type":0}],"status":"online","afk":false}`,
		`{"token":"Bot t","properties":{"$os":"linux","$browser":"DiscordGo v0.28.1","$device":""},"compress":true,"large_threshold":250,"shard":[1,2],"presence":{"since":0,"game":{"name":"","type":0,"created_at":"0001-01-01T00:00:00Z"},"status":"","afk":false},"intents":33281}`,
		`{"guild_id":"41771983444115456","query":"","limit":0}`,
		`{"content":"a\"b","embeds":[{"x":"]"}],"poll":{"q":1}}`,
		"\x83t\x00\x00\x00\x01d\x00\x02opa\x01",
		`{"a":`, `[`, `"`, ``, `{"a":1,}`, `{"a" 1}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, _ = parseIdentify(b, timeZero)
		_ = validatePresence(b)
		_ = validateIdentifyPresence(b)
		_, _ = object(b)
		_ = etfCheckKeys(b)
		_, _ = rawSnowflake(b)
		_, _ = rawInt(b)
		_ = contentExempt(b, 1, []byte(`"1"`))
		out := stripContent(b, messageContentRules)
		if json.Valid(b) && len(b) > 0 && strings.HasPrefix(strings.TrimSpace(string(b)), "{") && !json.Valid(out) {
			t.Fatalf("stripping %q gave invalid JSON %q", b, out)
		}
	})
}

// Garbage over real connections: every connection ends with a documented
// close code or stays open, and the server keeps serving.
func TestGarbageNeverBreaksTheServer(t *testing.T) {
	s := newTestServer(t, Config{Guilds: 1})
	rng := rand.New(rand.NewPCG(7, 7))
	fields := []string{`"token":"t"`, `"intents":513`, `"intents":"x"`, `"shard":[0,1]`, `"shard":[1]`,
		`"properties":{"os":"a","browser":"b","device":"c"}`, `"properties":[]`, `"seq":-1`, `"session_id":5`,
		`"since":null`, `"activities":{}`, `"status":"online"`, `"guild_id":"x"`, `"compress":1`}
	for i := 0; i < 40; i++ {
		c := dialGateway(t, s.URL(), dialOpts{})
		c.hello()
		var p []byte
		switch rng.IntN(3) {
		case 0: // random bytes
			p = make([]byte, rng.IntN(200))
			for j := range p {
				p[j] = byte(rng.IntN(256))
			}
		case 1: // an envelope with a random op and a random object
			var parts []string
			for k := rng.IntN(5); k > 0; k-- {
				parts = append(parts, fields[rng.IntN(len(fields))])
			}
			ops := []int{0, 1, 2, 3, 4, 5, 6, 8, 9, 31, 43, 99, -1}
			p, _ = json.Marshal(map[string]any{"op": ops[rng.IntN(len(ops))], "d": json.RawMessage("{" + strings.Join(parts, ",") + "}")})
		default: // a truncated identify
			id := identifyJSON("t", 1, nil, "")
			p = []byte(`{"op":2,"d":` + id[:rng.IntN(len(id))])
		}
		c.sendRaw(p)
		c.send(opcode.Heartbeat, nil) // something the server answers when it kept the connection
		for {
			m, err := c.read()
			var ce *closedError
			if errors.As(err, &ce) {
				if ce.code < 4000 || ce.code > 4014 {
					t.Fatalf("payload %q: closed with %d", p, ce.code)
				}
				break
			}
			if err != nil {
				t.Fatalf("payload %q: %v", p, err)
			}
			if m.Op == opcode.HeartbeatACK {
				break
			}
		}
		c.conn.Close()
	}
	c := dialGateway(t, s.URL(), dialOpts{})
	c.identify("tok", 1, nil)
}

var timeZero time.Time
