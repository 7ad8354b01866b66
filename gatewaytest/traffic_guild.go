package gatewaytest

import (
	"math/rand/v2"
	"strings"
)

// GUILD_CREATE payloads and member listings (docs/protocol.md §12.1, §12.3).

var (
	smallFeatures  = []string{}
	mediumFeatures = []string{"COMMUNITY", "NEWS", "INVITE_SPLASH", "THREADS_ENABLED", "AUTO_MODERATION", "SOUNDBOARD"}
	largeFeatures  = []string{
		"COMMUNITY", "DISCOVERABLE", "NEWS", "PARTNERED", "VANITY_URL", "ANIMATED_ICON", "BANNER",
		"ROLE_ICONS", "THREADS_ENABLED", "WELCOME_SCREEN_ENABLED", "MEMBER_VERIFICATION_GATE_ENABLED",
		"PREVIEW_ENABLED", "AUTO_MODERATION", "SOUNDBOARD", "INVITE_SPLASH", "ANIMATED_BANNER",
	}
)

// GuildCreate returns the JSON d of the GUILD_CREATE for a guild of the
// world: the guild object with joined_at, large, member_count, channels,
// threads, roles, emojis, stickers, members, presences, voice_states
// (without guild_id), stage_instances, guild_scheduled_events and
// soundboard_sounds. Small guilds give about 2–5 KiB; huge ones (see
// [TrafficConfig.HugeEvery]) over 1 MiB. The result depends only on the
// config and id, never on the events generated so far, unless the world is
// [TrafficConfig.Mutable]: then it is the guild as the events so far left
// it. It is nil for an unknown id.
func (t *Traffic) GuildCreate(id uint64) []byte {
	d, _ := t.guildCreate(id)
	return d
}

// guildCreate returns the GUILD_CREATE of guild id and the count of
// changes it reflects (always 0 in a static world).
func (t *Traffic) guildCreate(id uint64) ([]byte, uint64) {
	w := t.w
	g := w.guildByID(id)
	if g == nil {
		return nil, 0
	}
	w.lock(g)
	defer w.unlock(g)
	return w.appendGuildCreate(g), g.ver.Load()
}

// guildVersion returns the count of changes guild id went through; 0 for
// an unknown guild or a static world.
func (t *Traffic) guildVersion(id uint64) uint64 {
	if g := t.w.guildByID(id); g != nil {
		return g.ver.Load()
	}
	return 0
}

// appendGuildCreate builds g's GUILD_CREATE (g locked).
func (w *trafficWorld) appendGuildCreate(g *trafficGuild) []byte {
	rng := rand.New(rand.NewPCG(g.h, 0x67635f64))
	est := 4096 + len(g.chans)*450 + len(g.roles)*350 + len(g.emojis)*160 + (g.listed+1)*1000 // member + presence
	b := make([]byte, 0, est)
	now := w.start
	owner := w.users[g.memberUser(w, 0)].id

	b = append(b, `{"id":`...)
	b = appendID(b, g.id)
	b = append(b, `,"name":`...)
	b = appendString(b, g.name)
	b = append(b, `,"icon":`...)
	if g.h>>3%4 == 0 {
		b = append(b, "null"...)
	} else {
		b = appendQuotedHex(b, g.h, 32)
	}
	b = append(b, `,"description":`...)
	if g.class >= classLarge {
		b = appendString(b, pickHashed(embedDescriptions, g.h>>5))
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"splash":null,"discovery_splash":null,"banner":`...)
	if g.premiumTier >= 2 {
		b = appendQuotedHex(b, mix64(g.h), 32)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"owner_id":`...)
	b = appendID(b, owner)
	b = append(b, `,"afk_channel_id":`...)
	afk := uint64(0)
	if len(g.voiceChans) > 1 {
		afk = g.chans[g.voiceChans[len(g.voiceChans)-1]].id
	}
	b = appendIDOrNull(b, afk)
	b = append(b, `,"afk_timeout":300,"verification_level":`...)
	b = appendInt(b, int64(g.class))
	b = append(b, `,"default_message_notifications":`...)
	b = appendInt(b, int64(min(g.class, 1)))
	b = append(b, `,"explicit_content_filter":`...)
	b = appendInt(b, int64(min(g.class, 2)))
	b = append(b, `,"features":[`...)
	features := smallFeatures
	switch g.class {
	case classMedium:
		features = mediumFeatures
	case classLarge, classHuge:
		features = largeFeatures
	}
	for i, f := range features {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, f)
	}
	b = append(b, `],"mfa_level":`...)
	b = appendInt(b, int64(min(g.class, 1)))
	b = append(b, `,"application_id":null,"system_channel_id":`...)
	sys := g.chans[g.msgChans[0]].id
	b = appendID(b, sys)
	b = append(b, `,"system_channel_flags":0,"rules_channel_id":`...)
	if g.class >= classMedium {
		b = appendID(b, sys)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"max_presences":null,"max_members":`...)
	b = appendInt(b, int64(max(500000, g.memberCount*2)))
	b = append(b, `,"vanity_url_code":`...)
	if g.class >= classLarge {
		b = append(b, '"')
		b = appendUsername(b, g.h)
		b = append(b, '"')
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"premium_tier":`...)
	b = appendInt(b, int64(g.premiumTier))
	b = append(b, `,"premium_subscription_count":`...)
	b = appendInt(b, int64(pickHashed([]int{0, 2, 7, 14}, uint64(g.premiumTier))+rng.IntN(5)))
	b = append(b, `,"preferred_locale":"`...)
	b = append(b, g.locale...)
	b = append(b, `","public_updates_channel_id":`...)
	if g.class >= classMedium {
		b = appendID(b, sys)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"max_video_channel_users":25,"max_stage_video_channel_users":50,"nsfw_level":0,"nsfw":false,"premium_progress_bar_enabled":false,"safety_alerts_channel_id":null,"incidents_data":null,"latest_onboarding_question_id":null,"hub_type":null,"home_header":null,"inventory_settings":null,"profile":null,"version":`...)
	b = appendInt(b, now-rng.Int64N(86400000*30))
	b = append(b, `,"lazy":true,"large":`...)
	b = appendBool(b, g.large)
	b = append(b, `,"unavailable":false,"joined_at":`...)
	b = appendTimestamp(b, g.joined)
	b = append(b, `,"member_count":`...)
	b = appendInt(b, int64(g.memberCount))
	b = append(b, `,"application_command_counts":{"1":`...)
	b = appendInt(b, int64(len(g.roles)%7))
	b = append(b, `},"roles":[`...)
	for i := range g.roles {
		if i > 0 {
			b = append(b, ',')
		}
		r := &g.roles[i]
		b = appendRole(b, r, snowflakeTime(r.id)+int64(r.id%1000), w.botID)
	}
	b = append(b, `],"emojis":[`...)
	for i := range g.emojis {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendEmoji(b, &g.emojis[i])
	}
	b = append(b, `],"stickers":[`...)
	if g.class >= classMedium {
		for i, n := 0, 1+rng.IntN(5); i < n; i++ {
			if i > 0 {
				b = append(b, ',')
			}
			e := pickHashed(sampleEmojis, rng.Uint64())
			b = append(b, `{"type":2,"tags":"`...)
			b = append(b, e...)
			b = append(b, `","name":`...)
			b = appendString(b, pickHashed(customEmojiNames, rng.Uint64()))
			b = append(b, `,"id":`...)
			b = appendID(b, makeSnowflake(g.joined-rng.Int64N(max(1, g.joined-g.created)), rng.Uint64()))
			b = append(b, `,"guild_id":`...)
			b = appendID(b, g.id)
			b = append(b, `,"format_type":1,"description":"","available":true,"asset":""}`...)
		}
	}
	b = append(b, `],"channels":[`...)
	nc := len(g.chans) - g.nThreads
	for i := 0; i < nc; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = w.appendChannel(b, g, &g.chans[i], false, "")
	}
	b = append(b, `],"threads":[`...)
	for i := nc; i < len(g.chans); i++ {
		if i > nc {
			b = append(b, ',')
		}
		b = w.appendChannel(b, g, &g.chans[i], true, "")
	}
	b = append(b, `],"members":[`...)
	b = w.appendListed(b, g, 0, g.listedNow()+1)
	b = append(b, `],"presences":[`...)
	first := true
	for j := 0; j < g.listed; j++ {
		ph := hash2(g.h^0x70726573, uint64(j))
		if g.class < classLarge && ph%5 >= 2 || g.isGone(j) {
			continue // offline: small guilds list their offline members, without a presence
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendPresence(b, w.users[g.memberUser(w, j)].id, nil, ph, now, 0)
	}
	b = append(b, `],"voice_states":[`...)
	for k, v := range w.voiceNow(g) {
		if k > 0 {
			b = append(b, ',')
		}
		b = appendVoiceState(b, w.users[g.memberUser(w, int(v.j))].id, &v)
	}
	b = append(b, `],"stage_instances":[`...)
	for _, ci := range g.voiceChans {
		if ch := &g.chans[ci]; ch.typ == chanStage && g.h>>9%2 == 0 {
			b = append(b, `{"topic":`...)
			b = appendString(b, pickHashed(embedTitles, g.h>>10))
			b = append(b, `,"privacy_level":2,"id":`...)
			b = appendID(b, makeSnowflake(now-rng.Int64N(7200000), rng.Uint64()))
			b = append(b, `,"guild_scheduled_event_id":null,"guild_id":`...)
			b = appendID(b, g.id)
			b = append(b, `,"discoverable_disabled":false,"channel_id":`...)
			b = appendID(b, ch.id)
			b = append(b, '}')
			break
		}
	}
	b = append(b, `],"guild_scheduled_events":[`...)
	if g.class >= classMedium {
		for i, n := 0, rng.IntN(4); i < n; i++ {
			if i > 0 {
				b = append(b, ',')
			}
			start := now + 3600000 + rng.Int64N(14*86400000)
			b = append(b, `{"status":1,"scheduled_start_time":`...)
			b = appendTimestamp(b, start)
			b = append(b, `,"scheduled_end_time":`...)
			b = appendTimestamp(b, start+7200000)
			b = append(b, `,"recurrence_rule":null,"privacy_level":2,"name":`...)
			b = appendString(b, pickHashed(embedTitles, rng.Uint64()))
			b = append(b, `,"image":null,"id":`...)
			b = appendID(b, makeSnowflake(now-rng.Int64N(7*86400000), rng.Uint64()))
			b = append(b, `,"guild_id":`...)
			b = appendID(b, g.id)
			b = append(b, `,"entity_type":2,"entity_metadata":null,"entity_id":null,"description":`...)
			b = appendString(b, pickHashed(embedDescriptions, rng.Uint64()))
			b = append(b, `,"creator_id":`...)
			b = appendID(b, owner)
			b = append(b, `,"channel_id":`...)
			var where uint64
			if len(g.voiceChans) > 0 {
				where = g.chans[g.voiceChans[0]].id
			}
			b = appendIDOrNull(b, where)
			b = append(b, `,"user_count":`...)
			b = appendInt(b, int64(rng.IntN(200)))
			b = append(b, '}')
		}
	}
	b = append(b, `],"soundboard_sounds":[`...)
	for i, n := 0, g.premiumTier*4; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		uid, u := w.user(g.memberUser(w, rng.IntN(g.listed)))
		_ = uid
		b = append(b, `{"volume":`...)
		b = append(b, pickHashed([]string{"1.0", "0.5", "0.8"}, rng.Uint64())...)
		b = append(b, `,"user":`...)
		b = append(b, u...)
		b = append(b, `,"sound_id":`...)
		b = appendID(b, makeSnowflake(g.joined+rng.Int64N(max(1, now-g.joined)), rng.Uint64()))
		b = append(b, `,"name":`...)
		b = appendString(b, pickHashed(chatWords, rng.Uint64()))
		b = append(b, `,"guild_id":`...)
		b = appendID(b, g.id)
		b = append(b, `,"emoji_name":"`...)
		b = append(b, pickHashed(sampleEmojis, rng.Uint64())...)
		b = append(b, `","emoji_id":null,"available":true}`...)
	}
	return append(b, `],"embedded_activities":[],"activity_instances":[]}`...)
}

// GuildMembers returns a JSON array of the guild member objects (user
// included) at positions [offset, offset+limit) of the guild's listing:
// the members of its GUILD_CREATE, in the same order, the bot last. It
// serves Request Guild Members (GUILD_MEMBERS_CHUNK pages of up to 1000).
// It returns nil for an unknown guild and [] past the end.
func (t *Traffic) GuildMembers(guildID uint64, offset, limit int) []byte {
	g := t.w.guildByID(guildID)
	if g == nil {
		return nil
	}
	t.w.lock(g)
	defer t.w.unlock(g)
	total := g.listedNow() + 1
	offset = max(0, offset)
	end := min(total, offset+max(0, limit))
	if limit > total {
		end = total
	}
	b := make([]byte, 0, 2+max(0, end-offset)*760)
	b = append(b, '[')
	b = t.w.appendListed(b, g, offset, end)
	return append(b, ']')
}

// GuildMember returns the JSON guild member object (user included) of a
// user in a guild, as listed in its GUILD_CREATE, and false when the user
// is not a listed member of that guild.
func (t *Traffic) GuildMember(guildID, userID uint64) ([]byte, bool) {
	w := t.w
	g := w.guildByID(guildID)
	if g == nil {
		return nil, false
	}
	w.lock(g)
	defer w.unlock(g)
	if userID == w.botID {
		return w.appendBotMember(nil, g), true
	}
	if g.live != nil {
		for i := range g.live.joined {
			if m := &g.live.joined[i]; m.id == userID {
				return appendJoinedMember(nil, m), true
			}
		}
	}
	k := w.userIndex(userID)
	if k < 0 {
		return nil, false
	}
	j := g.memberIndex(w, k)
	if j < 0 || g.isGone(j) {
		return nil, false
	}
	return w.appendMember(nil, g, j, true), true
}

// GuildMembersByPrefix returns a JSON array of the listed members (user
// included) of a guild whose username or nickname starts with prefix,
// compared case-insensitively, at most limit of them (limit <= 0: all), in
// listing order: what Request Guild Members answers for a query. The empty
// prefix matches every member. It returns nil for an unknown guild.
func (t *Traffic) GuildMembersByPrefix(guildID uint64, prefix string, limit int) []byte {
	w := t.w
	g := w.guildByID(guildID)
	if g == nil {
		return nil
	}
	w.lock(g)
	defer w.unlock(g)
	if limit <= 0 {
		limit = g.listedNow() + 1
	}
	b := append([]byte(nil), '[')
	var name []byte
	n := 0
	add := func(member []byte) {
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, member...)
	}
	var one []byte
	for j := 0; j < g.listed && n < limit; j++ {
		if g.isGone(j) {
			continue
		}
		name = appendUsername(name[:0], w.users[g.memberUser(w, j)].h)
		ok := hasPrefixFold(string(name), prefix)
		nick, has := memberNick(g.memberHash(j))
		if e := g.edit(j); e != nil {
			nick, has = e.nick, e.hasNick
		}
		if !ok && has {
			ok = hasPrefixFold(nick, prefix)
		}
		if ok {
			one = w.appendMember(one[:0], g, j, true)
			add(one)
		}
	}
	if g.live != nil {
		for i := 0; i < len(g.live.joined) && n < limit; i++ {
			m := &g.live.joined[i]
			name = appendUsername(name[:0], m.h)
			if hasPrefixFold(string(name), prefix) {
				one = appendJoinedMember(one[:0], m)
				add(one)
			}
		}
	}
	if n < limit && hasPrefixFold("gatewaykit-bot", prefix) {
		add(w.appendBotMember(one[:0], g))
	}
	return append(b, ']')
}

// hasPrefixFold reports whether s starts with prefix, ignoring case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
