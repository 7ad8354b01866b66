package discord_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
)

// checkPayload decodes d as the payload of eventType with the generated
// decoder and with encoding/json, and fails unless both agree and the
// re-encoded value has every key and value of d.
func checkPayload(t *testing.T, eventType string, d []byte) {
	t.Helper()
	p, ok := discord.PayloadFor(eventType)
	if !ok {
		t.Fatalf("no payload type for %s", eventType)
	}
	if err := p.DecodeJSON(d); err != nil {
		t.Fatalf("%s: %v\n%s", eventType, err, clip(d))
	}
	if diffs := jsonDiff(d, p.AppendJSON(nil)); len(diffs) > 0 {
		t.Fatalf("%s: re-encoding lost or changed fields:\n%v\n%s", eventType, diffs, clip(d))
	}
	slow, _ := discord.PayloadFor(eventType)
	if err := json.Unmarshal(d, slow); err != nil {
		t.Fatalf("%s: encoding/json: %v", eventType, err)
	}
	if !reflect.DeepEqual(slow, p) {
		t.Fatalf("%s: encoding/json and DecodeJSON disagree\n%+v\n%+v", eventType, slow, p)
	}
}

// TestTrafficMixRoundTrip decodes every event type the emulator generates,
// and the GUILD_CREATEs of its world, and re-encodes them.
func TestTrafficMixRoundTrip(t *testing.T) {
	tr := gatewaytest.NewTraffic(gatewaytest.TrafficConfig{Seed: 7, Guilds: 8, HugeEvery: -1, DMShare: 0.1})
	seen := map[string]int{}
	n := 20000
	if testing.Short() {
		n = 3000
	}
	for range n {
		ev := tr.Next()
		seen[ev.Type]++
		checkPayload(t, ev.Type, ev.Data)
	}
	for _, typ := range gatewaytest.TrafficEventTypes() {
		if seen[typ] == 0 {
			t.Errorf("the traffic mix never produced %s in %d events", typ, n)
		}
	}
	for _, id := range tr.Guilds() {
		checkPayload(t, event.GuildCreate, tr.GuildCreate(id))
	}
	members := tr.GuildMembers(tr.Guilds()[0], 0, 50)
	var list []json.RawMessage
	if err := json.Unmarshal(members, &list); err != nil {
		t.Fatalf("GuildMembers: %v", err)
	}
	for _, m := range list {
		var mem discord.Member
		if err := mem.DecodeJSON(m); err != nil {
			t.Fatal(err)
		}
		if diffs := jsonDiff(m, mem.AppendJSON(nil)); len(diffs) > 0 {
			t.Fatalf("member: %v", diffs)
		}
	}
	var self discord.User
	if err := self.DecodeJSON(tr.BotUser()); err != nil {
		t.Fatal(err)
	}
	if diffs := jsonDiff(tr.BotUser(), self.AppendJSON(nil)); len(diffs) > 0 {
		t.Fatalf("bot user: %v", diffs)
	}
}

// clip shortens a payload for a failure message.
func clip(b []byte) []byte {
	if len(b) > 800 {
		return append(b[:800:800], "..."...)
	}
	return b
}
