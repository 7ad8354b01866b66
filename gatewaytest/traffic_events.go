package gatewaytest

import (
	"strconv"

	"github.com/gatewaykit/gateway/event"
)

// The per-event dispatch of the generator and the builders of the events
// that are not about messages: typing, presences, members, voice states,
// channels, threads, interactions, roles and invites.

// genGuild builds one event in guild g, of a kind drawn from the mix.
func (t *Traffic) genGuild(b []byte, g *trafficGuild) TrafficEvent {
	if !t.w.mutable {
		return t.genGuildKind(b, g, t.w.guildMix.draw(t.rng))
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	var ev TrafficEvent
	switch k := t.w.guildMix.draw(t.rng); k {
	case kindMemberAdd:
		ev = t.liveMemberAdd(b, g)
	case kindMemberUpdate:
		ev = t.liveMemberUpdate(b, g)
	case kindMemberRemove:
		ev = t.liveMemberRemove(b, g)
	case kindVoiceStateUpdate:
		ev = t.liveVoiceState(b, g)
	case kindChannelUpdate:
		ev = t.liveChannelUpdate(b, g)
	case kindThreadCreate:
		ev = t.liveThreadCreate(b, g)
	case kindRoleUpdate:
		ev = t.liveRoleUpdate(b, g)
	default:
		return t.genGuildKind(b, g, k)
	}
	g.ver.Add(1)
	return ev
}

// genGuildKind builds one event of kind k in guild g, as in a static
// world.
func (t *Traffic) genGuildKind(b []byte, g *trafficGuild, k trafficKind) TrafficEvent {
	switch k {
	case kindMessageCreate:
		return t.genMessage(b, g, t.newGuildMessage(g), 0)
	case kindMessageUpdate:
		return t.genMessage(b, g, t.oldGuildMessage(g), t.now)
	case kindMessageDelete:
		return t.genDelete(b, g, t.oldGuildMessage(g))
	case kindMessageDeleteBulk:
		return t.genDeleteBulk(b, g)
	case kindReactionAdd:
		return t.genReaction(b, g, t.oldGuildMessage(g), true)
	case kindReactionRemove:
		return t.genReaction(b, g, t.oldGuildMessage(g), false)
	case kindTypingStart:
		return t.genTyping(b, g)
	case kindPresenceUpdate:
		return t.genPresence(b, g)
	case kindMemberAdd:
		return t.genMemberAdd(b, g)
	case kindMemberUpdate:
		return t.genMemberUpdate(b, g)
	case kindMemberRemove:
		return t.genMemberRemove(b, g)
	case kindVoiceStateUpdate:
		return t.genVoiceState(b, g)
	case kindChannelUpdate:
		return t.genChannelUpdate(b, g)
	case kindThreadCreate:
		return t.genThreadCreate(b, g)
	case kindInteractionCreate:
		return t.genInteraction(b, g)
	case kindRoleUpdate:
		return t.genRoleUpdate(b, g)
	case kindInviteCreate:
		return t.genInviteCreate(b, g)
	case kindPollVoteAdd:
		return t.genPollVote(b, g, t.oldGuildMessage(g), true)
	default: // kindPollVoteRemove
		return t.genPollVote(b, g, t.oldGuildMessage(g), false)
	}
}

// genDM builds one event in a DM channel of the bot.
func (t *Traffic) genDM(b []byte) TrafficEvent {
	switch t.w.dmMix.draw(t.rng) {
	case kindMessageCreate:
		return t.genMessage(b, nil, t.newDMMessage(), 0)
	case kindMessageUpdate:
		return t.genMessage(b, nil, t.oldDMMessage(), t.now)
	case kindMessageDelete:
		return t.genDelete(b, nil, t.oldDMMessage())
	case kindReactionAdd:
		return t.genReaction(b, nil, t.oldDMMessage(), true)
	case kindReactionRemove:
		return t.genReaction(b, nil, t.oldDMMessage(), false)
	case kindTypingStart:
		return t.genTyping(b, nil)
	case kindInteractionCreate:
		return t.genInteraction(b, nil)
	case kindPollVoteAdd:
		return t.genPollVote(b, nil, t.oldDMMessage(), true)
	default: // kindPollVoteRemove
		return t.genPollVote(b, nil, t.oldDMMessage(), false)
	}
}

// genTyping builds TYPING_START; g nil means in a DM.
func (t *Traffic) genTyping(b []byte, g *trafficGuild) TrafficEvent {
	var ch, userID uint64
	j := 0
	if g != nil {
		ch = t.pickMsgChannel(g).id
		j = t.pickMember(g)
		userID = t.w.users[g.memberUser(t.w, j)].id
	} else {
		dm := &t.w.dms[t.rng.IntN(len(t.w.dms))]
		ch, userID = dm.id, t.w.users[dm.userK].id
	}
	b = append(b, `{"user_id":`...)
	b = appendID(b, userID)
	b = append(b, `,"timestamp":`...)
	b = appendInt(b, t.now/1000)
	ev := TrafficEvent{Type: event.TypingStart, ChannelID: ch, UserID: userID}
	if g != nil {
		b = append(b, `,"member":`...)
		b = t.w.appendMember(b, g, j, true)
	}
	b = append(b, `,"channel_id":`...)
	b = appendID(b, ch)
	if g != nil {
		ev.GuildID = g.id
		b = append(b, `,"guild_id":`...)
		b = appendID(b, g.id)
	}
	ev.Data = append(b, '}')
	return ev
}

// genPresence builds PRESENCE_UPDATE. The user is partial (id only) but
// for the occasional profile change, which sends the whole user.
func (t *Traffic) genPresence(b []byte, g *trafficGuild) TrafficEvent {
	id, u := t.w.user(g.memberUser(t.w, t.pickMember(g)))
	if t.rng.IntN(20) != 0 {
		u = nil
	}
	b = appendPresence(b, id, u, t.rng.Uint64(), t.now, g.id)
	return TrafficEvent{Type: event.PresenceUpdate, GuildID: g.id, UserID: id, Data: b}
}

// genMemberAdd builds GUILD_MEMBER_ADD for a user from outside the pool.
func (t *Traffic) genMemberAdd(b []byte, g *trafficGuild) TrafficEvent {
	h := t.rng.Uint64()
	id := makeSnowflake(t.now-1-t.rng.Int64N(5*365*86400000), h)
	b = append(b, `{"user":`...)
	b = appendUserObject(b, id, h, false)
	b = append(b, `,"roles":[],"premium_since":null,"pending":`...)
	b = appendBool(b, h>>50%3 == 0)
	b = append(b, `,"nick":null,"mute":false,"joined_at":`...)
	b = appendTimestamp(b, t.now)
	b = append(b, `,"flags":0,"deaf":false,"communication_disabled_until":null,"banner":null,"avatar":null,"unusual_dm_activity_until":null,"guild_id":`...)
	b = appendID(b, g.id)
	return TrafficEvent{Type: event.GuildMemberAdd, GuildID: g.id, UserID: id, Data: append(b, '}')}
}

// genMemberUpdate builds GUILD_MEMBER_UPDATE for a listed member.
func (t *Traffic) genMemberUpdate(b []byte, g *trafficGuild) TrafficEvent {
	j := t.pickMember(g)
	b = t.w.appendMember(b, g, j, true)
	b = append(reopenObject(b), `,"guild_id":`...)
	b = appendID(b, g.id)
	b = append(b, `,"avatar_decoration_data":null,"collectibles":null}`...)
	return TrafficEvent{Type: event.GuildMemberUpdate, GuildID: g.id, UserID: t.w.users[g.memberUser(t.w, j)].id, Data: b}
}

// memberRemove builds GUILD_MEMBER_REMOVE of user id (u, its JSON) from g.
func memberRemove(b []byte, g *trafficGuild, id uint64, u []byte) TrafficEvent {
	b = append(b, `{"user":`...)
	b = append(b, u...)
	b = append(b, `,"guild_id":`...)
	b = appendID(b, g.id)
	return TrafficEvent{Type: event.GuildMemberRemove, GuildID: g.id, UserID: id, Data: append(b, '}')}
}

// genMemberRemove builds GUILD_MEMBER_REMOVE.
func (t *Traffic) genMemberRemove(b []byte, g *trafficGuild) TrafficEvent {
	id, u := t.w.user(g.memberUser(t.w, t.pickMember(g)))
	return memberRemove(b, g, id, u)
}

// genVoiceState builds VOICE_STATE_UPDATE: a member joining, moving in or
// leaving (channel_id null) a voice channel.
func (t *Traffic) genVoiceState(b []byte, g *trafficGuild) TrafficEvent {
	j := t.pickMember(g)
	id := t.w.users[g.memberUser(t.w, j)].id
	var ch uint64
	if len(g.voiceChans) > 0 && t.rng.IntN(5) != 0 {
		ch = g.chans[g.voiceChans[t.rng.IntN(len(g.voiceChans))]].id
	}
	h := t.rng.Uint64()
	b = append(b, `{"member":`...)
	b = t.w.appendMember(b, g, j, true)
	b = append(b, `,"user_id":`...)
	b = appendID(b, id)
	b = append(b, `,"suppress":false,"session_id":`...)
	b = appendQuotedHex(b, hash2(h, id), 32)
	b = append(b, `,"self_video":`...)
	b = appendBool(b, h%10 == 0)
	b = append(b, `,"self_mute":`...)
	b = appendBool(b, h>>4%3 == 0)
	b = append(b, `,"self_deaf":`...)
	b = appendBool(b, h>>8%8 == 0)
	b = append(b, `,"request_to_speak_timestamp":null,"mute":false,"guild_id":`...)
	b = appendID(b, g.id)
	b = append(b, `,"deaf":false,"channel_id":`...)
	b = appendIDOrNull(b, ch)
	return TrafficEvent{Type: event.VoiceStateUpdate, GuildID: g.id, ChannelID: ch, UserID: id, Data: append(b, '}')}
}

var channelTopics = []string{
	"Be nice. Read #rules before posting.",
	"Talk about anything ✨",
	"Patch notes: \"v2\" is out — see pins",
	"日本語OK / English OK",
	"No spoilers!\nUse ||spoiler tags||",
}

// genChannelUpdate builds CHANNEL_UPDATE for a (non-thread) channel.
func (t *Traffic) genChannelUpdate(b []byte, g *trafficGuild) TrafficEvent {
	ch := &g.chans[t.rng.IntN(len(g.chans)-g.nThreads)]
	b = t.w.appendChannel(b, g, ch, true, channelTopics[t.rng.IntN(len(channelTopics))])
	return TrafficEvent{Type: event.ChannelUpdate, GuildID: g.id, ChannelID: ch.id, Data: b}
}

// pickThreadParent picks a text, announcement or forum channel of g for a
// new thread: msgChans[0] is always a text channel (threads come last),
// and a few random draws usually find another parent, forums included.
func (t *Traffic) pickThreadParent(g *trafficGuild) *trafficChannel {
	parent := &g.chans[g.msgChans[0]]
	for tries := 0; tries < 8; tries++ {
		if c := &g.chans[t.rng.IntN(len(g.chans)-g.nThreads)]; c.typ == chanText || c.typ == chanAnnouncement || c.typ == chanForum {
			parent = c
			break
		}
	}
	return parent
}

// genThreadCreate builds THREAD_CREATE for a new public thread started by
// a member under a text, announcement or forum channel.
func (t *Traffic) genThreadCreate(b []byte, g *trafficGuild) TrafficEvent {
	parent := t.pickThreadParent(g)
	j := t.pickMember(g)
	owner := t.w.users[g.memberUser(t.w, j)].id
	id := t.newID()
	ts := snowflakeTime(id)
	b = append(b, `{"type":11,"total_message_sent":0,"thread_metadata":{"locked":false,"create_timestamp":`...)
	b = appendTimestamp(b, ts)
	b = append(b, `,"auto_archive_duration":4320,"archived":false,"archive_timestamp":`...)
	b = appendTimestamp(b, ts)
	b = append(b, `},"rate_limit_per_user":0,"parent_id":`...)
	b = appendID(b, parent.id)
	b = append(b, `,"owner_id":`...)
	b = appendID(b, owner)
	b = append(b, `,"newly_created":true,"name":"`...)
	for i, n := 0, 2+t.rng.IntN(5); i < n; i++ {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, escChat[t.rng.IntN(len(escChat))]...)
	}
	b = append(b, `","message_count":0,"member_count":1,"last_message_id":null,"id":`...)
	b = appendID(b, id)
	b = append(b, `,"guild_id":`...)
	b = appendID(b, g.id)
	if parent.typ == chanForum {
		b = append(b, `,"applied_tags":[`...)
		b = appendID(b, parent.id+1)
		b = append(b, ']')
	}
	b = append(b, `,"flags":0}`...)
	return TrafficEvent{Type: event.ThreadCreate, GuildID: g.id, ChannelID: id, UserID: owner, Data: b}
}

// genInteraction builds INTERACTION_CREATE for a slash command, in a
// guild channel or (g nil) in a DM with the bot.
func (t *Traffic) genInteraction(b []byte, g *trafficGuild) TrafficEvent {
	w := t.w
	id := t.newID()
	h := t.rng.Uint64()
	var ch *trafficChannel
	var chID, userID uint64
	j, userK := 0, 0
	if g != nil {
		ch = t.pickMsgChannel(g)
		chID = ch.id
		j = t.pickMember(g)
		userK = g.memberUser(w, j)
	} else {
		dm := &w.dms[t.rng.IntN(len(w.dms))]
		chID, userK = dm.id, dm.userK
	}
	userID, userJSON := w.user(userK)
	b = append(b, `{"version":1,"type":2,"token":"aW50ZXJhY3Rpb246`...)
	b = strconv.AppendUint(b, id, 10)
	b = append(b, ':')
	b = appendHex(b, h, 96)
	b = append(b, `",`...)
	if g != nil {
		b = append(b, `"member":`...)
		b = w.appendMember(b, g, j, true)
		b = append(reopenObject(b), `,"permissions":"`...)
		b = strconv.AppendUint(b, 1071698660929|g.roles[1%len(g.roles)].perms, 10)
		b = append(b, `"},`...)
	} else {
		b = append(b, `"user":`...)
		b = append(b, userJSON...)
		b = append(b, ',')
	}
	b = append(b, `"locale":"`...)
	b = append(b, pickHashed(sampleLocales, h>>3)...)
	b = append(b, `","id":`...)
	b = appendID(b, id)
	if g != nil {
		b = append(b, `,"guild_locale":"`...)
		b = append(b, g.locale...)
		b = append(b, `","guild_id":`...)
		b = appendID(b, g.id)
		b = append(b, `,"guild":{"locale":"`...)
		b = append(b, g.locale...)
		b = append(b, `","id":`...)
		b = appendID(b, g.id)
		b = append(b, `,"features":[]}`...)
	}
	b = append(b, `,"entitlements":[],"entitlement_sku_ids":[],"data":{"type":1,"name":"`...)
	cmd := int(h >> 7 % uint64(len(slashCommands)))
	b = append(b, slashCommands[cmd]...)
	b = append(b, `","id":`...)
	b = appendID(b, makeSnowflake(snowflakeTime(w.botID)+86400000+int64(cmd)*3600000, uint64(cmd)))
	if h>>11%2 == 0 {
		b = append(b, `,"options":[{"type":3,"name":"query","value":"`...)
		for i, n := 0, 1+t.rng.IntN(6); i < n; i++ {
			if i > 0 {
				b = append(b, ' ')
			}
			if t.rng.IntN(8) == 0 {
				b = append(b, escEscape[t.rng.IntN(len(escEscape))]...)
			} else {
				b = append(b, escChat[t.rng.IntN(len(escChat))]...)
			}
		}
		b = append(b, `"}]`...)
	}
	b = append(b, `},"context":`...)
	if g != nil {
		b = append(b, `0,"channel_id":`...)
	} else {
		b = append(b, `1,"channel_id":`...)
	}
	b = appendID(b, chID)
	b = append(b, `,"channel":`...)
	if g != nil {
		b = w.appendChannel(b, g, ch, true, "")
		b = append(reopenObject(b), `,"permissions":"1071698660929"}`...)
	} else {
		b = append(b, `{"type":1,"id":`...)
		b = appendID(b, chID)
		b = append(b, `,"recipients":[`...)
		b = append(b, userJSON...)
		b = append(b, `],"flags":0}`...)
	}
	b = append(b, `,"authorizing_integration_owners":{"0":`...)
	if g != nil {
		b = appendID(b, g.id)
	} else {
		b = append(b, `"0"`...)
	}
	b = append(b, `},"application_id":`...)
	b = appendID(b, w.botID)
	b = append(b, `,"app_permissions":"`...)
	b = strconv.AppendUint(b, 1071698660929, 10)
	b = append(b, `","attachment_size_limit":10485760}`...)
	ev := TrafficEvent{Type: event.InteractionCreate, ChannelID: chID, UserID: userID, Data: b}
	if g != nil {
		ev.GuildID = g.id
	}
	return ev
}

// genRoleUpdate builds GUILD_ROLE_UPDATE.
func (t *Traffic) genRoleUpdate(b []byte, g *trafficGuild) TrafficEvent {
	r := &g.roles[t.rng.IntN(len(g.roles))]
	b = append(b, `{"guild_id":`...)
	b = appendID(b, g.id)
	b = append(b, `,"role":`...)
	b = appendRole(b, r, t.now, t.w.botID)
	return TrafficEvent{Type: event.GuildRoleUpdate, GuildID: g.id, Data: append(b, '}')}
}

var inviteAges = []int64{0, 1800, 3600, 21600, 43200, 86400, 604800, 604800}

// genInviteCreate builds INVITE_CREATE by a member in a text channel.
func (t *Traffic) genInviteCreate(b []byte, g *trafficGuild) TrafficEvent {
	ch := t.pickMsgChannel(g)
	id, u := t.w.user(g.memberUser(t.w, t.pickMember(g)))
	h := t.rng.Uint64()
	age := pickHashed(inviteAges, h)
	b = append(b, `{"uses":0,"type":0,"temporary":false,"max_uses":`...)
	b = appendInt(b, int64(pickHashed([]int{0, 0, 1, 5, 10, 25, 100}, h>>4)))
	b = append(b, `,"max_age":`...)
	b = appendInt(b, age)
	b = append(b, `,"inviter":`...)
	b = append(b, u...)
	b = append(b, `,"guild_id":`...)
	b = appendID(b, g.id)
	b = append(b, `,"expires_at":`...)
	if age == 0 {
		b = append(b, "null"...)
	} else {
		b = appendTimestamp(b, t.now+age*1000)
	}
	b = append(b, `,"created_at":`...)
	b = appendTimestamp(b, t.now)
	b = append(b, `,"code":"`...)
	for i := 0; i < 8; i++ {
		b = append(b, inviteAlphabet[h>>(8+6*i)%uint64(len(inviteAlphabet))])
	}
	b = append(b, `","channel_id":`...)
	b = appendID(b, ch.id)
	return TrafficEvent{Type: event.InviteCreate, GuildID: g.id, ChannelID: ch.id, UserID: id, Data: append(b, '}')}
}
