package discord_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/encoding"
)

func TestDecodeToleratesWhatDiscordMayAdd(t *testing.T) {
	// Escaped keys, whitespace everywhere, unknown keys holding every kind
	// of value, an enum value no one knows yet, an ID as a bare number.
	in := ` { "cont\u0065nt" : "hi" ,
		"new_field": {"a": [1, {"b": null}], "c": "\u00e9"}, "type": 9999,
		"id": 1091403920930152448, "channel_id": "1", "author": {"id": "2", "username": "u", "discriminator": "0", "global_name": null, "avatar": null, "future": true},
		"timestamp": "2025-11-02T18:04:31Z", "edited_timestamp": "2025-11-02T19:04:31.5+01:00",
		"tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [], "embeds": [], "pinned": false, "flags": 0,
		"member": {"nick": null, "roles": [], "joined_at": "2025-01-01T00:00:00.000000+00:00", "flags": 0, "new": [[]]}
	} `
	var m discord.MessageCreate
	if err := m.DecodeJSON([]byte(in)); err != nil {
		t.Fatal(err)
	}
	if m.Content != "hi" || m.Type != 9999 || m.ID != 1091403920930152448 || m.Author.ID != 2 {
		t.Errorf("decoded %+v", m.Message)
	}
	if !m.EditedTimestamp.Equal(m.Timestamp.Add(30*time.Minute/60*0 + 500*time.Millisecond)) {
		t.Errorf("edited_timestamp %v, timestamp %v: want half a second apart (offset +01:00 applied)", m.EditedTimestamp, m.Timestamp)
	}
	if !m.Member.Nick.IsNull() || m.Member.Avatar.IsSet() || m.Member.Avatar.IsNull() {
		t.Errorf("member nick should be null and avatar missing: %+v", m.Member)
	}
	out := string(m.AppendJSON(nil))
	if !strings.Contains(out, `"nick":null`) || strings.Contains(out, `"avatar":null,"roles"`) || strings.Contains(out, "new_field") {
		t.Errorf("re-encoded %s", out)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, in := range []string{
		``, `{`, `[]`, `"x"`, `{"id": "12a"}`, `{"id": -1}`, `{"content": 5}`, `{"tts": "yes"}`,
		`{"type": 1.5}`, `{"type": 99999999999999999999}`, `{"timestamp": "yesterday"}`,
		`{"timestamp": "2025-02-30T00:00:00Z"}`, `{"mentions": {}}`, `{"embeds": [1]}`,
		`{"content": "a"} x`, `{"content": "\x01"}`, `{"member": {"roles": ["1",]}}`, `{"a" "b"}`,
	} {
		var m discord.MessageCreate
		err := m.DecodeJSON([]byte(in))
		if err == nil {
			t.Errorf("%q: no error", in)
			continue
		}
		if !errors.Is(err, encoding.ErrMalformed) || !strings.Contains(err.Error(), "MessageCreate") {
			t.Errorf("%q: error %v should match encoding.ErrMalformed and name the type", in, err)
		}
	}
}

func TestSnowflake(t *testing.T) {
	s := discord.Snowflake(175928847299117063)
	if got := s.Time(); !got.Equal(time.Date(2016, 4, 30, 11, 18, 25, 796e6, time.UTC)) {
		t.Errorf("Time() = %v", got)
	}
	b, _ := json.Marshal(s)
	if string(b) != `"175928847299117063"` {
		t.Errorf("marshal %s", b)
	}
	var back discord.Snowflake
	if err := json.Unmarshal([]byte(`175928847299117063`), &back); err != nil || back != s {
		t.Errorf("unmarshal number: %v %v", back, err)
	}
	if err := json.Unmarshal([]byte(`"x"`), &back); err == nil {
		t.Error("unmarshal of a non-number: no error")
	}
	if b, _ := json.Marshal(discord.Snowflake(0)); string(b) != "null" {
		t.Errorf("zero marshals to %s, want null", b)
	}
}

func TestPermissions(t *testing.T) {
	var r discord.Role
	if err := r.DecodeJSON([]byte(`{"id":"1","name":"a","color":0,"hoist":false,"position":0,"permissions":"4503599627370496","managed":false,"mentionable":false,"flags":0}`)); err != nil {
		t.Fatal(err)
	}
	if !r.Permissions.Has(discord.PermissionBypassSlowmode) || r.Permissions.Has(discord.PermissionAdministrator) {
		t.Errorf("permissions %d", r.Permissions)
	}
	if discord.PermissionSendPolls != 1<<49 || discord.PermissionManageGuildExpressions != 1<<30 || discord.PermissionPinMessages != 1<<51 {
		t.Error("permission bits misnumbered")
	}
	if !strings.Contains(string(r.AppendJSON(nil)), `"permissions":"4503599627370496"`) {
		t.Errorf("re-encoded %s", r.AppendJSON(nil))
	}
}

func TestOptional(t *testing.T) {
	type wrap struct {
		N discord.Optional[string] `json:"n,omitzero"`
	}
	for _, c := range []struct {
		in          string
		set, isNull bool
		out         string
	}{
		{`{}`, false, false, `{}`},
		{`{"n":null}`, false, true, `{"n":null}`},
		{`{"n":"x"}`, true, false, `{"n":"x"}`},
	} {
		var w wrap
		if err := json.Unmarshal([]byte(c.in), &w); err != nil {
			t.Fatal(err)
		}
		if w.N.IsSet() != c.set || w.N.IsNull() != c.isNull {
			t.Errorf("%s: set %v null %v", c.in, w.N.IsSet(), w.N.IsNull())
		}
		if b, _ := json.Marshal(w); string(b) != c.out {
			t.Errorf("%s: marshals to %s", c.in, b)
		}
	}
	if v, ok := discord.Some(3).Get(); !ok || v != 3 {
		t.Error("Some(3).Get()")
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	var e discord.InteractionCreate
	if err := e.DecodeJSON([]byte(`{"id":"1","application_id":"2","type":2,"token":"hunter2-secret","version":1,"app_permissions":"0","entitlements":[]}`)); err != nil {
		t.Fatal(err)
	}
	if string(e.Token) != "hunter2-secret" {
		t.Fatalf("token %q", string(e.Token))
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		if s := sprintf(format, e); strings.Contains(s, "hunter2") {
			t.Errorf("%s prints the token: %s", format, s)
		}
	}
	// It does go back on the wire.
	if !strings.Contains(string(e.AppendJSON(nil)), "hunter2-secret") {
		t.Error("token lost on re-encoding")
	}
}

func TestTimestampRoundTrip(t *testing.T) {
	for in, want := range map[string]string{
		`"2025-11-02T18:04:31.512000+00:00"`: `"2025-11-02T18:04:31.512000+00:00"`,
		`"2025-11-02T18:04:31Z"`:             `"2025-11-02T18:04:31.000000+00:00"`,
		`"2025-11-02T18:04:31.123456789Z"`:   `"2025-11-02T18:04:31.123456789+00:00"`,
		`"2025-11-02T20:04:31.5+02:00"`:      `"2025-11-02T18:04:31.500000+00:00"`,
	} {
		var ts discord.Timestamp
		if err := json.Unmarshal([]byte(in), &ts); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if b, _ := json.Marshal(ts); string(b) != want {
			t.Errorf("%s: marshals to %s, want %s", in, b, want)
		}
	}
}

func TestFastAndReflectAgreeOnRecursiveMessage(t *testing.T) {
	in := []byte(`{"id":"5","channel_id":"6","author":{"id":"7","username":"a","discriminator":"0","global_name":null,"avatar":null},"content":"reply","timestamp":"2025-01-01T00:00:00.000000+00:00","edited_timestamp":null,"tts":false,"mention_everyone":false,"mentions":[],"mention_roles":[],"attachments":[],"embeds":[],"pinned":false,"type":19,"flags":0,"referenced_message":null,"message_reference":{"message_id":"4","channel_id":"6"}}`)
	var fast, slow discord.Message
	if err := fast.DecodeJSON(in); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(in, &slow); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Errorf("fast %+v\nslow %+v", fast, slow)
	}
	if !fast.ReferencedMessage.IsNull() || fast.MessageReference == nil || fast.MessageReference.MessageID != 4 {
		t.Errorf("reply: %+v %+v", fast.ReferencedMessage, fast.MessageReference)
	}
	if diffs := jsonDiff(in, fast.AppendJSON(nil)); len(diffs) > 0 {
		t.Error(diffs)
	}
}
