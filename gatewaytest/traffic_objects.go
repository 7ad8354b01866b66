package gatewaytest

import "strconv"

// Builders for the objects that recur inside events and GUILD_CREATE:
// users, members, presences, channels, roles and emojis. Each appends one
// JSON object to b. Attributes that must agree between GUILD_CREATE and
// later events (a member's roles, nickname, join date) are hashes of the
// guild and member index, never random draws.

// appendUserObject appends a user object whose attributes derive from h.
func appendUserObject(b []byte, id, h uint64, bot bool) []byte {
	b = append(b, `{"username":"`...)
	b = appendUsername(b, h)
	b = append(b, `","public_flags":`...)
	b = appendInt(b, int64(pickHashed([]uint64{0, 0, 0, 0, 64, 128, 256, 4194304}, h>>12)))
	b = append(b, `,"primary_guild":`...)
	if h>>44%20 < 7 {
		// A server tag the user displays (2025 profiles).
		b = append(b, `{"tag":"`...)
		for i := 0; i < 2+int(h>>46%3); i++ {
			b = append(b, inviteAlphabet[26+(h>>(8*i))%36])
		}
		b = append(b, `","identity_guild_id":`...)
		b = appendID(b, makeSnowflake(1500000000000+int64(h>>20%2e11), h))
		b = append(b, `,"identity_enabled":true,"badge":`...)
		b = appendQuotedHex(b, mix64(h^3), 32)
		b = append(b, '}')
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"id":`...)
	b = appendID(b, id)
	b = append(b, `,"global_name":`...)
	if h>>20%5 == 0 {
		b = append(b, "null"...)
	} else {
		b = appendString(b, pickHashed(displayNames, h>>24))
	}
	b = append(b, `,"display_name_styles":null,"discriminator":"0","collectibles":`...)
	if h>>52%10 == 0 {
		b = append(b, `{"nameplate":{"sku_id":`...)
		b = appendID(b, makeSnowflake(1740000000000+int64(h>>8%1e9), h>>3))
		b = append(b, `,"palette":"`...)
		b = append(b, pickHashed([]string{"crimson", "cobalt", "forest", "sunset", "violet"}, h>>9)...)
		b = append(b, `","label":"","asset":"nameplates/nameplates/`...)
		b = append(b, pickHashed(chatWords, h>>13)...)
		b = append(b, `/","expires_at":null}}`...)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"clan":null,"avatar_decoration_data":`...)
	if h>>56%4 == 0 {
		b = append(b, `{"sku_id":`...)
		b = appendID(b, makeSnowflake(1690000000000+int64(h>>4%5e10), h>>5))
		b = append(b, `,"expires_at":null,"asset":"a_`...)
		b = appendHex(b, mix64(h^5), 32)
		b = append(b, `"}`...)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"avatar":`...)
	switch h >> 32 % 8 {
	case 0:
		b = append(b, "null"...)
	case 1:
		b = append(b, `"a_`...)
		b = appendHex(b, mix64(h), 32)
		b = append(b, '"')
	default:
		b = appendQuotedHex(b, mix64(h), 32)
	}
	if bot || h>>40%40 == 0 {
		b = append(b, `,"bot":true`...)
	}
	return append(b, '}')
}

// appendUsername appends a new-style lowercase username derived from h.
func appendUsername(b []byte, h uint64) []byte {
	n := 2 + int(h%3)
	for i := 0; i < n; i++ {
		b = append(b, nameSyllables[(h>>(8+5*i))%uint64(len(nameSyllables))]...)
	}
	switch h >> 28 % 4 {
	case 0:
		b = append(b, '_')
	case 1:
		b = append(b, '.')
		b = append(b, nameSyllables[h>>50%uint64(len(nameSyllables))]...)
	}
	if h>>30%2 == 0 {
		b = strconv.AppendUint(b, h>>34%1000, 10)
	}
	return b
}

// memberHash returns the attribute hash of member j of g.
func (g *trafficGuild) memberHash(j int) uint64 {
	return hash2(g.h^0x6d656d62, uint64(j))
}

// memberNick returns the nickname of the member with hash mh, if it has
// one (about one in six do).
func memberNick(mh uint64) (string, bool) {
	if mh>>8%6 != 0 {
		return "", false
	}
	return pickHashed(displayNames, mh>>12), true
}

// memberJoined returns when member j joined g.
func (w *trafficWorld) memberJoined(g *trafficGuild, j int) int64 {
	if j == 0 {
		return g.created
	}
	span := max(1, w.start-86400000-g.created)
	return g.created + int64(g.memberHash(j)>>16%uint64(span))
}

// appendMember appends member j of g. With withUser the user object is
// included (GUILD_CREATE, reactions, typing, voice states); without it the
// object is the partial member of MESSAGE_CREATE. Callers that add fields
// reopen the object with [reopenObject].
func (w *trafficWorld) appendMember(b []byte, g *trafficGuild, j int, withUser bool) []byte {
	if g.live != nil {
		if e := g.live.edits[int32(j)]; e != nil {
			return w.appendEditedMember(b, g, j, e, withUser)
		}
	}
	mh := g.memberHash(j)
	b = w.appendMemberHead(b, g, j, withUser)
	b = g.appendMemberRoles(b, mh)
	b = append(b, `],"premium_since":`...)
	joined := w.memberJoined(g, j)
	if mh>>40%20 == 0 {
		b = appendTimestamp(b, joined+int64(mh>>44%(86400000*30)))
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"pending":false,"nick":`...)
	if nick, ok := memberNick(mh); ok {
		b = appendString(b, nick)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"mute":false,"joined_at":`...)
	b = appendTimestamp(b, joined)
	b = append(b, `,"flags":`...)
	b = appendInt(b, int64(mh>>52%2)*2) // 2 = COMPLETED_ONBOARDING
	b = append(b, `,"deaf":false,"communication_disabled_until":null,"banner":null,"avatar":`...)
	if mh>>56%25 == 0 {
		b = appendQuotedHex(b, mh, 32)
	} else {
		b = append(b, "null"...)
	}
	return append(b, '}')
}

// appendMemberHead appends the start of listed member j of g, shared by
// the static and the edited shape: the brace, the user when withUser, and
// `"roles":[`, after which the caller appends the role IDs.
func (w *trafficWorld) appendMemberHead(b []byte, g *trafficGuild, j int, withUser bool) []byte {
	b = append(b, '{')
	if withUser {
		b = append(b, `"user":`...)
		_, u := w.user(g.memberUser(w, j))
		b = append(b, u...)
		b = append(b, ',')
	}
	return append(b, `"roles":[`...)
}

// reopenObject drops the closing brace of the object b ends with, so more fields
// can be appended: b = append(reopenObject(b), `,"k":1}`...).
func reopenObject(b []byte) []byte {
	return b[:len(b)-1]
}

// appendMemberRoles appends the comma-separated role ids of the member
// with hash mh: up to three distinct roles, never @everyone or the bot's.
func (g *trafficGuild) appendMemberRoles(b []byte, mh uint64) []byte {
	nr := uint64(len(g.roles) - 2)
	if nr == 0 {
		return b
	}
	n := min(mh%4, nr)
	s := mh >> 4 % nr
	for r := uint64(0); r < n; r++ {
		if r > 0 {
			b = append(b, ',')
		}
		b = appendID(b, g.roles[1+(s+r)%nr].id)
	}
	return b
}

// appendBotMember appends the bot's own member object in g.
func (w *trafficWorld) appendBotMember(b []byte, g *trafficGuild) []byte {
	b = append(b, `{"user":`...)
	b = append(b, w.botJSON...)
	b = append(b, `,"roles":[`...)
	b = appendID(b, g.roles[len(g.roles)-1].id)
	b = append(b, `],"premium_since":null,"pending":false,"nick":null,"mute":false,"joined_at":`...)
	b = appendTimestamp(b, g.joined)
	return append(b, `,"flags":0,"deaf":false,"communication_disabled_until":null,"banner":null,"avatar":null}`...)
}

var presenceStatuses = []string{"online", "online", "online", "idle", "dnd"}
var clientPlatforms = []string{"desktop", "desktop", "mobile", "web"}

// appendPresence appends a presence for user id with attributes from h at
// time now. guildID 0 leaves out guild_id (GUILD_CREATE presences); full
// includes the whole user object instead of just its id.
func appendPresence(b []byte, id uint64, userJSON []byte, h uint64, now int64, guildID uint64) []byte {
	status := pickHashed(presenceStatuses, h)
	b = append(b, `{"user":`...)
	if userJSON != nil {
		b = append(b, userJSON...)
	} else {
		b = append(b, `{"id":`...)
		b = appendID(b, id)
		b = append(b, '}')
	}
	b = append(b, `,"status":"`...)
	b = append(b, status...)
	b = append(b, `","client_status":{"`...)
	b = append(b, pickHashed(clientPlatforms, h>>4)...)
	b = append(b, `":"`...)
	b = append(b, status...)
	b = append(b, `"},"broadcast":null,"activities":[`...)
	b = appendActivities(b, id, h>>8, now)
	b = append(b, ']')
	if guildID != 0 {
		b = append(b, `,"guild_id":`...)
		b = appendID(b, guildID)
	}
	return append(b, '}')
}

// appendActivities appends zero to two activities: games, Spotify and
// custom statuses.
func appendActivities(b []byte, userID, h uint64, now int64) []byte {
	since := now - int64(h>>20%(3*3600000))
	switch h % 10 {
	case 0, 1, 2, 3:
		return b
	case 4, 5:
		return appendGame(b, h, since)
	case 6:
		return appendSpotify(b, userID, h, since)
	case 7, 8:
		return appendCustomStatus(b, h, since)
	default:
		b = appendCustomStatus(b, h, since)
		b = append(b, ',')
		return appendGame(b, h>>3, since)
	}
}

func appendGame(b []byte, h uint64, since int64) []byte {
	b = append(b, `{"type":0,"timestamps":{"start":`...)
	b = appendInt(b, since)
	b = append(b, `},"name":`...)
	b = appendString(b, pickHashed(gameNames, h>>5))
	b = append(b, `,"id":`...)
	b = appendQuotedHex(b, h, 16)
	b = append(b, `,"created_at":`...)
	b = appendInt(b, since+int64(h%5000))
	b = append(b, `,"application_id":`...)
	b = appendID(b, makeSnowflake(1500000000000+int64(h>>30%1e11), h))
	return append(b, '}')
}

func appendSpotify(b []byte, userID, h uint64, since int64) []byte {
	b = append(b, `{"type":2,"timestamps":{"start":`...)
	b = appendInt(b, since)
	b = append(b, `,"end":`...)
	b = appendInt(b, since+150000+int64(h%120000))
	b = append(b, `},"sync_id":"`...)
	b = appendHex(b, mix64(h), 22)
	b = append(b, `","state":`...)
	s := h >> 9 % uint64(len(spotifySongs))
	b = appendString(b, spotifyArtists[s])
	b = append(b, `,"session_id":`...)
	b = appendQuotedHex(b, h, 32)
	b = append(b, `,"party":{"id":"spotify:`...)
	b = strconv.AppendUint(b, userID, 10)
	b = append(b, `"},"name":"Spotify","id":"spotify:1","flags":48,"details":`...)
	b = appendString(b, spotifySongs[s])
	b = append(b, `,"created_at":`...)
	b = appendInt(b, since+int64(h%3000))
	b = append(b, `,"assets":{"large_text":`...)
	b = appendString(b, spotifySongs[s])
	b = append(b, `,"large_image":"spotify:ab67616d0000b273`...)
	b = appendHex(b, mix64(h^1), 24)
	return append(b, `"}}`...)
}

func appendCustomStatus(b []byte, h uint64, since int64) []byte {
	b = append(b, `{"type":4,"state":`...)
	b = appendString(b, pickHashed(customStatuses, h>>13))
	b = append(b, `,"name":"Custom Status","id":"custom","emoji":{"name":"`...)
	b = append(b, pickHashed(sampleEmojis, h>>17)...)
	b = append(b, `"},"created_at":`...)
	b = appendInt(b, since)
	return append(b, '}')
}

// appendChannel appends channel ch of g. withGuild adds guild_id, which
// GUILD_CREATE leaves out and channel events include.
func (w *trafficWorld) appendChannel(b []byte, g *trafficGuild, ch *trafficChannel, withGuild bool, topic string) []byte {
	b = append(b, `{"version":`...)
	b = appendInt(b, snowflakeTime(ch.id)+int64(ch.id%977))
	b = append(b, `,"type":`...)
	b = appendInt(b, int64(ch.typ))
	switch ch.typ {
	case chanCategory:
	case chanVoice, chanStage:
		b = append(b, `,"user_limit":`...)
		b = appendInt(b, int64(ch.id>>3%3)*10)
		b = append(b, `,"rtc_region":null,"bitrate":`...)
		if ch.bitrate != 0 {
			b = appendInt(b, int64(ch.bitrate))
		} else {
			b = append(b, "64000"...)
		}
		b = append(b, `,"rate_limit_per_user":0,"nsfw":false,"last_message_id":null`...)
	case chanPublicThread:
		b = append(b, `,"total_message_sent":`...)
		n := int64(ch.id>>5%400) + 1
		b = appendInt(b, n)
		b = append(b, `,"thread_metadata":{"locked":false,"create_timestamp":`...)
		b = appendTimestamp(b, snowflakeTime(ch.id))
		b = append(b, `,"auto_archive_duration":4320,"archived":false,"archive_timestamp":`...)
		b = appendTimestamp(b, snowflakeTime(ch.id))
		b = append(b, `},"rate_limit_per_user":0,"owner_id":`...)
		b = appendID(b, w.users[g.memberUser(w, int(ch.ownerJ))].id)
		b = append(b, `,"message_count":`...)
		b = appendInt(b, n)
		b = append(b, `,"member_count":`...)
		b = appendInt(b, min(50, n/3+1))
		b = append(b, `,"last_message_id":`...)
		b = appendIDOrNull(b, ch.lastMsg)
	default:
		b = append(b, `,"topic":`...)
		if topic == "" && ch.topic > 0 {
			topic = channelTopics[ch.topic-1]
		}
		if topic != "" {
			b = appendString(b, topic)
		} else if ch.id>>7%3 == 0 {
			b = append(b, "null"...)
		} else {
			b = appendString(b, pickHashed(embedDescriptions, ch.id>>9))
		}
		b = append(b, `,"rate_limit_per_user":`...)
		b = appendInt(b, int64(ch.slowmode))
		b = append(b, `,"nsfw":`...)
		b = appendBool(b, ch.nsfw)
		b = append(b, `,"last_message_id":`...)
		b = appendIDOrNull(b, ch.lastMsg)
		if ch.typ == chanForum {
			b = append(b, `,"default_sort_order":null,"default_reaction_emoji":{"emoji_name":"👍","emoji_id":null},"default_forum_layout":1,"available_tags":[{"name":"Question","moderated":false,"id":`...)
			b = appendID(b, ch.id+1)
			b = append(b, `,"emoji_name":"❓","emoji_id":null},{"name":"Solved ✅","moderated":true,"id":`...)
			b = appendID(b, ch.id+2)
			b = append(b, `,"emoji_name":null,"emoji_id":null}]`...)
		}
	}
	if ch.typ != chanPublicThread {
		b = append(b, `,"position":`...)
		b = appendInt(b, int64(ch.pos))
		b = append(b, `,"permission_overwrites":[`...)
		if ch.id>>11%3 == 0 && len(g.roles) > 2 {
			b = append(b, `{"type":0,"id":`...)
			b = appendID(b, g.id)
			b = append(b, `,"deny":"2048","allow":"0"},{"type":0,"id":`...)
			b = appendID(b, g.roles[1].id)
			b = append(b, `,"deny":"0","allow":"3072"}`...)
		}
		b = append(b, ']')
	}
	if ch.parent != 0 {
		b = append(b, `,"parent_id":`...)
		b = appendID(b, ch.parent)
	}
	b = append(b, `,"name":`...)
	b = appendString(b, ch.name)
	b = append(b, `,"id":`...)
	b = appendID(b, ch.id)
	if withGuild || ch.typ == chanPublicThread {
		b = append(b, `,"guild_id":`...)
		b = appendID(b, g.id)
	}
	return append(b, `,"flags":0}`...)
}

// appendRole appends role r at a given version time; botID fills the tags
// of the bot's managed role.
func appendRole(b []byte, r *trafficRole, version int64, botID uint64) []byte {
	b = append(b, `{"version":`...)
	b = appendInt(b, version)
	b = append(b, `,"unicode_emoji":null,"tags":`...)
	if r.managed {
		b = append(b, `{"bot_id":`...)
		b = appendID(b, botID)
		b = append(b, '}')
	} else {
		b = append(b, "{}"...)
	}
	b = append(b, `,"position":`...)
	b = appendInt(b, int64(r.pos))
	b = append(b, `,"permissions":"`...)
	b = strconv.AppendUint(b, r.perms, 10)
	b = append(b, `","name":`...)
	b = appendString(b, r.name)
	b = append(b, `,"mentionable":`...)
	b = appendBool(b, r.mentionable)
	b = append(b, `,"managed":`...)
	b = appendBool(b, r.managed)
	b = append(b, `,"id":`...)
	b = appendID(b, r.id)
	b = append(b, `,"icon":null,"hoist":`...)
	b = appendBool(b, r.hoist)
	b = append(b, `,"flags":0,"colors":{"primary_color":`...)
	b = appendInt(b, int64(r.color))
	b = append(b, `,"secondary_color":null,"tertiary_color":null},"color":`...)
	b = appendInt(b, int64(r.color))
	return append(b, '}')
}

// appendEmoji appends a full guild emoji object.
func appendEmoji(b []byte, e *trafficEmoji) []byte {
	b = append(b, `{"version":0,"roles":[],"require_colons":true,"name":`...)
	b = appendString(b, e.name)
	b = append(b, `,"managed":false,"id":`...)
	b = appendID(b, e.id)
	b = append(b, `,"available":true,"animated":`...)
	b = appendBool(b, e.animated)
	return append(b, '}')
}
