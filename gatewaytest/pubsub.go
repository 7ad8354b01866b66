package gatewaytest

import (
	"encoding/json"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/intents"
	"slices"
	"sync"
)

// Dispatch is an event to publish: its name, the keys that route it, and
// its JSON data.
//
// Routing follows Discord (docs/protocol.md §9): an event with a GuildID goes to
// every session whose shard owns the guild, (guild_id >> 22) % num_shards;
// an event with only a ChannelID goes to the guild that channel belongs to
// (channels of generated guilds are known; add others with
// [Server.AddChannel]), or, for a channel of no guild, to shard 0 as a DM;
// an event with neither (user, DM, entitlement events) goes to shard 0.
// Every session of a matching shard receives it, whatever its shard count:
// Discord lets several sessions hold the same shard, and sessions with
// different counts coexist while a bot reshards.
type Dispatch struct {
	// Type is the event name, "t", such as "MESSAGE_CREATE".
	Type string
	// GuildID, ChannelID and UserID are the routing keys; zero when the
	// event has none. UserID names the user the event is about (the author
	// of a message, the member of a member event): GUILD_MEMBER_UPDATE
	// about the bot itself needs no GUILD_MEMBERS intent.
	GuildID, ChannelID, UserID uint64
	// Data is the event's d, JSON. It is shared by every session that
	// receives the event and must not be modified after Publish.
	Data []byte
}

// pubEvent is a Dispatch on its way to sessions, with what is computed once
// for all of them. It lives on the publisher's stack, for one publish.
type pubEvent struct {
	Dispatch
	scope intents.Scope
	rules []contentRule

	stripped  bool // exempt and stripData are computed (once, on first need)
	exempt    bool
	stripData []byte
}

// dataFor returns the data a session with intents in receives.
func (e *pubEvent) dataFor(srv *Server, in intents.Intent) []byte {
	if e.rules == nil || !in.StripsContent() {
		return e.Data
	}
	if !e.stripped {
		e.stripped = true
		e.exempt = contentExempt(e.Data, e.GuildID, srv.quotedBotID)
		if !e.exempt {
			e.stripData = stripContent(e.Data, e.rules)
		}
	}
	if e.exempt {
		return e.Data
	}
	return e.stripData
}

// delivers reports whether a session with intents in receives the event.
func (e *pubEvent) delivers(srv *Server, in intents.Intent) bool {
	if in.Delivers(e.Type, e.scope) {
		return true
	}
	// GUILD_MEMBER_UPDATE about the bot itself needs no intent (docs/protocol.md §6.3).
	return e.Type == event.GuildMemberUpdate && e.UserID != 0 && e.UserID == srv.botID
}

// routeTable holds the live sessions by shard count and shard id. Adding
// or removing a session touches one slice; publishers hold the read lock
// only while they copy out the sessions of one shard.
type routeTable struct {
	mu      sync.RWMutex
	byCount map[int]map[int][]*Session // shard count → shard id → sessions
}

func (rt *routeTable) add(sess *Session) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.byCount == nil {
		rt.byCount = make(map[int]map[int][]*Session)
	}
	m := rt.byCount[sess.shardCount]
	if m == nil {
		m = make(map[int][]*Session)
		rt.byCount[sess.shardCount] = m
	}
	m[sess.shardID] = append(m[sess.shardID], sess)
}

func (rt *routeTable) remove(sess *Session) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	m := rt.byCount[sess.shardCount]
	list := m[sess.shardID]
	if i := slices.Index(list, sess); i >= 0 {
		list = slices.Delete(list, i, i+1)
	}
	switch {
	case len(list) > 0:
		m[sess.shardID] = list
	default:
		delete(m, sess.shardID)
		if len(m) == 0 {
			delete(rt.byCount, sess.shardCount)
		}
	}
}

// shardSessions is one shard's sessions, as the pump sees them: a key and
// a range of a flat slice of sessions.
type shardSessions struct {
	key    [2]int // shard id, shard count
	lo, hi int
}

// snapshot appends every shard that has sessions to shards, and their
// sessions to flat, reusing both buffers.
func (rt *routeTable) snapshot(shards []shardSessions, flat []*Session) ([]shardSessions, []*Session) {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	for count, m := range rt.byCount {
		for id, list := range m {
			lo := len(flat)
			flat = append(flat, list...)
			shards = append(shards, shardSessions{key: [2]int{id, count}, lo: lo, hi: len(flat)})
		}
	}
	return shards, flat
}

// initPubEvent resolves the routing keys of d into e.
func (s *Server) initPubEvent(e *pubEvent, d Dispatch) {
	*e = pubEvent{Dispatch: d, rules: contentRules(d.Type)}
	if e.GuildID == 0 && e.ChannelID != 0 {
		e.GuildID = s.channelGuild(e.ChannelID)
	}
	if e.GuildID != 0 {
		e.scope = intents.InGuilds
	} else {
		e.scope = intents.InDMs
	}
}

// appendOwners appends to dst every session that owns guild's shard (shard
// 0 for guild 0), in every shard count present.
func (s *Server) appendOwners(dst []*Session, guild uint64) []*Session {
	rt := &s.routes
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	for count, shards := range rt.byCount {
		id := 0
		if guild != 0 {
			id = int((guild >> 22) % uint64(count))
		}
		dst = append(dst, shards[id]...)
	}
	return dst
}

// publish delivers e to every owning session that wants it; droppable
// events (built-in traffic) skip sessions with a full backlog. It returns
// the deliveries and the skips.
func (s *Server) publish(e *pubEvent, droppable bool) (delivered, skipped int) {
	var buf [8]*Session
	for _, sess := range s.appendOwners(buf[:0], e.GuildID) {
		if !e.delivers(s, sess.intents) {
			continue
		}
		if sess.deliver(e.Type, e.dataFor(s, sess.intents), droppable) {
			delivered++
		} else {
			skipped++
		}
	}
	return delivered, skipped
}

// Publish dispatches d to every session that should receive it (see
// [Dispatch] for the routing), filtered by each session's intents, with
// message content stripped for sessions without MESSAGE_CONTENT. Sessions
// without a connection buffer it for their resume. It returns how many
// sessions received it. Publish never blocks on a slow client; it is safe
// for concurrent use. A dispatch without a Type or whose Data is not valid
// JSON is not published (0, and a warning in the log).
func (s *Server) Publish(d Dispatch) int {
	if d.Type == "" || !json.Valid(d.Data) {
		s.log.Warn("dispatch not published: it needs a type and JSON data", "type", d.Type, "bytes", len(d.Data))
		return 0
	}
	var e pubEvent
	s.initPubEvent(&e, d)
	n, _ := s.publish(&e, false)
	return n
}

// PublishMany publishes each dispatch in order and returns the total number
// of deliveries. Each session receives its share in the order given.
func (s *Server) PublishMany(ds []Dispatch) int {
	n := 0
	for _, d := range ds {
		n += s.Publish(d)
	}
	return n
}

// ShardFor returns the shard that owns a guild for a shard count:
// (guildID >> 22) % shardCount; 0 for guild 0 (DMs) or a count below 1.
func ShardFor(guildID uint64, shardCount int) int {
	if guildID == 0 || shardCount < 1 {
		return 0
	}
	return int((guildID >> 22) % uint64(shardCount))
}
