package gatewayutil_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewayutil"
)

func TestEventTopicKeys(t *testing.T) {
	cases := []struct {
		name                 string
		typ                  string
		d                    string
		guild, channel, user uint64
	}{
		{"message in guild", event.MessageCreate,
			`{"id":"334385199974967042","channel_id":"290926798999357250","guild_id":"41771983423143937","author":{"username":"Mason","id":"53908099506183680"},"content":"Supa Hot"}`,
			41771983423143937, 290926798999357250, 53908099506183680},
		{"DM message", event.MessageCreate,
			`{"author":{"id":"7"},"channel_id":"8","content":"hi"}`, 0, 8, 7},
		{"reaction uses user_id before member.user", event.MessageReactionAdd,
			`{"user_id":"11","channel_id":"12","message_id":"13","guild_id":"14","member":{"user":{"id":"99"}}}`, 14, 12, 11},
		{"guild create uses d.id", event.GuildCreate,
			`{"id":"41771983423143937","name":"x","channels":[{"id":"1","guild_id":"5"}],"members":[{"user":{"id":"2"}}]}`,
			41771983423143937, 0, 0},
		{"guild delete uses d.id", event.GuildDelete, `{"id":"5","unavailable":true}`, 5, 0, 0},
		{"role uses guild_id", event.GuildRoleCreate, `{"guild_id":"6","role":{"id":"7"}}`, 6, 0, 0},
		{"channel create uses d.id", event.ChannelCreate, `{"id":"20","guild_id":"21","type":0}`, 21, 20, 0},
		{"thread delete uses d.id", event.ThreadDelete, `{"id":"30","guild_id":"31","parent_id":"32","type":11}`, 31, 30, 0},
		{"thread members update uses d.id", event.ThreadMembersUpdate, `{"id":"33","guild_id":"34","member_count":2}`, 34, 33, 0},
		{"voice channel status uses d.id", event.VoiceChannelStatusUpdate, `{"id":"35","guild_id":"36","status":null}`, 36, 35, 0},
		{"member update uses user.id", event.GuildMemberUpdate, `{"guild_id":"40","roles":[],"user":{"id":"41"}}`, 40, 0, 41},
		{"presence uses user.id", event.PresenceUpdate, `{"user":{"id":"42"},"guild_id":"43","status":"online"}`, 43, 0, 42},
		{"interaction in guild uses member.user.id", event.InteractionCreate,
			`{"id":"50","guild_id":"51","channel_id":"52","member":{"user":{"id":"53"},"roles":[]}}`, 51, 52, 53},
		{"interaction in DM uses user.id", event.InteractionCreate, `{"id":"54","channel_id":"55","user":{"id":"56"}}`, 0, 55, 56},
		{"user update uses d.id", event.UserUpdate, `{"id":"60","username":"bot"}`, 0, 0, 60},
		{"integer snowflakes", event.TypingStart, `{"channel_id":70,"guild_id":71,"user_id":72,"timestamp":1}`, 71, 70, 72},
		{"unknown event", "SOMETHING_NEW", `{"guild_id":"80","channel_id":"81","user_id":"82"}`, 80, 81, 82},
		{"ready has no guild", event.Ready, `{"v":10,"user":{"id":"90"},"guilds":[{"id":"91","unavailable":true}]}`, 0, 0, 90},
		{"null d", event.Resumed, `null`, 0, 0, 0},
		{"absent d", event.Resumed, ``, 0, 0, 0},
		{"malformed d", event.MessageCreate, `{"guild_id":"1",`, 0, 0, 0},
		{"not a snowflake", event.MessageCreate, `{"guild_id":"abc","channel_id":-1,"author":{"id":null}}`, 0, 0, 0},
		{"d is an array", event.MessageDeleteBulk, `["1","2"]`, 0, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := &gatewayutil.Event{Type: c.typ, Data: []byte(c.d)}
			if c.d == "" {
				e.Data = nil
			}
			for range 2 { // the second round reads the cached keys
				if g := e.GuildID(); g != c.guild {
					t.Errorf("GuildID() = %d, want %d", g, c.guild)
				}
				if ch := e.ChannelID(); ch != c.channel {
					t.Errorf("ChannelID() = %d, want %d", ch, c.channel)
				}
				if u := e.UserID(); u != c.user {
					t.Errorf("UserID() = %d, want %d", u, c.user)
				}
			}
		})
	}
}

func TestEventClone(t *testing.T) {
	data := []byte(`{"guild_id":"5","content":"hello"}`)
	e := &gatewayutil.Event{Shard: 3, Type: event.MessageCreate, Seq: 9, Data: data}
	if e.GuildID() != 5 {
		t.Fatalf("GuildID() = %d", e.GuildID())
	}
	c := e.Clone()
	copy(data, `{"guild_id":"6"`) // the shard reuses its buffer
	if string(c.Data) != `{"guild_id":"5","content":"hello"}` {
		t.Errorf("clone data changed with the original: %s", c.Data)
	}
	if c.Shard != 3 || c.Seq != 9 || c.Type != event.MessageCreate || c.GuildID() != 5 {
		t.Errorf("clone = %+v, guild %d", c, c.GuildID())
	}
	if (*gatewayutil.Event)(nil).Clone() != nil {
		t.Error("nil.Clone() != nil")
	}
}

func TestEventDecode(t *testing.T) {
	e := &gatewayutil.Event{Type: event.MessageCreate, Seq: 4, Data: []byte(`{"id":"1","content":"hi"}`)}
	var m struct{ ID, Content string }
	if err := e.Decode(&m); err != nil || m.Content != "hi" {
		t.Fatalf("Decode: %v, %+v", err, m)
	}

	e.Data = []byte(`{"id":1`)
	err := e.Decode(&m)
	var syn *json.SyntaxError
	if !errors.As(err, &syn) {
		t.Errorf("Decode(truncated) = %v, want a *json.SyntaxError", err)
	}
	if err == nil || !strings.Contains(err.Error(), event.MessageCreate) {
		t.Errorf("error %v does not name the event", err)
	}

	e.Data = []byte(`{"id":{}}`)
	var ute *json.UnmarshalTypeError
	if err := e.Decode(&m); !errors.As(err, &ute) {
		t.Errorf("Decode(wrong type) = %v, want a *json.UnmarshalTypeError", err)
	}
}

func TestEventString(t *testing.T) {
	e := &gatewayutil.Event{Shard: 1, Type: event.VoiceServerUpdate, Seq: 2, Data: []byte(`{"token":"secret-voice-token"}`)}
	s := e.String()
	if !strings.Contains(s, event.VoiceServerUpdate) || strings.Contains(s, "secret") {
		t.Errorf("String() = %q", s)
	}
}
