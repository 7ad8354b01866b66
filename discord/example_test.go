package discord_test

import (
	"fmt"

	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/event"
)

func ExampleMessageCreate_DecodeJSON() {
	d := []byte(`{"id":"1434612333180436481","channel_id":"1091403921475407882","guild_id":"1091403920930152448",
		"author":{"id":"298765432109876543","username":"wren","discriminator":"0","global_name":null,"avatar":null},
		"member":{"roles":[],"joined_at":"2023-04-02T14:55:10.123000+00:00","nick":null,"flags":0},
		"content":"hello","timestamp":"2025-11-02T18:04:31.512000+00:00","edited_timestamp":null,"tts":false,
		"mention_everyone":false,"mentions":[],"mention_roles":[],"attachments":[],"embeds":[],"pinned":false,"type":0,"flags":0}`)
	var m discord.MessageCreate
	if err := m.DecodeJSON(d); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Author.Username, "said", m.Content, "in", m.ChannelID)
	fmt.Println("id minted at", m.ID.Time().Format("2006-01-02 15:04:05"))
	fmt.Println("nick removed or never set:", m.Member.Nick.IsNull(), "- avatar sent:", !m.Member.Avatar.IsZero())
	// Output:
	// wren said hello in 1091403921475407882
	// id minted at 2025-11-02 18:37:14
	// nick removed or never set: true - avatar sent: false
}

func ExamplePayloadFor() {
	p, _ := discord.PayloadFor(event.GuildRoleDelete)
	if err := p.DecodeJSON([]byte(`{"guild_id":"1091403920930152448","role_id":"1100000000000000009"}`)); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%T: role %d\n", p, p.(*discord.GuildRoleDelete).RoleID)
	// Output:
	// *discord.GuildRoleDelete: role 1100000000000000009
}
