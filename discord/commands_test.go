package discord_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/opcode"
)

// command is what every typed command offers.
type command interface {
	Op() opcode.Opcode
	AppendPayload([]byte) ([]byte, error)
}

func TestCommandsRefuseWhatTheGatewayWould(t *testing.T) {
	ids := make([]discord.Snowflake, 101)
	for i := range ids {
		ids[i] = discord.Snowflake(i + 1)
	}
	for name, c := range map[string]command{
		"unknown status":        discord.UpdatePresence{Status: "away"},
		"activity without name": discord.UpdatePresence{Activities: []discord.PresenceActivity{{Type: 0}}},
		"voice without guild":   discord.UpdateVoiceState{ChannelID: 5},
		"members without guild": discord.RequestGuildMembers{Query: "a"},
		"long nonce":            discord.RequestGuildMembers{GuildID: 1, Nonce: strings.Repeat("n", 33)},
		"101 user ids":          discord.RequestGuildMembers{GuildID: 1, UserIDs: ids},
		"query and ids":         discord.RequestGuildMembers{GuildID: 1, Query: "a", UserIDs: ids[:1]},
		"negative limit":        discord.RequestGuildMembers{GuildID: 1, Limit: -1},
		"no sound guilds":       discord.RequestSoundboardSounds{},
		"zero sound guild":      discord.RequestSoundboardSounds{GuildIDs: []discord.Snowflake{0}},
		"info without guild":    discord.RequestChannelInfo{},
		"unknown info field":    discord.RequestChannelInfo{GuildID: 1, Fields: []string{"topic"}},
		"no info fields":        discord.RequestChannelInfo{GuildID: 1, Fields: []string{}},
	} {
		d, err := c.AppendPayload([]byte("prefix"))
		require.True(t, errors.Is(err, discord.ErrInvalidCommand), "%s: %v", name, err)
		require.Equal(t, "prefix", string(d), "%s: nothing appended", name)
	}
}

func TestCommandPayloadsAreWhatTheyHold(t *testing.T) {
	p := discord.UpdatePresence{Since: 17, AFK: true, Status: discord.StatusInvisible,
		Activities: []discord.PresenceActivity{{Name: "a\"b\\c\u2028\x01", Type: 1, URL: "https://twitch.tv/x"}}}
	d, err := p.AppendPayload(nil)
	require.NoError(t, err)
	var got struct {
		Since      *int64 `json:"since"`
		Activities []struct {
			Name string `json:"name"`
			Type int    `json:"type"`
			URL  string `json:"url"`
		} `json:"activities"`
		Status string `json:"status"`
		AFK    bool   `json:"afk"`
	}
	require.NoError(t, json.Unmarshal(d, &got), "%s", d)
	require.Equal(t, int64(17), *got.Since)
	require.Equal(t, p.Activities[0].Name, got.Activities[0].Name)
	require.Equal(t, 1, got.Activities[0].Type)
	require.Equal(t, p.Activities[0].URL, got.Activities[0].URL)
	require.Equal(t, "invisible", got.Status)
	require.True(t, got.AFK)

	empty, err := discord.UpdatePresence{}.AppendPayload(nil)
	require.NoError(t, err)
	require.JSONEq(t, `{"since":null,"activities":[],"status":"online","afk":false}`, string(empty))

	all, err := discord.RequestGuildMembers{GuildID: 9}.AppendPayload(nil)
	require.NoError(t, err)
	require.JSONEq(t, `{"guild_id":"9","query":"","limit":0}`, string(all), "all members: empty query, limit 0")
}

// FuzzCommandPayloads: whatever strings a bot puts in a command, the
// payload is valid JSON that holds exactly those strings.
func FuzzCommandPayloads(f *testing.F) {
	f.Add("playing", "state", "nonce", "wr")
	f.Add("\"\\\x00\u2028", "\xff\xfe", "\u00e9", "</script>")
	f.Fuzz(func(t *testing.T, name, state, nonce, query string) {
		p := discord.UpdatePresence{Activities: []discord.PresenceActivity{{Name: name, State: state}}}
		d, err := p.AppendPayload(nil)
		if name == "" {
			require.ErrorIs(t, err, discord.ErrInvalidCommand)
		} else {
			require.NoError(t, err)
			var got struct {
				Activities []struct{ Name, State string } `json:"activities"`
			}
			require.NoError(t, json.Unmarshal(d, &got), "%q", d)
			require.Equal(t, string([]rune(name)), got.Activities[0].Name)
			require.Equal(t, string([]rune(state)), got.Activities[0].State)
		}
		r := discord.RequestGuildMembers{GuildID: 1, Query: query, Nonce: nonce}
		d, err = r.AppendPayload(nil)
		if len(nonce) > discord.MaxNonceLength {
			require.ErrorIs(t, err, discord.ErrInvalidCommand)
			return
		}
		require.NoError(t, err)
		var got struct{ Query, Nonce string }
		require.NoError(t, json.Unmarshal(d, &got), "%q", d)
		require.Equal(t, string([]rune(query)), got.Query)
		require.Equal(t, string([]rune(nonce)), got.Nonce)
	})
}
