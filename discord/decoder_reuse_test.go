package discord_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/gatewaykit/gateway/discord"
)

// TestDecodedValuesSurviveLaterDecodes checks that the blocks a pooled
// decoder shares between payloads (strings, arrays, Members) never hand
// out memory twice: values decoded earlier re-encode exactly as they did
// right after their decode, however many payloads were decoded since, and
// the input buffer may be overwritten.
func TestDecodedValuesSurviveLaterDecodes(t *testing.T) {
	base := messageCreateD(t)
	var kept []*discord.MessageCreate
	var want [][]byte
	for i := range 300 {
		// Vary the payload: a different content and number of mentions
		// and embeds each time, so runs and strings differ in size.
		d := bytes.Replace(base, []byte(`"content":"`), fmt.Appendf(nil, `"content":"%d %s`, i, strings.Repeat("x", i%37)), 1)
		mentions := strings.Repeat(`{"id":"412345678901234567","username":"m","discriminator":"0","global_name":null,"avatar":null},`, i%6)
		d = bytes.Replace(d, []byte(`"mentions":[`), []byte(`"mentions":[`+mentions), 1)
		embeds := strings.Repeat(`{"type":"rich","title":"t`+fmt.Sprint(i)+`"},`, i%3)
		d = bytes.Replace(d, []byte(`"embeds":[`), []byte(`"embeds":[`+embeds), 1)
		m := new(discord.MessageCreate)
		if err := m.DecodeJSON(d); err != nil {
			t.Fatalf("payload %d: %v", i, err)
		}
		if got, wantN := len(m.Mentions), i%6+1; got != wantN {
			t.Fatalf("payload %d: %d mentions, want %d", i, got, wantN)
		}
		for j := range d {
			d[j] = 'X' // the caller reuses its buffer
		}
		kept = append(kept, m)
		want = append(want, m.AppendJSON(nil))
	}
	for i, m := range kept {
		if got := m.AppendJSON(nil); !bytes.Equal(got, want[i]) {
			t.Fatalf("payload %d changed after later decodes:\n got %s\nwant %s", i, got, want[i])
		}
	}
}

// TestDecodeArrayEmptyNullAndNested checks that an empty array stays
// distinct from null, and that two arrays of one type in one payload (a
// message's embeds and those of the message it references, decoded
// inside it) get separate runs with no room past their ends.
func TestDecodeArrayEmptyNullAndNested(t *testing.T) {
	var m discord.Message
	if err := m.DecodeJSON([]byte(`{"id":"1","embeds":[],"attachments":null}`)); err != nil {
		t.Fatal(err)
	}
	if m.Embeds == nil || len(m.Embeds) != 0 || m.Attachments != nil {
		t.Fatalf("embeds %#v (want empty, not nil), attachments %#v (want nil)", m.Embeds, m.Attachments)
	}
	in := `{"id":"2","embeds":[{"title":"a"},{"title":"b"}],"referenced_message":{"id":"3","embeds":[{"title":"c"},{"title":"d"},{"title":"e"}]},"mentions":[]}`
	if err := m.DecodeJSON([]byte(in)); err != nil {
		t.Fatal(err)
	}
	ref, ok := m.ReferencedMessage.Get()
	if !ok {
		t.Fatal("referenced_message missing")
	}
	var titles []string
	for _, e := range append(append([]discord.Embed(nil), m.Embeds...), ref.Embeds...) {
		titles = append(titles, e.Title)
	}
	if got := strings.Join(titles, ","); got != "a,b,c,d,e" {
		t.Fatalf("embed titles %q, want a,b,c,d,e", got)
	}
	if cap(m.Embeds) != 2 || cap(ref.Embeds) != 3 {
		t.Fatalf("runs have room past their end (caps %d, %d): appending would overwrite a later run", cap(m.Embeds), cap(ref.Embeds))
	}
}
