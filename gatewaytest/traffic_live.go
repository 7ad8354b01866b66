package gatewaytest

import (
	"cmp"
	"slices"
)

// The live state of a guild in a mutable world (TrafficConfig.Mutable):
// what the events changed that the hashes of the static world cannot say.
// Role and channel values, threads and the member count change in place
// in trafficGuild; everything about members and voice states lives here.
// All of it is guarded by the guild's lock (trafficWorld.lock).

// guildLive is what the events changed in a guild's members and voice
// states. A guild gets one at its first change.
type guildLive struct {
	edits    map[int32]*memberEdit // listed members whose state is no longer their hashes'
	gone     []uint64              // bitmap over the listed members: those who left
	nGone    int
	joined   []joinedMember // members who joined from outside the pool
	voice    []voiceState   // who is in a voice channel; valid when voiceSet
	voiceSet bool
	threads0 int // the guild's thread count before any change
}

// memberEdit is a listed member's state once an event changed it.
type memberEdit struct {
	joined  int64 // Unix ms
	premium int64 // Unix ms; 0 for null
	timeout int64 // communication_disabled_until, Unix ms; 0 for null
	roles   []uint64
	nick    string
	hasNick bool
	pending bool
	avatar  bool // the member's hashed guild avatar, else null
	flags   uint8
}

// joinedMember is a member who joined by GUILD_MEMBER_ADD from outside
// the user pool.
type joinedMember struct {
	id      uint64
	h       uint64 // the user's attribute hash
	joined  int64  // Unix ms
	pending bool
}

// voiceState is a member (by member index) in a voice channel.
type voiceState struct {
	j                 int32
	ch                uint64
	sess              uint64 // session_id's hash
	video, mute, deaf bool
}

// Bounds of a mutable world's changes, per guild.
const (
	maxJoinedMembers = 32 // members from outside the pool at once
	maxNewThreads    = 10 // threads beyond the guild's initial count
	maxVoiceStates   = 128
)

// lock takes g's lock in a mutable world; a static world needs none.
func (w *trafficWorld) lock(g *trafficGuild) {
	if w.mutable {
		g.mu.Lock()
	}
}

// unlock releases what lock took.
func (w *trafficWorld) unlock(g *trafficGuild) {
	if w.mutable {
		g.mu.Unlock()
	}
}

// liveState returns g's live state, creating it at the first change (g
// locked).
func (g *trafficGuild) liveState() *guildLive {
	if g.live == nil {
		g.live = &guildLive{edits: make(map[int32]*memberEdit), threads0: g.nThreads}
	}
	return g.live
}

// maxGone bounds the listed members who may have left at once: a quarter,
// never the owner (member 0), so member picks stay cheap.
func (g *trafficGuild) maxGone() int { return (g.listed - 1) / 4 }

// isGone reports whether listed member j left (g locked).
func (g *trafficGuild) isGone(j int) bool {
	l := g.live
	return l != nil && l.nGone > 0 && l.gone[j>>6]&(1<<(j&63)) != 0
}

// setGone marks listed member j as gone or back (g locked).
func (g *trafficGuild) setGone(j int, gone bool) {
	l := g.liveState()
	if l.gone == nil {
		l.gone = make([]uint64, (g.listed+63)/64)
	}
	bit := uint64(1) << (j & 63)
	was := l.gone[j>>6]&bit != 0
	switch {
	case gone && !was:
		l.gone[j>>6] |= bit
		l.nGone++
	case !gone && was:
		l.gone[j>>6] &^= bit
		l.nGone--
	}
}

// listedNow returns how many members g's GUILD_CREATE lists now, the bot
// excluded (g locked).
func (g *trafficGuild) listedNow() int {
	if g.live == nil {
		return g.listed
	}
	return g.listed - g.live.nGone + len(g.live.joined)
}

// edit returns listed member j's changed state, nil when unchanged (g
// locked).
func (g *trafficGuild) edit(j int) *memberEdit {
	if g.live == nil {
		return nil
	}
	return g.live.edits[int32(j)]
}

// memberState returns listed member j's state: its edit, or what its
// hashes say (g locked). The result's roles are the caller's.
func (w *trafficWorld) memberState(g *trafficGuild, j int) memberEdit {
	if e := g.edit(j); e != nil {
		c := *e
		c.roles = slices.Clone(e.roles)
		return c
	}
	mh := g.memberHash(j)
	joined := w.memberJoined(g, j)
	e := memberEdit{joined: joined, flags: uint8(mh>>52%2) * 2, avatar: mh>>56%25 == 0}
	if mh>>40%20 == 0 {
		e.premium = joined + int64(mh>>44%(86400000*30))
	}
	e.nick, e.hasNick = memberNick(mh)
	if nr := uint64(len(g.roles) - 2); nr > 0 {
		n := min(mh%4, nr)
		s := mh >> 4 % nr
		for r := uint64(0); r < n; r++ {
			e.roles = append(e.roles, g.roles[1+(s+r)%nr].id)
		}
	}
	return e
}

// appendEditedMember appends listed member j of g in state e, shaped as
// appendMember's.
func (w *trafficWorld) appendEditedMember(b []byte, g *trafficGuild, j int, e *memberEdit, withUser bool) []byte {
	b = w.appendMemberHead(b, g, j, withUser)
	for i, id := range e.roles {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendID(b, id)
	}
	b = append(b, `],"premium_since":`...)
	b = appendTimestampOrNull(b, e.premium)
	b = append(b, `,"pending":`...)
	b = appendBool(b, e.pending)
	b = append(b, `,"nick":`...)
	if e.hasNick {
		b = appendString(b, e.nick)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"mute":false,"joined_at":`...)
	b = appendTimestamp(b, e.joined)
	b = append(b, `,"flags":`...)
	b = appendInt(b, int64(e.flags))
	b = append(b, `,"deaf":false,"communication_disabled_until":`...)
	b = appendTimestampOrNull(b, e.timeout)
	b = append(b, `,"banner":null,"avatar":`...)
	if e.avatar {
		b = appendQuotedHex(b, g.memberHash(j), 32)
	} else {
		b = append(b, "null"...)
	}
	return append(b, '}')
}

// appendJoinedMember appends a member who joined from outside the pool.
func appendJoinedMember(b []byte, m *joinedMember) []byte {
	b = append(b, `{"user":`...)
	b = appendUserObject(b, m.id, m.h, false)
	b = append(b, `,"roles":[],"premium_since":null,"pending":`...)
	b = appendBool(b, m.pending)
	b = append(b, `,"nick":null,"mute":false,"joined_at":`...)
	b = appendTimestamp(b, m.joined)
	return append(b, `,"flags":0,"deaf":false,"communication_disabled_until":null,"banner":null,"avatar":null}`...)
}

// appendListed appends, comma-separated, the members at positions [from,
// to) of g's listing as GUILD_CREATE lists them: the listed members still
// there, the members who joined, the bot (g locked).
func (w *trafficWorld) appendListed(b []byte, g *trafficGuild, from, to int) []byte {
	pos := 0
	first := true
	emit := func() bool {
		in := pos >= from && pos < to
		pos++
		if in && !first {
			b = append(b, ',')
		}
		if in {
			first = false
		}
		return in
	}
	if g.live == nil {
		// Static: positions are member indexes.
		for j := max(0, from); j < min(to, g.listed); j++ {
			if j > max(0, from) {
				b = append(b, ',')
			}
			b = w.appendMember(b, g, j, true)
		}
		if from <= g.listed && to > g.listed {
			if from < g.listed {
				b = append(b, ',')
			}
			b = w.appendBotMember(b, g)
		}
		return b
	}
	for j := 0; j < g.listed && pos < to; j++ {
		if !g.isGone(j) && emit() {
			b = w.appendMember(b, g, j, true)
		}
	}
	for i := range g.live.joined {
		if pos >= to {
			break
		}
		if emit() {
			b = appendJoinedMember(b, &g.live.joined[i])
		}
	}
	if emit() {
		b = w.appendBotMember(b, g)
	}
	return b
}

// initialVoice returns who is in voice before any change: a few members
// by class, from hashes of their own so the rest of GUILD_CREATE does not
// depend on them.
func (w *trafficWorld) initialVoice(g *trafficGuild) []voiceState {
	if len(g.voiceChans) == 0 {
		return nil
	}
	vh := hash2(g.h, 0x766f6963)
	var nv int
	switch g.class {
	case classSmall:
		nv = int(vh % 3)
	case classMedium:
		nv = int(vh % 9)
	case classLarge:
		nv = 5 + int(vh%26)
	default:
		nv = 60 + int(vh%61)
	}
	nv = min(nv, g.listed)
	start := int(vh >> 32 % uint64(g.listed))
	out := make([]voiceState, 0, nv)
	for k := 0; k < nv; k++ {
		j := (start + k) % g.listed
		h := hash2(g.h^0x766f6963, uint64(j))
		out = append(out, voiceState{
			j: int32(j), ch: g.chans[g.voiceChans[int(h>>12%uint64(len(g.voiceChans)))]].id, sess: h,
			video: h%12 == 0, mute: h>>4%3 == 0, deaf: h>>8%9 == 0,
		})
	}
	return out
}

// voiceNow returns who is in voice in g now (g locked); the slice is g's
// in a changed guild, to read only.
func (w *trafficWorld) voiceNow(g *trafficGuild) []voiceState {
	if g.live != nil && g.live.voiceSet {
		return g.live.voice
	}
	return w.initialVoice(g)
}

// liveVoice returns g's voice states for changing (g locked).
func (w *trafficWorld) liveVoice(g *trafficGuild) *guildLive {
	l := g.liveState()
	if !l.voiceSet {
		l.voice, l.voiceSet = w.initialVoice(g), true
	}
	return l
}

// voiceIndex returns the index of member j's voice state, or -1.
func (l *guildLive) voiceIndex(j int) int {
	for i := range l.voice {
		if int(l.voice[i].j) == j {
			return i
		}
	}
	return -1
}

// appendVoiceFlags appends the part of a voice state both its forms share:
// suppress, session_id and the self_ flags, each after a comma.
func appendVoiceFlags(b []byte, v *voiceState) []byte {
	b = append(b, `,"suppress":false,"session_id":`...)
	b = appendQuotedHex(b, v.sess, 32)
	b = append(b, `,"self_video":`...)
	b = appendBool(b, v.video)
	b = append(b, `,"self_mute":`...)
	b = appendBool(b, v.mute)
	b = append(b, `,"self_deaf":`...)
	b = appendBool(b, v.deaf)
	return b
}

// appendVoiceState appends a GUILD_CREATE voice state (no guild_id).
func appendVoiceState(b []byte, userID uint64, v *voiceState) []byte {
	b = append(b, `{"user_id":`...)
	b = appendID(b, userID)
	b = appendVoiceFlags(b, v)
	b = append(b, `,"request_to_speak_timestamp":null,"mute":false,"deaf":false,"channel_id":`...)
	b = appendID(b, v.ch)
	return append(b, '}')
}

// hasChannel reports whether g has channel or thread id (g locked).
func (g *trafficGuild) hasChannel(id uint64) bool {
	_, ok := slices.BinarySearchFunc(g.chans, id, func(c trafficChannel, id uint64) int { return cmp.Compare(c.id, id) })
	return ok
}

// indexMsgChans rebuilds the indexes of the channels that take messages
// after threads came or went (g locked).
func (g *trafficGuild) indexMsgChans() {
	g.msgChans = g.msgChans[:0]
	for ci := range g.chans {
		switch g.chans[ci].typ {
		case chanText, chanAnnouncement, chanPublicThread:
			g.msgChans = append(g.msgChans, int32(ci))
		}
	}
}
