package discord_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
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
	const clear = "hunter2-secret"
	for _, payload := range []string{
		`{"id":"1","application_id":"2","type":2,"token":"hunter2-secret","version":1,"app_permissions":"0","entitlements":[]}`,
		// Escaped: the slow path must mask it the same way.
		`{"id":"1","application_id":"2","type":2,"token":"hunter2\u002dsecret","version":1,"app_permissions":"0","entitlements":[]}`,
	} {
		var e discord.InteractionCreate
		if err := e.DecodeJSON([]byte(payload)); err != nil {
			t.Fatal(err)
		}
		if got := e.Token.Reveal(); got != clear {
			t.Fatalf("Reveal() = %q", got)
		}
		if e.Token != discord.NewSecret(clear) {
			t.Error("a decoded Secret differs from NewSecret of the same text")
		}
		// A type of the user's, with the Secret in an unexported field
		// too: fmt prints those by reflection, without calling methods.
		type mine struct {
			Exported   discord.Secret
			unexported discord.Secret
			ptr        *discord.Secret
		}
		m := mine{Exported: e.Token, unexported: e.Token, ptr: &e.Token}
		var logged bytes.Buffer
		slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "token", e.Token, "interaction", e, "mine", m)
		slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "token", e.Token, "mine", m)
		asJSON, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		text, _ := e.Token.MarshalText()
		outputs := []string{logged.String(), string(asJSON), string(text), e.Token.String(), e.Token.GoString()}
		for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
			outputs = append(outputs, sprintf(format, e), sprintf(format, m), sprintf(format, e.Token), sprintf(format, &e))
		}
		for _, out := range outputs {
			for _, leak := range []string{"hunter2", "2-secret", hex.EncodeToString([]byte("hunter2")), strings.ToUpper(hex.EncodeToString([]byte("hunter2")))} {
				if strings.Contains(out, leak) {
					t.Errorf("the token shows through: %q", out)
				}
			}
		}
		// The payload itself still carries it back on the wire.
		if !strings.Contains(string(e.AppendJSON(nil)), clear) {
			t.Error("token lost on re-encoding")
		}
		if b, _ := json.Marshal(e); !strings.Contains(string(b), clear) {
			t.Error("token lost on MarshalJSON of the payload")
		}
	}
	// encoding/json into a type of the user's.
	var in struct{ Token discord.Secret }
	if err := json.Unmarshal([]byte(`{"Token":"a\"b"}`), &in); err != nil || in.Token.Reveal() != `a"b` {
		t.Fatalf("UnmarshalJSON: %v, %q", err, in.Token.Reveal())
	}
	if err := json.Unmarshal([]byte(`{"Token":null}`), &in); err != nil || !in.Token.IsZero() {
		t.Fatalf("UnmarshalJSON null: %v, zero %v", err, in.Token.IsZero())
	}
	if err := json.Unmarshal([]byte(`{"Token":12}`), &in); err == nil {
		t.Fatal("UnmarshalJSON accepted a number")
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

func TestDeepNestingFailsCleanly(t *testing.T) {
	// referenced_message nests a Message in a Message: the decoder recurses
	// with the input, so the reader's depth limit must stop it.
	in := strings.Repeat(`{"referenced_message":`, 20000) + "null" + strings.Repeat("}", 20000)
	var m discord.Message
	err := m.DecodeJSON([]byte(in))
	if !errors.Is(err, encoding.ErrMalformed) || !strings.Contains(err.Error(), "depth") {
		t.Errorf("20,000 nested messages: %v, want a depth error", err)
	}
	ok := strings.Repeat(`{"referenced_message":`, 50) + "null" + strings.Repeat("}", 50)
	if err := m.DecodeJSON([]byte(ok)); err != nil {
		t.Errorf("50 nested messages: %v", err)
	}
}

func TestParseSnowflake(t *testing.T) {
	if s, err := discord.ParseSnowflake("1091403920930152448"); err != nil || s != 1091403920930152448 || s.String() != "1091403920930152448" {
		t.Errorf("ParseSnowflake: %v %v", s, err)
	}
	for _, bad := range []string{"", "-1", "01", "1.5", "18446744073709551616", " 1"} {
		if _, err := discord.ParseSnowflake(bad); err == nil {
			t.Errorf("ParseSnowflake(%q): no error", bad)
		}
	}
}
