// Package bot gives typed answers to the gateway commands that have one:
// Request Guild Members, Request Soundboard Sounds and Request Channel
// Info, decoded into the discord package's types.
//
// # Layering
//
// Running shards (gatewayutil) must not depend on typed data (discord),
// and typed data must not depend on the shard runner: the raw path stays
// free of both. So the pieces meet here, in a package above both:
//
//   - discord defines the typed commands (discord.UpdatePresence,
//     discord.RequestGuildMembers, ...): each has Op and AppendPayload,
//     which is all gatewayutil.Command asks for, so they go straight to
//     Shard.SendCommand, Manager.SendGuildCommand and Manager.Broadcast.
//   - gatewayutil sends the commands through each shard's command limiter
//     and collects the answers raw: every GUILD_MEMBERS_CHUNK of a nonce,
//     one SOUNDBOARD_SOUNDS per guild, the CHANNEL_INFO of a guild.
//   - bot (this package) decodes those raw answers into discord types.
//
// Nothing imports bot; it imports gatewayutil and discord.
package bot
