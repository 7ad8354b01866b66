package gatewaytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/opcode"
)

// onCommand validates and answers the ordinary commands of an identified
// session: presence (3), voice state (4), guild members (8), soundboard
// sounds (31) and channel info (43). Shape errors close with 4001.
func (c *Conn) onCommand(now time.Time, op opcode.Opcode, d []byte) {
	sess := c.Session()
	if sess == nil {
		c.violation(closecode.NotAuthenticated, fmt.Sprintf("op %d without a session", int(op)))
		return
	}
	var err error
	switch op {
	case opcode.PresenceUpdate:
		err = validatePresence(d)
	case opcode.VoiceStateUpdate:
		err = c.onVoiceState(sess, d)
	case opcode.RequestGuildMembers:
		err = c.onRequestMembers(sess, now, d)
	case opcode.RequestSoundboardSounds:
		err = c.onSoundboard(sess, d)
	case opcode.RequestChannelInfo:
		err = c.onChannelInfo(sess, d)
	default:
		c.violation(closecode.UnknownOpcode, fmt.Sprintf("op %d is not handled", int(op)))
		return
	}
	if err != nil {
		c.violation(malformedPayload, fmt.Sprintf("op %d (%v): %v", int(op), op, err))
	}
}

// owns reports whether the session's shard owns guild g (a generated one).
func (c *Conn) owns(sess *Session, g uint64) bool {
	return c.srv.hasGuild(g) && ShardFor(g, sess.shardCount) == sess.shardID
}

// sendTo delivers an answer to the session, if its intents allow.
func sendTo(sess *Session, t string, guild uint64, d []byte) {
	scope := intents.InGuilds
	if guild == 0 {
		scope = intents.InDMs
	}
	if sess.intents.Delivers(t, scope) {
		sess.deliver(t, d, false)
	}
}

// onVoiceState answers op 4 with VOICE_STATE_UPDATE and, when joining a
// channel, VOICE_SERVER_UPDATE (docs/protocol.md §3.5).
func (c *Conn) onVoiceState(sess *Session, d []byte) error {
	m, err := object(d)
	if err != nil {
		return err
	}
	guild, ok := rawSnowflake(m["guild_id"])
	if !ok {
		return fmt.Errorf("guild_id is not a snowflake")
	}
	var channel uint64
	r, present := m["channel_id"]
	if !present {
		return fmt.Errorf("channel_id missing")
	}
	if !isNull(r) {
		if channel, ok = rawSnowflake(r); !ok {
			return fmt.Errorf("channel_id is neither a snowflake nor null")
		}
	}
	mute, ok1 := rawBool(m["self_mute"])
	deaf, ok2 := rawBool(m["self_deaf"])
	if !ok1 || !ok2 {
		return fmt.Errorf("self_mute and self_deaf must be booleans")
	}
	if !c.owns(sess, guild) {
		c.noteViolation(0, fmt.Sprintf("op 4 for guild %d, which is not on this shard", guild))
		return nil
	}
	s := c.srv
	b := []byte(`{"guild_id":"`)
	b = strconv.AppendUint(b, guild, 10)
	b = append(b, `","channel_id":`...)
	if channel == 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, '"')
		b = strconv.AppendUint(b, channel, 10)
		b = append(b, '"')
	}
	b = append(b, `,"user_id":"`...)
	b = strconv.AppendUint(b, s.botID, 10)
	b = append(b, `","session_id":`...)
	b = jsonQuote(b, sess.id)
	b = append(b, `,"deaf":false,"mute":false,"self_deaf":`...)
	b = strconv.AppendBool(b, deaf)
	b = append(b, `,"self_mute":`...)
	b = strconv.AppendBool(b, mute)
	b = append(b, `,"self_video":false,"suppress":false,"request_to_speak_timestamp":null}`...)
	sendTo(sess, event.VoiceStateUpdate, guild, b)
	if channel != 0 {
		v := []byte(`{"token":"emulator-voice-`)
		v = strconv.AppendUint(v, channel, 16)
		v = append(v, `","guild_id":"`...)
		v = strconv.AppendUint(v, guild, 10)
		v = append(v, `","endpoint":"voice.gateway-emulator.invalid:443"}`...)
		sendTo(sess, event.VoiceServerUpdate, guild, v)
	}
	return nil
}

// onRequestMembers answers op 8 with GUILD_MEMBERS_CHUNK dispatches of the
// generated guild's members, or RATE_LIMITED (docs/protocol.md §3.4, §12.3).
func (c *Conn) onRequestMembers(sess *Session, now time.Time, d []byte) error {
	m, err := object(d)
	if err != nil {
		return err
	}
	guild, ok := rawSnowflake(m["guild_id"])
	if !ok {
		return fmt.Errorf("guild_id is not a snowflake (one guild per request)")
	}
	query, hasQuery := m["query"]
	ids, hasIDs := m["user_ids"]
	if hasQuery == hasIDs {
		return fmt.Errorf("exactly one of query and user_ids is required")
	}
	var prefix string
	var limit int64
	var want map[uint64]bool
	var wantOrder []uint64
	if hasQuery {
		if prefix, ok = rawString(query); !ok {
			return fmt.Errorf("query is not a string")
		}
		if limit, ok = rawInt(m["limit"]); !ok || limit < 0 {
			return fmt.Errorf("limit is required with query and must be a non-negative integer")
		}
	} else {
		want = make(map[uint64]bool)
		list, isArr := rawArray(ids)
		if !isArr {
			list = []json.RawMessage{ids}
		}
		if len(list) > 100 {
			return fmt.Errorf("user_ids holds more than 100 ids")
		}
		for _, r := range list {
			id, ok := rawSnowflake(r)
			if !ok {
				return fmt.Errorf("user_ids holds something that is not a snowflake")
			}
			if !want[id] {
				want[id] = true
				wantOrder = append(wantOrder, id)
			}
		}
		if r, ok := m["limit"]; ok {
			if limit, ok = rawInt(r); !ok || limit < 0 {
				return fmt.Errorf("limit is not a non-negative integer")
			}
		}
	}
	presences := false
	if r, ok := m["presences"]; ok {
		if presences, ok = rawBool(r); !ok {
			return fmt.Errorf("presences is not a boolean")
		}
	}
	var nonce []byte
	if r, ok := m["nonce"]; ok && !isNull(r) {
		n, ok := rawString(r)
		if !ok {
			return fmt.Errorf("nonce is not a string")
		}
		if len(n) <= 32 { // an invalid nonce is ignored
			nonce = jsonQuote(nil, n)
		}
	}
	if !c.owns(sess, guild) {
		c.noteViolation(0, fmt.Sprintf("op 8 for guild %d, which is not on this shard", guild))
		return nil
	}
	all := hasQuery && prefix == "" && limit == 0
	if all && !sess.intents.Has(intents.GuildMembers) {
		c.noteViolation(0, "op 8 for all members without the GUILD_MEMBERS intent")
		all, limit = false, 0
		prefix = "\x00" // matches nobody: only what needs no intent is sent
	}
	if presences && !sess.intents.Has(intents.GuildPresences) {
		presences = false
	}
	s := c.srv
	if all {
		if wait, ok := s.bot(sess.token).admitMemberRequest(s, guild, now); !ok {
			b := []byte(`{"opcode":8,"retry_after":`)
			b = strconv.AppendFloat(b, wait.Seconds(), 'f', 3, 64)
			b = append(b, `,"meta":{"guild_id":"`...)
			b = strconv.AppendUint(b, guild, 10)
			b = append(b, '"')
			if nonce != nil {
				b = append(b, `,"nonce":`...)
				b = append(b, nonce...)
			}
			b = append(b, `}}`...)
			sess.deliver(event.RateLimited, b, false)
			return nil
		}
	}

	info := s.guildInfo(guild)
	var members []json.RawMessage
	var pres []json.RawMessage
	found := make(map[uint64]bool)
	maxN := int(limit)
	if hasQuery && !all && (maxN == 0 || maxN > 100) {
		maxN = 100
	}
	if want != nil {
		maxN = 100
	}
	lower := strings.ToLower(prefix)
	for i, mem := range info.members {
		if maxN > 0 && len(members) >= maxN {
			break
		}
		switch {
		case want != nil:
			if !want[mem.id] {
				continue
			}
			found[mem.id] = true
		case !all:
			if !strings.HasPrefix(strings.ToLower(mem.username), lower) {
				continue
			}
		}
		members = append(members, info.rawMembers[i])
		if presences {
			if p, ok := info.presences[mem.id]; ok {
				pres = append(pres, p)
			}
		}
	}
	var notFound []uint64
	for _, id := range wantOrder {
		if !found[id] {
			notFound = append(notFound, id)
		}
	}
	const perChunk = 1000
	chunks := max(1, (len(members)+perChunk-1)/perChunk)
	for ci := 0; ci < chunks; ci++ {
		lo, hi := ci*perChunk, min(len(members), (ci+1)*perChunk)
		var b bytes.Buffer
		b.WriteString(`{"guild_id":"`)
		b.WriteString(strconv.FormatUint(guild, 10))
		b.WriteString(`","members":[`)
		for i, mem := range members[lo:hi] {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(mem)
		}
		b.WriteString(`],"chunk_index":`)
		b.WriteString(strconv.Itoa(ci))
		b.WriteString(`,"chunk_count":`)
		b.WriteString(strconv.Itoa(chunks))
		if ci == 0 && want != nil && len(notFound) > 0 {
			b.WriteString(`,"not_found":[`)
			for i, id := range notFound {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(`"` + strconv.FormatUint(id, 10) + `"`)
			}
			b.WriteByte(']')
		}
		if presences {
			b.WriteString(`,"presences":[`)
			n := 0
			for _, p := range pres {
				if n > 0 {
					b.WriteByte(',')
				}
				b.Write(p)
				n++
			}
			b.WriteByte(']')
			pres = nil // all presences ride on the first chunk
		}
		if nonce != nil {
			b.WriteString(`,"nonce":`)
			b.Write(nonce)
		}
		b.WriteByte('}')
		sess.deliver(event.GuildMembersChunk, b.Bytes(), false)
	}
	return nil
}

// onSoundboard answers op 31 with one SOUNDBOARD_SOUNDS per guild of this
// shard (docs/protocol.md §3.7).
func (c *Conn) onSoundboard(sess *Session, d []byte) error {
	m, err := object(d)
	if err != nil {
		return err
	}
	list, ok := rawArray(m["guild_ids"])
	if !ok || len(list) == 0 {
		return fmt.Errorf("guild_ids is not a non-empty array")
	}
	var guilds []uint64
	for _, r := range list {
		g, ok := rawSnowflake(r)
		if !ok {
			return fmt.Errorf("guild_ids holds something that is not a snowflake")
		}
		guilds = append(guilds, g)
	}
	for _, g := range guilds {
		if !c.owns(sess, g) {
			continue
		}
		sounds := c.srv.guildInfo(g).sounds
		if sounds == nil {
			sounds = []byte("[]")
		}
		b := []byte(`{"guild_id":"`)
		b = strconv.AppendUint(b, g, 10)
		b = append(b, `","soundboard_sounds":`...)
		b = append(b, sounds...)
		b = append(b, '}')
		sess.deliver(event.SoundboardSounds, b, false)
	}
	return nil
}

// onChannelInfo answers op 43 with CHANNEL_INFO for the guild's voice and
// stage channels (docs/protocol.md §3.8).
func (c *Conn) onChannelInfo(sess *Session, d []byte) error {
	m, err := object(d)
	if err != nil {
		return err
	}
	g, ok := rawSnowflake(m["guild_id"])
	if !ok {
		return fmt.Errorf("guild_id is not a snowflake")
	}
	fields, ok := rawArray(m["fields"])
	if !ok || len(fields) == 0 {
		return fmt.Errorf("fields is not a non-empty array")
	}
	var status, start bool
	for _, r := range fields {
		f, _ := rawString(r)
		switch f {
		case "status":
			status = true
		case "voice_start_time":
			start = true
		default:
			return fmt.Errorf("unknown field %s", r)
		}
	}
	if !c.owns(sess, g) {
		c.noteViolation(0, fmt.Sprintf("op 43 for guild %d, which is not on this shard", g))
		return nil
	}
	b := []byte(`{"guild_id":"`)
	b = strconv.AppendUint(b, g, 10)
	b = append(b, `","channels":[`...)
	n := 0
	for _, ch := range c.srv.guildInfo(g).channels {
		if ch.Type != 2 && ch.Type != 13 {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, `{"id":"`...)
		b = strconv.AppendUint(b, uint64(ch.ID), 10)
		b = append(b, '"')
		if status {
			b = append(b, `,"status":null`...)
		}
		if start {
			b = append(b, `,"voice_start_time":null`...)
		}
		b = append(b, '}')
	}
	b = append(b, `]}`...)
	sess.deliver(event.ChannelInfo, b, false)
	return nil
}
