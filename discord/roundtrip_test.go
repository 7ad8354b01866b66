package discord_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/gatewaykit/gateway/discord"
)

func TestMessageCreateRoundTrip(t *testing.T) {
	d := messageCreateD(t)
	var m discord.MessageCreate
	if err := m.DecodeJSON(d); err != nil {
		t.Fatal(err)
	}
	if m.Author.Username != "Wrenfield" || m.Author.ID != 298765432109876543 {
		t.Errorf("author = %+v", m.Author)
	}
	if m.Member == nil || !m.Member.Nick.IsSet() || m.Member.Nick.Value() != "Zoë ✨" {
		t.Errorf("member nick = %+v", m.Member)
	}
	if len(m.Mentions) != 1 || m.Mentions[0].Member == nil || !m.Mentions[0].Member.Nick.IsNull() {
		t.Errorf("mention member nick should be null: %+v", m.Mentions)
	}
	if len(m.Embeds) != 1 || m.Embeds[0].Footer.Text != `gateway-bot \ docs` || m.Embeds[0].Title != `Close code 4014 — "Disallowed intent(s)"` {
		t.Errorf("embeds = %+v", m.Embeds)
	}
	if got := m.Timestamp.Format(discord.TimestampLayout); got != "2025-11-02T18:04:31.512000+00:00" {
		t.Errorf("timestamp = %s", got)
	}
	if !m.EditedTimestamp.IsZero() {
		t.Errorf("edited_timestamp = %v, want zero (null)", m.EditedTimestamp)
	}
	if len(m.MentionRoles) != 0 || m.MentionRoles == nil {
		t.Errorf("mention_roles = %#v, want empty and not nil", m.MentionRoles)
	}
	out := m.AppendJSON(nil)
	if diffs := jsonDiff(d, out); len(diffs) > 0 {
		t.Errorf("re-encoding differs:\n%v", diffs)
	}
	// encoding/json reads the same struct through its tags to the same
	// value.
	var slow discord.MessageCreate
	if err := json.Unmarshal(d, &slow); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(slow, m) {
		t.Errorf("encoding/json decoded\n%+v\nfast decoder\n%+v", slow, m)
	}
	// MarshalJSON is the same encoder.
	viaMarshal, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if diffs := jsonDiff(d, viaMarshal); len(diffs) > 0 {
		t.Errorf("json.Marshal differs:\n%v", diffs)
	}
}
