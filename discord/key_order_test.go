package discord_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gatewaykit/gateway/discord"
)

// TestKeyOrderGuessesNeverChangeWhatIsDecoded decodes the same
// MESSAGE_CREATE written in several ways, one after the other, so that
// each decode starts from the key order the one before it taught the
// (pooled) decoder: keys in Discord's order, sorted, indented, with unknown
// keys between known ones, with a key written with an escape, and with a
// key that is a known key's prefix, with whitespace after the colons. Every decode must give the same value
// as the first.
func TestKeyOrderGuessesNeverChangeWhatIsDecoded(t *testing.T) {
	base := messageCreateD(t)
	var generic any
	if err := json.Unmarshal(base, &generic); err != nil {
		t.Fatal(err)
	}
	sorted, err := json.Marshal(generic) // encoding/json sorts map keys
	if err != nil {
		t.Fatal(err)
	}
	indented, err := json.MarshalIndent(generic, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	unknown := bytes.ReplaceAll(base, []byte(`"id":`), []byte(`"zz_new":{"id":"1","a":[1,{"b":null}]},"i":1,"ids":2,"id":`))
	escaped := bytes.Replace(base, []byte(`"content":`), []byte(`"cont\u0065nt":`), 1)
	spaced := bytes.ReplaceAll(base, []byte(`,"`), []byte(` , "`))
	afterColon := bytes.ReplaceAll(base, []byte(`":`), []byte("\":\t "))
	variants := map[string][]byte{
		"discord": base, "sorted": sorted, "indented": indented,
		"unknown keys": unknown, "escaped key": escaped, "spaced": spaced,
		"space after colons": afterColon,
	}
	var first discord.MessageCreate
	if err := first.DecodeJSON(base); err != nil {
		t.Fatal(err)
	}
	want := first.AppendJSON(nil)
	if !strings.Contains(string(want), `"content":"\u003c@412345678901234567\u003e`) && !strings.Contains(string(want), `"content":"<@412345678901234567>`) {
		t.Fatalf("the first decode lost the content: %s", want)
	}
	order := []string{"discord", "sorted", "discord", "indented", "unknown keys", "discord", "escaped key", "sorted", "spaced", "unknown keys", "discord", "space after colons", "discord", "space after colons"}
	for round := range 3 {
		for _, name := range order {
			var m discord.MessageCreate
			if err := m.DecodeJSON(variants[name]); err != nil {
				t.Fatalf("round %d, %s: %v", round, name, err)
			}
			if got := m.AppendJSON(nil); !bytes.Equal(got, want) {
				t.Fatalf("round %d, %s: decoded differently:\n got %s\nwant %s", round, name, got, want)
			}
		}
	}
}
