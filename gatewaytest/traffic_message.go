package gatewaytest

import (
	"strconv"

	"github.com/gatewaykit/gateway/event"
)

// Message events: MESSAGE_CREATE / _UPDATE (the full message object of
// docs/protocol.md §13 plus guild_id, member, mentions and channel_type),
// MESSAGE_DELETE / _DELETE_BULK, reactions and poll votes.

// Pre-escaped word lists: content is built from these without escaping
// per event.
var (
	escChat   = escapeAll(chatWords)
	escFancy  = escapeAll(fancyWords)
	escEmoji  = escapeAll(sampleEmojis)
	escEscape = escapeAll(escapeWords)
)

func escapeAll(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = string(appendEscaped(nil, w))
	}
	return out
}

// pickAuthor draws a member index, favouring low indexes: a few members
// of a guild do most of the talking.
func (t *Traffic) pickMember(g *trafficGuild) int {
	a, b := t.rng.IntN(g.listed), t.rng.IntN(g.listed)
	j := min(a, b)
	if g.live == nil || g.live.nGone == 0 {
		return j
	}
	for g.isGone(j) { // member 0, the owner, never leaves
		j = (j + 1) % g.listed
	}
	return j
}

// pickMsgChannel draws a channel that takes messages, favouring the first
// ones (#general is the busiest).
func (t *Traffic) pickMsgChannel(g *trafficGuild) *trafficChannel {
	n := len(g.msgChans)
	a, b := t.rng.IntN(n), t.rng.IntN(n)
	return &g.chans[g.msgChans[min(a, b)]]
}

// newGuildMessage creates (and remembers) a message by a member of g.
func (t *Traffic) newGuildMessage(g *trafficGuild) recentMsg {
	ch := t.pickMsgChannel(g)
	j := t.pickMember(g)
	m := recentMsg{id: t.newID(), ch: ch.id, g: int32(g.idx), j: int32(j), userK: int32(g.memberUser(t.w, j)), chTyp: ch.typ}
	t.remember(m)
	return m
}

// oldGuildMessage returns a recent message of g, or makes up an older one
// when none was generated lately.
func (t *Traffic) oldGuildMessage(g *trafficGuild) recentMsg {
	if m, ok := t.recent(g.idx); ok {
		return m
	}
	ch := t.pickMsgChannel(g)
	j := t.pickMember(g)
	return recentMsg{
		id: makeSnowflake(t.now-1-t.rng.Int64N(6*3600000), t.rng.Uint64()), ch: ch.id, g: int32(g.idx),
		j: int32(j), userK: int32(g.memberUser(t.w, j)), chTyp: ch.typ,
	}
}

// newDMMessage creates (and remembers) a DM message; a fifth are the bot's
// own (userK -1).
func (t *Traffic) newDMMessage() recentMsg {
	dm := &t.w.dms[t.rng.IntN(len(t.w.dms))]
	userK := int32(dm.userK)
	if t.rng.IntN(5) == 0 {
		userK = -1
	}
	m := recentMsg{id: t.newID(), ch: dm.id, g: -1, userK: userK, chTyp: chanDM}
	t.remember(m)
	return m
}

// oldDMMessage returns a recent DM message or makes one up.
func (t *Traffic) oldDMMessage() recentMsg {
	if m, ok := t.recent(-1); ok {
		return m
	}
	dm := &t.w.dms[t.rng.IntN(len(t.w.dms))]
	return recentMsg{id: makeSnowflake(t.now-1-t.rng.Int64N(6*3600000), t.rng.Uint64()), ch: dm.id, g: -1, userK: int32(dm.userK), chTyp: chanDM}
}

// authorOf returns the author's id and user JSON of m.
func (t *Traffic) authorOf(m recentMsg) (uint64, []byte) {
	if m.userK < 0 {
		return t.w.botID, t.w.botJSON
	}
	return t.w.user(int(m.userK))
}

// genMessage builds MESSAGE_CREATE (edited == 0) or MESSAGE_UPDATE.
func (t *Traffic) genMessage(b []byte, g *trafficGuild, m recentMsg, edited int64) TrafficEvent {
	typ := event.MessageCreate
	if edited != 0 {
		typ = event.MessageUpdate
	}
	authorID, _ := t.authorOf(m)
	ev := TrafficEvent{Type: typ, ChannelID: m.ch, UserID: authorID}
	if g != nil {
		ev.GuildID = g.id
	}
	ev.Data = t.appendMessage(b, g, m, edited, false)
	return ev
}

// appendMessage appends a message object. nested builds the
// referenced_message of a reply: no member, guild_id, reply or reactions.
func (t *Traffic) appendMessage(b []byte, g *trafficGuild, m recentMsg, edited int64, nested bool) []byte {
	w, rng := t.w, t.rng
	var mentions [3]int
	nm := 0
	if g != nil && !nested {
		switch r := rng.IntN(100); {
		case r < 15:
			nm = 1
		case r < 18:
			nm = 2
		}
		for i := 0; i < nm; i++ {
			mentions[i] = t.pickMember(g)
		}
	}
	reply := !nested && rng.IntN(100) < 7
	embed := rng.IntN(100) < 8
	attach := rng.IntN(100) < 8
	reactions := !nested && rng.IntN(100) < 6
	link := rng.IntN(len(sampleLinks))

	mtype := 0
	if reply {
		mtype = 19
	}
	b = append(b, `{"type":`...)
	b = appendInt(b, int64(mtype))
	b = append(b, `,"tts":false,"timestamp":`...)
	b = appendTimestamp(b, snowflakeTime(m.id))
	b = append(b, `,"pinned":false,`...)
	if edited == 0 && !nested && m.userK >= 0 && rng.IntN(10) < 7 {
		b = append(b, `"nonce":"`...)
		b = strconv.AppendUint(b, m.id-uint64(rng.Int64N(1<<30)), 10)
		b = append(b, `",`...)
	}
	b = append(b, `"mentions":[`...)
	for i := 0; i < nm; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		_, u := w.user(g.memberUser(w, mentions[i]))
		b = append(b, reopenObject(u)...)
		b = append(b, `,"member":`...)
		b = w.appendMember(b, g, mentions[i], false)
		b = append(b, '}')
	}
	b = append(b, `],"mention_roles":[],"mention_everyone":false,`...)
	if g != nil && !nested {
		b = append(b, `"member":`...)
		b = w.appendMember(b, g, int(m.j), false)
		b = append(b, ',')
	}
	b = append(b, `"id":`...)
	b = appendID(b, m.id)
	b = append(b, `,"flags":0,"embeds":[`...)
	if embed {
		b = t.appendEmbed(b, link)
	}
	b = append(b, `],"edited_timestamp":`...)
	b = appendTimestampOrNull(b, edited)
	b = append(b, `,"content":"`...)
	for i := 0; i < nm; i++ {
		b = append(b, "<@"...)
		b = strconv.AppendUint(b, w.users[g.memberUser(w, mentions[i])].id, 10)
		b = append(b, "> "...)
	}
	b = t.appendContent(b, g, nested)
	if embed {
		b = append(b, ' ')
		b = append(b, sampleLinks[link]...)
	}
	b = append(b, `","components":[],"channel_type":`...)
	b = appendInt(b, int64(m.chTyp))
	b = append(b, `,"channel_id":`...)
	b = appendID(b, m.ch)
	b = append(b, `,"author":`...)
	_, author := t.authorOf(m)
	b = append(b, author...)
	b = append(b, `,"attachments":[`...)
	if attach {
		b = t.appendAttachment(b, m.ch)
	}
	b = append(b, ']')
	if g != nil && !nested {
		b = append(b, `,"guild_id":`...)
		b = appendID(b, g.id)
	}
	if reactions {
		b = append(b, `,"reactions":[`...)
		b = t.appendReactionCount(b, g)
		b = append(b, ']')
	}
	if reply {
		ref := recentMsg{
			id: m.id - uint64(1+rng.Int64N(3600000))<<22, ch: m.ch, g: m.g, j: m.j, userK: m.userK, chTyp: m.chTyp,
		}
		if g != nil {
			ref.j = int32(t.pickMember(g))
			ref.userK = int32(g.memberUser(w, int(ref.j)))
		}
		b = append(b, `,"message_reference":{"type":0,"channel_id":`...)
		b = appendID(b, m.ch)
		b = append(b, `,"message_id":`...)
		b = appendID(b, ref.id)
		if g != nil {
			b = append(b, `,"guild_id":`...)
			b = appendID(b, g.id)
		}
		b = append(b, `},"referenced_message":`...)
		b = t.appendMessage(b, g, ref, 0, true)
	}
	return append(b, '}')
}

// appendContent appends message text (already escaped, no quotes): chat
// words mixed with unicode, emoji, custom emoji and strings JSON must
// escape. Most messages are short; a few are long.
func (t *Traffic) appendContent(b []byte, g *trafficGuild, short bool) []byte {
	rng := t.rng
	var n int
	switch r := rng.IntN(100); {
	case short:
		n = 2 + rng.IntN(10)
	case r < 35:
		n = 12 + rng.IntN(10)
	case r < 80:
		n = 20 + rng.IntN(14)
	case r < 95:
		n = 32 + rng.IntN(14)
	default:
		n = 45 + rng.IntN(25)
	}
	for i := 0; i < n; i++ {
		// One draw per word: its bits pick the separator, the word class
		// and the word (the modulo bias is irrelevant here).
		r := rng.Uint64()
		if i > 0 {
			if r%30 == 0 {
				b = append(b, `\n`...)
			} else {
				b = append(b, ' ')
			}
		}
		w := r >> 24
		switch class := r >> 8 & 0xffff % 100; {
		case class < 82:
			b = append(b, escChat[w%uint64(len(escChat))]...)
		case class < 89:
			b = append(b, escFancy[w%uint64(len(escFancy))]...)
		case class < 95:
			b = append(b, escEmoji[w%uint64(len(escEmoji))]...)
		case class < 97 && g != nil && len(g.emojis) > 0:
			e := &g.emojis[w%uint64(len(g.emojis))]
			if e.animated {
				b = append(b, "<a:"...)
			} else {
				b = append(b, "<:"...)
			}
			b = append(b, e.name...)
			b = append(b, ':')
			b = strconv.AppendUint(b, e.id, 10)
			b = append(b, '>')
		default:
			b = append(b, escEscape[w%uint64(len(escEscape))]...)
		}
	}
	return b
}

var embedProviders = []string{"GitHub", "YouTube", "Wikipedia", "Example", "Steam", "X"}

// appendEmbed appends a link preview embed for sampleLinks[link].
func (t *Traffic) appendEmbed(b []byte, link int) []byte {
	h := t.rng.Uint64()
	b = append(b, `{"type":"`...)
	b = append(b, pickHashed([]string{"article", "link", "video", "rich"}, h)...)
	b = append(b, `","url":`...)
	b = appendString(b, sampleLinks[link])
	b = append(b, `,"title":`...)
	b = appendString(b, embedTitles[link%len(embedTitles)])
	b = append(b, `,"description":`...)
	b = appendString(b, pickHashed(embedDescriptions, h>>8))
	b = append(b, `,"provider":{"name":`...)
	b = appendString(b, embedProviders[link%len(embedProviders)])
	b = append(b, `},"color":`...)
	b = appendInt(b, int64(h>>16&0xffffff))
	b = append(b, `,"thumbnail":{"width":1200,"url":"https://opengraph.example.com/`...)
	b = appendHex(b, h, 16)
	b = append(b, `.png","proxy_url":"https://images-ext-1.discordapp.net/external/`...)
	b = appendHex(b, mix64(h), 43)
	b = append(b, `/https/opengraph.example.com/`...)
	b = appendHex(b, h, 16)
	b = append(b, `.png","placeholder_version":1,"placeholder":"`...)
	b = appendHex(b, mix64(h^2), 28)
	b = append(b, `","height":600,"flags":0},"content_scan_version":2}`...)
	return b
}

// appendAttachment appends an uploaded file in channel ch.
func (t *Traffic) appendAttachment(b []byte, ch uint64) []byte {
	h := t.rng.Uint64()
	f := int(h % uint64(len(attachmentNames)))
	id := t.newID()
	image := attachmentTypes[f] == "image/png" || attachmentTypes[f] == "image/gif" || attachmentTypes[f] == "image/jpeg"
	b = append(b, '{')
	if image {
		b = append(b, `"width":`...)
		b = appendInt(b, int64(320+h>>8%1600))
		b = append(b, `,"height":`...)
		b = appendInt(b, int64(240+h>>20%1000))
		b = append(b, `,"placeholder_version":1,"placeholder":"`...)
		b = appendHex(b, mix64(h), 28)
		b = append(b, `",`...)
	}
	for i, host := range []string{`"url":"https://cdn.discordapp.com/attachments/`, `,"proxy_url":"https://media.discordapp.net/attachments/`} {
		b = append(b, host...)
		b = strconv.AppendUint(b, ch, 10)
		b = append(b, '/')
		b = strconv.AppendUint(b, id, 10)
		b = append(b, '/')
		b = appendEscaped(b, attachmentNames[f])
		b = append(b, "?ex="...)
		b = appendHex(b, h+uint64(i), 8)
		b = append(b, "&is="...)
		b = appendHex(b, h>>3, 8)
		b = append(b, "&hm="...)
		b = appendHex(b, mix64(h), 64)
		b = append(b, `&"`...)
	}
	b = append(b, `,"size":`...)
	b = appendInt(b, int64(1000+h>>32%8_000_000))
	b = append(b, `,"id":`...)
	b = appendID(b, id)
	b = append(b, `,"filename":`...)
	b = appendString(b, attachmentNames[f])
	b = append(b, `,"content_type":"`...)
	b = append(b, attachmentTypes[f]...)
	return append(b, `","content_scan_version":2}`...)
}

// appendReactionEmoji appends a partial emoji: usually unicode, sometimes
// one of the guild's custom emojis.
func (t *Traffic) appendReactionEmoji(b []byte, g *trafficGuild) []byte {
	if g != nil && len(g.emojis) > 0 && t.rng.IntN(10) < 3 {
		e := &g.emojis[t.rng.IntN(len(g.emojis))]
		b = append(b, `{"name":`...)
		b = appendString(b, e.name)
		b = append(b, `,"id":`...)
		b = appendID(b, e.id)
		if e.animated {
			b = append(b, `,"animated":true`...)
		}
		return append(b, '}')
	}
	b = append(b, `{"name":"`...)
	b = append(b, escEmoji[t.rng.IntN(len(escEmoji))]...)
	return append(b, `","id":null}`...)
}

// appendReactionCount appends one entry of a message's reactions.
func (t *Traffic) appendReactionCount(b []byte, g *trafficGuild) []byte {
	n := 1 + t.rng.IntN(12)
	b = append(b, `{"emoji":`...)
	b = t.appendReactionEmoji(b, g)
	b = append(b, `,"count":`...)
	b = appendInt(b, int64(n))
	b = append(b, `,"count_details":{"burst":0,"normal":`...)
	b = appendInt(b, int64(n))
	return append(b, `},"burst_colors":[],"me_burst":false,"burst_me":false,"me":false,"burst_count":0}`...)
}

// genDelete builds MESSAGE_DELETE.
func (t *Traffic) genDelete(b []byte, g *trafficGuild, m recentMsg) TrafficEvent {
	b = append(b, `{"id":`...)
	b = appendID(b, m.id)
	b = append(b, `,"channel_id":`...)
	b = appendID(b, m.ch)
	ev := TrafficEvent{Type: event.MessageDelete, ChannelID: m.ch}
	if g != nil {
		ev.GuildID = g.id
		b = append(b, `,"guild_id":`...)
		b = appendID(b, g.id)
	}
	ev.Data = append(b, '}')
	return ev
}

// genDeleteBulk builds MESSAGE_DELETE_BULK: a moderator purging 2–20
// messages of a channel.
func (t *Traffic) genDeleteBulk(b []byte, g *trafficGuild) TrafficEvent {
	ch := t.pickMsgChannel(g)
	n := 2 + t.rng.IntN(19)
	b = append(b, `{"ids":[`...)
	ms := t.now - 1
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		ms -= 1 + t.rng.Int64N(60000)
		b = appendID(b, makeSnowflake(ms, t.rng.Uint64()))
	}
	b = append(b, `],"channel_id":`...)
	b = appendID(b, ch.id)
	b = append(b, `,"guild_id":`...)
	b = appendID(b, g.id)
	return TrafficEvent{Type: event.MessageDeleteBulk, GuildID: g.id, ChannelID: ch.id, Data: append(b, '}')}
}

// genReaction builds MESSAGE_REACTION_ADD or _REMOVE on message m by a
// member of g (or, in a DM, by the DM's user).
func (t *Traffic) genReaction(b []byte, g *trafficGuild, m recentMsg, add bool) TrafficEvent {
	var userID uint64
	j := 0
	if g != nil {
		j = t.pickMember(g)
		userID = t.w.users[g.memberUser(t.w, j)].id
	} else {
		userID = t.w.users[t.dmUser(m.ch)].id
	}
	burst := t.rng.IntN(30) == 0
	ev := TrafficEvent{Type: event.MessageReactionRemove, ChannelID: m.ch, UserID: userID}
	b = append(b, `{"user_id":`...)
	b = appendID(b, userID)
	b = append(b, `,"type":`...)
	if burst {
		b = append(b, '1')
	} else {
		b = append(b, '0')
	}
	b = append(b, `,"message_id":`...)
	b = appendID(b, m.id)
	if add {
		ev.Type = event.MessageReactionAdd
		authorID, _ := t.authorOf(m)
		b = append(b, `,"message_author_id":`...)
		b = appendID(b, authorID)
		if g != nil {
			b = append(b, `,"member":`...)
			b = t.w.appendMember(b, g, j, true)
		}
	}
	b = append(b, `,"emoji":`...)
	b = t.appendReactionEmoji(b, g)
	b = append(b, `,"channel_id":`...)
	b = appendID(b, m.ch)
	b = append(b, `,"burst":`...)
	b = appendBool(b, burst)
	if add {
		if burst {
			b = append(b, `,"burst_colors":["#f5a623","#d0021b"]`...)
		} else {
			b = append(b, `,"burst_colors":[]`...)
		}
	}
	if g != nil {
		ev.GuildID = g.id
		b = append(b, `,"guild_id":`...)
		b = appendID(b, g.id)
	}
	ev.Data = append(b, '}')
	return ev
}

// genPollVote builds MESSAGE_POLL_VOTE_ADD or _REMOVE.
func (t *Traffic) genPollVote(b []byte, g *trafficGuild, m recentMsg, add bool) TrafficEvent {
	var userID uint64
	if g != nil {
		userID = t.w.users[g.memberUser(t.w, t.pickMember(g))].id
	} else {
		userID = t.w.users[t.dmUser(m.ch)].id
	}
	ev := TrafficEvent{Type: event.MessagePollVoteRemove, ChannelID: m.ch, UserID: userID}
	if add {
		ev.Type = event.MessagePollVoteAdd
	}
	b = append(b, `{"user_id":`...)
	b = appendID(b, userID)
	b = append(b, `,"message_id":`...)
	b = appendID(b, m.id)
	if g != nil {
		ev.GuildID = g.id
		b = append(b, `,"guild_id":`...)
		b = appendID(b, g.id)
	}
	b = append(b, `,"channel_id":`...)
	b = appendID(b, m.ch)
	b = append(b, `,"answer_id":`...)
	b = appendInt(b, int64(1+t.rng.IntN(4)))
	ev.Data = append(b, '}')
	return ev
}

// dmUser returns the user index of the recipient of DM channel ch.
func (t *Traffic) dmUser(ch uint64) int {
	for i := range t.w.dms {
		if t.w.dms[i].id == ch {
			return t.w.dms[i].userK
		}
	}
	return 0
}
