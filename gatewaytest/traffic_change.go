package gatewaytest

import (
	"slices"

	"github.com/gatewaykit/gateway/event"
)

// The events of a mutable world (TrafficConfig.Mutable): each changes its
// guild (locked by genGuild) as it is generated, then states the result,
// so the event and every later GUILD_CREATE agree. Where a change would
// break a bound (traffic_live.go), the generator balances with the
// opposite event.

// changesWorld reports whether an event of type typ changed a mutable
// world when it was generated: whoever forwards it must not drop it, or
// its receiver falls behind the world's later GUILD_CREATEs.
func changesWorld(typ string) bool {
	switch typ {
	case event.GuildMemberAdd, event.GuildMemberRemove, event.GuildMemberUpdate, event.VoiceStateUpdate,
		event.ChannelUpdate, event.ThreadCreate, event.ThreadDelete, event.GuildRoleUpdate:
		return true
	}
	return false
}

// liveMemberAdd builds GUILD_MEMBER_ADD: a member who left comes back, or
// a user from outside the pool joins.
func (t *Traffic) liveMemberAdd(b []byte, g *trafficGuild) TrafficEvent {
	w, l := t.w, g.liveState()
	if l.nGone > 0 && (len(l.joined) >= maxJoinedMembers || t.rng.IntN(2) == 0) {
		j := 1 + t.rng.IntN(g.listed-1)
		for !g.isGone(j) {
			j = 1 + j%(g.listed-1)
		}
		g.setGone(j, false)
		l.edits[int32(j)] = &memberEdit{joined: t.now, pending: t.rng.IntN(3) == 0}
		g.memberCount++
		b = w.appendMember(b, g, j, true)
		b = append(reopenObject(b), `,"guild_id":`...)
		b = appendID(b, g.id)
		return TrafficEvent{Type: event.GuildMemberAdd, GuildID: g.id, UserID: w.users[g.memberUser(w, j)].id, Data: append(b, '}')}
	}
	if len(l.joined) >= maxJoinedMembers {
		return t.removeJoined(b, g)
	}
	h := t.rng.Uint64()
	m := joinedMember{id: makeSnowflake(t.now-1-t.rng.Int64N(5*365*86400000), h), h: h, joined: t.now, pending: h>>50%3 == 0}
	l.joined = append(l.joined, m)
	g.memberCount++
	b = appendJoinedMember(b, &m)
	b = append(reopenObject(b), `,"unusual_dm_activity_until":null,"guild_id":`...)
	b = appendID(b, g.id)
	return TrafficEvent{Type: event.GuildMemberAdd, GuildID: g.id, UserID: m.id, Data: append(b, '}')}
}

// removeJoined builds GUILD_MEMBER_REMOVE for a member who joined from
// outside the pool; there must be one.
func (t *Traffic) removeJoined(b []byte, g *trafficGuild) TrafficEvent {
	l := g.live
	i := t.rng.IntN(len(l.joined))
	m := l.joined[i]
	l.joined = slices.Delete(l.joined, i, i+1)
	g.memberCount--
	b = append(b, `{"user":`...)
	b = appendUserObject(b, m.id, m.h, false)
	b = append(b, `,"guild_id":`...)
	b = appendID(b, g.id)
	return TrafficEvent{Type: event.GuildMemberRemove, GuildID: g.id, UserID: m.id, Data: append(b, '}')}
}

// liveMemberRemove builds GUILD_MEMBER_REMOVE: a member who joined
// leaves, or a listed member (never the owner) does, taking their voice
// state along. When nobody may leave, someone joins instead.
func (t *Traffic) liveMemberRemove(b []byte, g *trafficGuild) TrafficEvent {
	w, l := t.w, g.liveState()
	canLeave := g.listed > 1 && l.nGone < g.maxGone()
	if len(l.joined) > 0 && (!canLeave || t.rng.IntN(2) == 0) {
		return t.removeJoined(b, g)
	}
	if !canLeave {
		return t.liveMemberAdd(b, g)
	}
	j := 1 + t.rng.IntN(g.listed-1)
	for g.isGone(j) {
		j = 1 + j%(g.listed-1)
	}
	g.setGone(j, true)
	delete(l.edits, int32(j))
	if l.voiceSet {
		if i := l.voiceIndex(j); i >= 0 {
			l.voice = slices.Delete(l.voice, i, i+1)
		}
	} else if slices.ContainsFunc(w.initialVoice(g), func(v voiceState) bool { return int(v.j) == j }) {
		l = w.liveVoice(g)
		i := l.voiceIndex(j)
		l.voice = slices.Delete(l.voice, i, i+1)
	}
	g.memberCount--
	id, u := w.user(g.memberUser(w, j))
	return memberRemove(b, g, id, u)
}

// liveMemberUpdate builds GUILD_MEMBER_UPDATE after changing a listed
// member's nickname, roles or timeout.
func (t *Traffic) liveMemberUpdate(b []byte, g *trafficGuild) TrafficEvent {
	w := t.w
	j := t.pickMember(g)
	e := w.memberState(g, j)
	r := t.rng.IntN(4)
	if r >= 2 && len(g.roles) <= 2 {
		r = 0 // no role to give
	}
	switch r {
	case 0:
		if e.hasNick && t.rng.IntN(2) == 0 {
			e.nick, e.hasNick = "", false
		} else {
			e.nick, e.hasNick = pickHashed(displayNames, t.rng.Uint64()), true
		}
	case 1:
		if e.timeout > t.now {
			e.timeout = 0
		} else {
			e.timeout = t.now + (1+t.rng.Int64N(72))*3600000
		}
	default:
		id := g.roles[1+t.rng.IntN(len(g.roles)-2)].id
		if i := slices.Index(e.roles, id); i >= 0 {
			e.roles = slices.Delete(e.roles, i, i+1)
		} else if len(e.roles) < 6 {
			e.roles = append(e.roles, id)
		} else {
			e.roles = e.roles[1:]
		}
	}
	g.liveState().edits[int32(j)] = &e
	b = w.appendMember(b, g, j, true)
	b = append(reopenObject(b), `,"guild_id":`...)
	b = appendID(b, g.id)
	b = append(b, `,"avatar_decoration_data":null,"collectibles":null}`...)
	return TrafficEvent{Type: event.GuildMemberUpdate, GuildID: g.id, UserID: w.users[g.memberUser(w, j)].id, Data: b}
}

// liveVoiceState builds VOICE_STATE_UPDATE after moving a member into,
// within or out of the voice channels. When the guild's voice states are
// at their bound, a member leaves instead of one more joining.
func (t *Traffic) liveVoiceState(b []byte, g *trafficGuild) TrafficEvent {
	w := t.w
	j := t.pickMember(g)
	var ch uint64
	if len(g.voiceChans) > 0 && t.rng.IntN(5) != 0 {
		ch = g.chans[g.voiceChans[t.rng.IntN(len(g.voiceChans))]].id
	}
	h := t.rng.Uint64()
	l := w.liveVoice(g)
	i := l.voiceIndex(j)
	if ch != 0 && i < 0 && len(l.voice) >= min(maxVoiceStates, g.listed) {
		i = t.rng.IntN(len(l.voice))
		j, ch = int(l.voice[i].j), 0
	}
	id := w.users[g.memberUser(w, j)].id
	v := voiceState{j: int32(j), ch: ch, sess: hash2(h, id), video: h%10 == 0, mute: h>>4%3 == 0, deaf: h>>8%8 == 0}
	switch {
	case ch == 0 && i >= 0:
		l.voice = slices.Delete(l.voice, i, i+1)
	case ch != 0 && i >= 0:
		l.voice[i] = v
	case ch != 0:
		l.voice = append(l.voice, v)
	}
	b = append(b, `{"member":`...)
	b = w.appendMember(b, g, j, true)
	b = append(b, `,"user_id":`...)
	b = appendID(b, id)
	b = appendVoiceFlags(b, &v)
	b = append(b, `,"request_to_speak_timestamp":null,"mute":false,"guild_id":`...)
	b = appendID(b, g.id)
	b = append(b, `,"deaf":false,"channel_id":`...)
	b = appendIDOrNull(b, ch)
	return TrafficEvent{Type: event.VoiceStateUpdate, GuildID: g.id, ChannelID: ch, UserID: id, Data: append(b, '}')}
}

var (
	slowmodes = []int32{0, 0, 5, 10, 30, 60, 300}
	bitrates  = []int32{64000, 96000, 128000, 8000}
)

// liveChannelUpdate builds CHANNEL_UPDATE after changing a channel: a
// text channel's topic (and at times its slowmode or nsfw flag), a voice
// channel's bitrate; a category is restated as it is.
func (t *Traffic) liveChannelUpdate(b []byte, g *trafficGuild) TrafficEvent {
	ch := &g.chans[t.rng.IntN(len(g.chans)-g.nThreads)]
	k := t.rng.IntN(len(channelTopics))
	switch ch.typ {
	case chanText, chanAnnouncement, chanForum:
		ch.topic = int8(k + 1)
		if t.rng.IntN(4) == 0 {
			ch.slowmode = pickHashed(slowmodes, t.rng.Uint64())
		}
		if t.rng.IntN(10) == 0 {
			ch.nsfw = !ch.nsfw
		}
	case chanVoice, chanStage:
		ch.bitrate = pickHashed(bitrates, uint64(k))
	}
	b = t.w.appendChannel(b, g, ch, true, "")
	return TrafficEvent{Type: event.ChannelUpdate, GuildID: g.id, ChannelID: ch.id, Data: b}
}

// liveThreadCreate builds THREAD_CREATE and adds the thread to the world;
// at the bound it builds THREAD_DELETE of the oldest thread instead.
func (t *Traffic) liveThreadCreate(b []byte, g *trafficGuild) TrafficEvent {
	w, l := t.w, g.liveState()
	if g.nThreads >= l.threads0+maxNewThreads {
		return t.liveThreadDelete(b, g)
	}
	parent := t.pickThreadParent(g)
	j := t.pickMember(g)
	owner := w.users[g.memberUser(w, j)].id
	// The guild's index in the low bits, as for every channel of the
	// world, and after every channel in time, so chans stays sorted.
	ms := max(t.now, snowflakeTime(g.chans[len(g.chans)-1].id)+1)
	id := makeSnowflake(ms, uint64(g.idx))
	var name []byte
	for i, n := 0, 2+t.rng.IntN(5); i < n; i++ {
		if i > 0 {
			name = append(name, ' ')
		}
		name = append(name, chatWords[t.rng.IntN(len(chatWords))]...)
	}
	parentID, forum := parent.id, parent.typ == chanForum
	g.chans = append(g.chans, trafficChannel{id: id, parent: parentID, typ: chanPublicThread, name: string(name), ownerJ: int32(j)})
	g.nThreads++
	g.indexMsgChans()

	b = append(b, `{"type":11,"total_message_sent":0,"thread_metadata":{"locked":false,"create_timestamp":`...)
	b = appendTimestamp(b, ms)
	b = append(b, `,"auto_archive_duration":4320,"archived":false,"archive_timestamp":`...)
	b = appendTimestamp(b, ms)
	b = append(b, `},"rate_limit_per_user":0,"parent_id":`...)
	b = appendID(b, parentID)
	b = append(b, `,"owner_id":`...)
	b = appendID(b, owner)
	b = append(b, `,"newly_created":true,"name":`...)
	b = appendString(b, string(name))
	b = append(b, `,"message_count":0,"member_count":1,"last_message_id":null,"id":`...)
	b = appendID(b, id)
	b = append(b, `,"guild_id":`...)
	b = appendID(b, g.id)
	if forum {
		b = append(b, `,"applied_tags":[`...)
		b = appendID(b, parentID+1)
		b = append(b, ']')
	}
	b = append(b, `,"flags":0}`...)
	return TrafficEvent{Type: event.ThreadCreate, GuildID: g.id, ChannelID: id, UserID: owner, Data: b}
}

// liveThreadDelete builds THREAD_DELETE for the guild's oldest thread and
// removes it; there must be one.
func (t *Traffic) liveThreadDelete(b []byte, g *trafficGuild) TrafficEvent {
	nc := len(g.chans) - g.nThreads
	th := g.chans[nc]
	g.chans = slices.Delete(g.chans, nc, nc+1)
	g.nThreads--
	g.indexMsgChans()
	b = append(b, `{"type":11,"parent_id":`...)
	b = appendID(b, th.parent)
	b = append(b, `,"id":`...)
	b = appendID(b, th.id)
	b = append(b, `,"guild_id":`...)
	b = appendID(b, g.id)
	return TrafficEvent{Type: event.ThreadDelete, GuildID: g.id, ChannelID: th.id, Data: append(b, '}')}
}

// liveRoleUpdate builds GUILD_ROLE_UPDATE after changing a role: its
// colour, hoist and mentionable flags (not @everyone's) or a permission.
func (t *Traffic) liveRoleUpdate(b []byte, g *trafficGuild) TrafficEvent {
	r := &g.roles[t.rng.IntN(len(g.roles))]
	everyone := r.id == g.id
	if !everyone {
		if t.rng.IntN(2) == 0 {
			r.color = uint32(t.rng.IntN(0x1000000))
		}
		if t.rng.IntN(4) == 0 {
			r.hoist = !r.hoist
		}
		if t.rng.IntN(4) == 0 {
			r.mentionable = !r.mentionable
		}
	}
	if everyone || t.rng.IntN(3) == 0 {
		r.perms ^= 1 << t.rng.IntN(47)
	}
	b = append(b, `{"guild_id":`...)
	b = appendID(b, g.id)
	b = append(b, `,"role":`...)
	b = appendRole(b, r, t.now, t.w.botID)
	return TrafficEvent{Type: event.GuildRoleUpdate, GuildID: g.id, Data: append(b, '}')}
}
