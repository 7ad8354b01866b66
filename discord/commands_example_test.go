package discord_test

import (
	"fmt"

	"github.com/gatewaykit/gateway/discord"
)

func ExampleUpdatePresence() {
	p := discord.UpdatePresence{
		Status:     discord.StatusDND,
		Activities: []discord.PresenceActivity{{Name: "Custom Status", Type: 4, State: "shipping \"v2\""}},
	}
	d, err := p.AppendPayload(nil)
	fmt.Println(p.Op(), string(d), err)
	// Output: PRESENCE_UPDATE {"since":null,"activities":[{"name":"Custom Status","type":4,"state":"shipping \"v2\""}],"status":"dnd","afk":false} <nil>
}

func ExampleUpdateVoiceState() {
	join := discord.UpdateVoiceState{GuildID: 41771983423143937, ChannelID: 127121515262115840, SelfDeaf: true}
	leave := discord.UpdateVoiceState{GuildID: 41771983423143937}
	a, _ := join.AppendPayload(nil)
	b, _ := leave.AppendPayload(nil)
	fmt.Println(string(a))
	fmt.Println(string(b))
	// Output:
	// {"guild_id":"41771983423143937","channel_id":"127121515262115840","self_mute":false,"self_deaf":true}
	// {"guild_id":"41771983423143937","channel_id":null,"self_mute":false,"self_deaf":false}
}

func ExampleRequestGuildMembers() {
	byPrefix := discord.RequestGuildMembers{GuildID: 41771983423143937, Query: "wr", Limit: 10, Nonce: "n1"}
	byID := discord.RequestGuildMembers{GuildID: 41771983423143937, UserIDs: []discord.Snowflake{80351110224678912}, Presences: true}
	a, _ := byPrefix.AppendPayload(nil)
	b, _ := byID.AppendPayload(nil)
	fmt.Println(string(a))
	fmt.Println(string(b))
	_, err := discord.RequestGuildMembers{GuildID: 1, Nonce: "a nonce of more than thirty-two bytes"}.AppendPayload(nil)
	fmt.Println(err)
	// Output:
	// {"guild_id":"41771983423143937","query":"wr","limit":10,"nonce":"n1"}
	// {"guild_id":"41771983423143937","user_ids":["80351110224678912"],"presences":true}
	// discord: invalid gateway command: op 8 (REQUEST_GUILD_MEMBERS): nonce of 37 bytes, more than 32
}

func ExampleRequestSoundboardSounds() {
	d, _ := discord.RequestSoundboardSounds{GuildIDs: []discord.Snowflake{613425648685547541, 81384788765712384}}.AppendPayload(nil)
	fmt.Println(string(d))
	// Output: {"guild_ids":["613425648685547541","81384788765712384"]}
}

func ExampleRequestChannelInfo() {
	d, _ := discord.RequestChannelInfo{GuildID: 613425648685547541}.AppendPayload(nil)
	fmt.Println(string(d))
	// Output: {"guild_id":"613425648685547541","fields":["status","voice_start_time"]}
}
