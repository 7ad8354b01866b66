package gatewaytest

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/opcode"
)

// readEvents reads n dispatches of type t (skipping others) and returns
// their ids.
func readEvents(c *testClient, t string, n int) []string {
	c.t.Helper()
	var ids []string
	for len(ids) < n {
		m := c.readUntil(func(m msg) bool { return m.Op == opcode.Dispatch && m.T == t })
		var d struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(m.D, &d); err != nil {
			c.t.Fatalf("%s d: %v", t, err)
		}
		ids = append(ids, d.ID)
	}
	return ids
}

func TestShardRouting(t *testing.T) {
	s := newTestServer(t, Config{Guilds: 12, Shards: 4, MaxConcurrency: 4})
	guilds := s.Guilds()
	type shardClient struct {
		c          *testClient
		id, count  int
		want       []string
		guildCount int
	}
	var clients []*shardClient
	// Four shards of a 4-shard bot, and two sessions of the same bot
	// resharding to 2, coexisting (another token: its own buckets).
	for _, sh := range [][3]int{{0, 4, 0}, {1, 4, 0}, {2, 4, 0}, {3, 4, 0}, {0, 2, 1}, {1, 2, 1}} {
		c := dialGateway(t, s.URL(), dialOpts{})
		r := c.identify(fmt.Sprint("tok", sh[2]), uint64(intents.Guilds|intents.GuildMessages|intents.DirectMessages), []int{sh[0], sh[1]})
		for _, g := range r.Guilds {
			var id uint64
			fmt.Sscan(g.ID, &id)
			if ShardFor(id, sh[1]) != sh[0] {
				t.Fatalf("shard %v got guild %d in READY", sh, id)
			}
		}
		readEvents(c, "GUILD_CREATE", len(r.Guilds))
		clients = append(clients, &shardClient{c: c, id: sh[0], count: sh[1], guildCount: len(r.Guilds)})
	}
	total := 0
	for _, sc := range clients {
		total += sc.guildCount
	}
	if total != 2*len(guilds) {
		t.Fatalf("READYs list %d guilds in all, want each guild once per shard count (%d)", total, 2*len(guilds))
	}

	var batch []Dispatch
	for i, g := range guilds {
		id := fmt.Sprint(5000 + i)
		batch = append(batch, Dispatch{Type: "MESSAGE_CREATE", GuildID: g,
			Data: []byte(fmt.Sprintf(`{"id":%q,"guild_id":"%d","channel_id":"1","content":"x","author":{"id":"7"}}`, id, g))})
		for _, sc := range clients {
			if ShardFor(g, sc.count) == sc.id {
				sc.want = append(sc.want, id)
			}
		}
	}
	// A DM (no guild, unknown channel) goes to shard 0 of each count.
	batch = append(batch, Dispatch{Type: "MESSAGE_CREATE", ChannelID: 99, UserID: 7,
		Data: []byte(`{"id":"6000","channel_id":"99","content":"dm","author":{"id":"7"}}`)})
	// A dispatch keyed by a guild channel only goes to that guild's shard.
	ch := s.traffic.GuildChannels(guilds[5])[0]
	batch = append(batch, Dispatch{Type: "MESSAGE_CREATE", ChannelID: ch,
		Data: []byte(fmt.Sprintf(`{"id":"6001","channel_id":"%d","guild_id":"%d","content":"c","author":{"id":"7"}}`, ch, guilds[5]))})
	deliveries := 0
	for _, sc := range clients {
		if sc.id == 0 {
			sc.want = append(sc.want, "6000")
		}
		if ShardFor(guilds[5], sc.count) == sc.id {
			sc.want = append(sc.want, "6001")
		}
		deliveries += len(sc.want)
	}
	if got := s.PublishMany(batch); got != deliveries {
		t.Fatalf("PublishMany delivered %d, want %d", got, deliveries)
	}
	for _, sc := range clients {
		got := readEvents(sc.c, "MESSAGE_CREATE", len(sc.want))
		if fmt.Sprint(got) != fmt.Sprint(sc.want) {
			t.Fatalf("shard [%d,%d] got %v, want %v (in order)", sc.id, sc.count, got, sc.want)
		}
	}
	// Nothing else was queued for any session: READY + GUILD_CREATEs + its events.
	for _, sess := range s.Sessions() {
		id, count := sess.Shard()
		for _, sc := range clients {
			if sc.id == id && sc.count == count && sess.Seq() != int64(1+sc.guildCount+len(sc.want)) {
				t.Fatalf("shard [%d,%d] session seq %d, want %d", id, count, sess.Seq(), 1+sc.guildCount+len(sc.want))
			}
		}
	}
}

func TestIntentFilteringAndMessageContent(t *testing.T) {
	s := newTestServer(t, Config{Guilds: 1, AllowedPrivileged: intents.Privileged})
	g := s.Guilds()[0]
	bot := s.BotID()
	type sub struct {
		name string
		in   intents.Intent
		c    *testClient
	}
	subs := []*sub{
		{name: "guilds", in: intents.Guilds},
		{name: "messages", in: intents.Guilds | intents.GuildMessages},
		{name: "content", in: intents.Guilds | intents.GuildMessages | intents.DirectMessages | intents.MessageContent},
	}
	for i, sb := range subs {
		sb.c = dialGateway(t, s.URL(), dialOpts{})
		sb.c.identify(fmt.Sprint("tok", i), uint64(sb.in), nil)
		readEvents(sb.c, "GUILD_CREATE", 1)
	}
	msgJSON := func(id, author, mentions string, guild uint64) []byte {
		gf := ""
		if guild != 0 {
			gf = fmt.Sprintf(`"guild_id":"%d",`, guild)
		}
		return []byte(fmt.Sprintf(`{"id":%q,%s"channel_id":"3","author":{"id":%q,"username":"u"},"content":"secret %s","embeds":[{"title":"t"}],"attachments":[{"id":"1"}],"components":[{"type":1}],"poll":{"question":{"text":"q"}},"mentions":[%s],"tts":false}`,
			id, gf, author, id, mentions))
	}
	ds := []Dispatch{
		{Type: "MESSAGE_CREATE", GuildID: g, Data: msgJSON("1", "7", "", g)},
		{Type: "TYPING_START", GuildID: g, Data: []byte(`{"id":"2","channel_id":"3","user_id":"7","timestamp":1}`)},
		{Type: "MESSAGE_CREATE", ChannelID: 77, Data: msgJSON("3", "7", "", 0)}, // DM
		{Type: "MESSAGE_CREATE", GuildID: g, Data: msgJSON("4", "7", fmt.Sprintf(`{"id":"%d","username":"bot"}`, bot), g)},
		{Type: "MESSAGE_UPDATE", GuildID: g, Data: msgJSON("5", fmt.Sprint(bot), "", g)},
		{Type: "GUILD_MEMBER_UPDATE", GuildID: g, UserID: bot, Data: []byte(fmt.Sprintf(`{"id":"6","guild_id":"%d","user":{"id":"%d"},"roles":[]}`, g, bot))},
		{Type: "GUILD_MEMBER_UPDATE", GuildID: g, UserID: 7, Data: []byte(fmt.Sprintf(`{"id":"7","guild_id":"%d","user":{"id":"7"},"roles":[]}`, g))},
		{Type: "USER_UPDATE", Data: []byte(fmt.Sprintf(`{"id":"%d","username":"bot2"}`, bot))},
	}
	s.PublishMany(ds)
	// What each session must see, in order; content "" means stripped.
	type seen struct{ t, id, content string }
	want := map[string][]seen{
		"guilds": {{"GUILD_MEMBER_UPDATE", "6", ""}, {"USER_UPDATE", fmt.Sprint(bot), ""}},
		"messages": {
			{"MESSAGE_CREATE", "1", ""},         // stripped
			{"MESSAGE_CREATE", "4", "secret 4"}, // mentions the bot
			{"MESSAGE_UPDATE", "5", "secret 5"}, // by the bot
			{"GUILD_MEMBER_UPDATE", "6", ""},
			{"USER_UPDATE", fmt.Sprint(bot), ""},
		},
		"content": {
			{"MESSAGE_CREATE", "1", "secret 1"},
			{"MESSAGE_CREATE", "3", "secret 3"},
			{"MESSAGE_CREATE", "4", "secret 4"},
			{"MESSAGE_UPDATE", "5", "secret 5"},
			{"GUILD_MEMBER_UPDATE", "6", ""},
			{"USER_UPDATE", fmt.Sprint(bot), ""},
		},
	}
	for _, sb := range subs {
		for i, w := range want[sb.name] {
			m := sb.c.readUntil(func(m msg) bool { return m.Op == opcode.Dispatch })
			var d struct {
				ID          string            `json:"id"`
				Content     *string           `json:"content"`
				Embeds      []json.RawMessage `json:"embeds"`
				Attachments []json.RawMessage `json:"attachments"`
				Components  []json.RawMessage `json:"components"`
				Poll        json.RawMessage   `json:"poll"`
			}
			if err := json.Unmarshal(m.D, &d); err != nil {
				t.Fatalf("%s: %v", sb.name, err)
			}
			if m.T != w.t || d.ID != w.id {
				t.Fatalf("%s event %d: got %s %s, want %s %s", sb.name, i, m.T, d.ID, w.t, w.id)
			}
			if m.T != "MESSAGE_CREATE" && m.T != "MESSAGE_UPDATE" {
				continue
			}
			if w.content == "" {
				if d.Content == nil || *d.Content != "" || len(d.Embeds) != 0 || len(d.Attachments) != 0 || len(d.Components) != 0 || d.Poll != nil {
					t.Fatalf("%s: message %s not stripped: %s", sb.name, d.ID, m.D)
				}
			} else if d.Content == nil || *d.Content != w.content || len(d.Embeds) != 1 || d.Poll == nil {
				t.Fatalf("%s: message %s lost content: %s", sb.name, d.ID, m.D)
			}
		}
		// Nothing else: the session's seq is READY + GUILD_CREATE + these.
		for _, sess := range s.Sessions() {
			if sess.Intents() == sb.in && sess.Seq() != int64(2+len(want[sb.name])) {
				t.Fatalf("%s: session got %d dispatches, want %d", sb.name, sess.Seq(), 2+len(want[sb.name]))
			}
		}
	}
}

func TestStripContentKeepsOtherKeys(t *testing.T) {
	in := []byte(`{"a":1, "content" : "x\"y", "embeds":[{"b":"]"}],"poll":{"q":[1,{"c":"}"}]},"z":"\\"}`)
	out := stripContent(in, messageContentRules)
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("stripped JSON invalid: %s: %v", out, err)
	}
	if got["content"] != "" || len(got["embeds"].([]any)) != 0 || got["a"] != float64(1) || got["z"] != `\` {
		t.Fatalf("stripped %s", out)
	}
	if _, ok := got["poll"]; ok {
		t.Fatalf("poll kept: %s", out)
	}
	if bad := stripContent([]byte(`{"content":`), messageContentRules); string(bad) != `{"content":` {
		t.Fatalf("malformed input changed: %s", bad)
	}
}
