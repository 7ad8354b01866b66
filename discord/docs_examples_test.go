package discord_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gatewaykit/gateway/discord"
)

// docExample is one payload of testdata/docs: an example object from
// Discord's documentation (same fields and values, see the README there)
// and the type that holds it.
type docExample struct {
	file string
	// fresh returns a zero value of the type, as a pointer.
	fresh func() discord.Payload
	// unmodeled lists the fields of the example (as JSON paths) that the
	// type does not model, so a decode drops them, each with why; empty
	// today, every example round-trips whole. The test fails if any other
	// field is lost, and if one of these is kept (the list is then stale).
	unmodeled map[string]string
}

var docExamples = []docExample{
	{file: "message.json", fresh: func() discord.Payload { return new(discord.Message) }},
	{file: "message_crossposted.json", fresh: func() discord.Payload { return new(discord.Message) }},
	{file: "channel_guild_text.json", fresh: func() discord.Payload { return new(discord.Channel) }},
	{file: "channel_guild_announcement.json", fresh: func() discord.Payload { return new(discord.Channel) }},
	{file: "channel_guild_voice.json", fresh: func() discord.Payload { return new(discord.Channel) }},
	{file: "channel_dm.json", fresh: func() discord.Payload { return new(discord.Channel) }},
	{file: "channel_group_dm.json", fresh: func() discord.Payload { return new(discord.Channel) }},
	{file: "channel_category.json", fresh: func() discord.Payload { return new(discord.Channel) }},
	{file: "channel_thread.json", fresh: func() discord.Payload { return new(discord.Thread) }},
	{file: "guild.json", fresh: func() discord.Payload { return new(discord.Guild) }},
	{file: "guild_incidents_data.json", fresh: func() discord.Payload { return new(discord.Guild) }},
	{file: "guild_unavailable.json", fresh: func() discord.Payload { return new(discord.UnavailableGuild) }},
	{file: "guild_member.json", fresh: func() discord.Payload { return new(discord.Member) }},
	{file: "user.json", fresh: func() discord.Payload { return new(discord.User) }},
	{file: "emoji.json", fresh: func() discord.Payload { return new(discord.Emoji) }},
	{file: "emoji_standard.json", fresh: func() discord.Payload { return new(discord.Emoji) }},
	{file: "emoji_custom_animated.json", fresh: func() discord.Payload { return new(discord.Emoji) }},
	{file: "emoji_custom_deleted.json", fresh: func() discord.Payload { return new(discord.Emoji) }},
	{file: "sticker.json", fresh: func() discord.Payload { return new(discord.Sticker) }},
	{file: "role.json", fresh: func() discord.Payload { return new(discord.Role) }},
	{file: "activity_streaming.json", fresh: func() discord.Payload { return new(discord.Activity) }},
	{file: "activity_rich_presence.json", fresh: func() discord.Payload { return new(discord.Activity) }},
	{file: "voice_state.json", fresh: func() discord.Payload { return new(discord.VoiceState) }},
	{file: "voice_server_update.json", fresh: func() discord.Payload { return new(discord.VoiceServerUpdate) }},
	{file: "stage_instance.json", fresh: func() discord.Payload { return new(discord.StageInstance) }},
	{file: "soundboard_sound_default.json", fresh: func() discord.Payload { return new(discord.SoundboardSound) }},
	{file: "soundboard_sound_guild.json", fresh: func() discord.Payload { return new(discord.SoundboardSound) }},
	{file: "auto_moderation_rule.json", fresh: func() discord.Payload { return new(discord.AutoModerationRule) }},
	{file: "entitlement.json", fresh: func() discord.Payload { return new(discord.Entitlement) }},
	{file: "subscription.json", fresh: func() discord.Payload { return new(discord.Subscription) }},
	{file: "interaction.json", fresh: func() discord.Payload { return new(discord.Interaction) }},
	{file: "interaction_user_command.json", fresh: func() discord.Payload { return new(discord.Interaction) }},
	{file: "interaction_message_command.json", fresh: func() discord.Payload { return new(discord.Interaction) }},
}

// TestDocumentationExamplesRoundTrip decodes each example payload of
// Discord's documentation into its type, re-encodes it, and checks that
// every field of the example comes back with the same value. Fields the
// example leaves out may come back (a required field as its zero value);
// fields the type does not model must be listed in unmodeled.
func TestDocumentationExamplesRoundTrip(t *testing.T) {
	files, err := filepath.Glob("testdata/docs/*.json")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, ex := range docExamples {
		listed[ex.file] = true
	}
	for _, f := range files {
		if !listed[filepath.Base(f)] {
			t.Errorf("%s has no entry in docExamples", f)
		}
	}
	if len(files) != len(docExamples) {
		t.Errorf("%d files in testdata/docs, %d entries in docExamples", len(files), len(docExamples))
	}
	readme, err := os.ReadFile("testdata/docs/README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range docExamples {
		t.Run(strings.TrimSuffix(ex.file, ".json"), func(t *testing.T) {
			if !strings.Contains(string(readme), "`"+ex.file+"`") {
				t.Errorf("testdata/docs/README.md does not say where %s is documented", ex.file)
			}
			in, err := os.ReadFile(filepath.Join("testdata/docs", ex.file))
			if err != nil {
				t.Fatal(err)
			}
			v := ex.fresh()
			if err := v.DecodeJSON(in); err != nil {
				t.Fatalf("DecodeJSON: %v", err)
			}
			out := v.AppendJSON(nil)
			lost := lostFields(t, in, out)
			var want []string
			for path := range ex.unmodeled {
				want = append(want, path)
			}
			sort.Strings(want)
			if !slices.Equal(lost, want) {
				t.Errorf("fields lost or changed on re-encode:\n  got  %q\n  want %q (the unmodeled list)\nre-encoded: %s", lost, want, out)
			}
			// encoding/json reads the same struct tags to the same value.
			slow := ex.fresh()
			if err := json.Unmarshal(in, slow); err != nil {
				t.Fatalf("encoding/json: %v", err)
			}
			if !reflect.DeepEqual(slow, v) {
				t.Errorf("encoding/json and DecodeJSON disagree:\n%+v\n%+v", slow, v)
			}
		})
	}
}

// lostFields returns the JSON paths of want (sorted) that got does not have
// with the same value. Keys only got has are not reported.
func lostFields(t *testing.T, want, got []byte) []string {
	t.Helper()
	var w, g any
	if err := unmarshalNumbers(want, &w); err != nil {
		t.Fatalf("example is not JSON: %v", err)
	}
	if err := unmarshalNumbers(got, &g); err != nil {
		t.Fatalf("re-encoding is not JSON: %v: %s", err, got)
	}
	var lost []string
	collectLost("", w, g, &lost)
	sort.Strings(lost)
	return lost
}

func collectLost(path string, w, g any, lost *[]string) {
	switch wv := w.(type) {
	case map[string]any:
		gv, ok := g.(map[string]any)
		if !ok {
			*lost = append(*lost, path)
			return
		}
		for k, a := range wv {
			b, found := gv[k]
			if !found {
				*lost = append(*lost, path+"."+k)
				continue
			}
			collectLost(path+"."+k, a, b, lost)
		}
	case []any:
		gv, ok := g.([]any)
		if !ok || len(gv) != len(wv) {
			*lost = append(*lost, path)
			return
		}
		for i := range wv {
			collectLost(fmt.Sprintf("%s[%d]", path, i), wv[i], gv[i], lost)
		}
	default:
		var diffs []string
		diffValues(path, w, g, &diffs)
		if len(diffs) > 0 {
			*lost = append(*lost, path)
		}
	}
}
