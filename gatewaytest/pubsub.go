package gatewaytest

import (
	"sync"

	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/intents"
)

// Dispatch is an event to publish: its name, the keys that route it, and
// its JSON data.
//
// Routing follows Discord (protocol.md §9): an event with a GuildID goes to
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
// for all of them.
type pubEvent struct {
	Dispatch
	scope intents.Scope
	rules []contentRule

	stripOnce sync.Once
	exempt    bool
	stripped  []byte
}

// dataFor returns the data a session with intents in receives.
func (e *pubEvent) dataFor(srv *Server, in intents.Intent) []byte {
	if e.rules == nil || !in.StripsContent() {
		return e.Data
	}
	e.stripOnce.Do(func() {
		e.exempt = contentExempt(e.Data, e.GuildID, srv.quotedBotID)
		if !e.exempt {
			e.stripped = stripContent(e.Data, e.rules)
		}
	})
	if e.exempt {
		return e.Data
	}
	return e.stripped
}

// delivers reports whether a session with intents in receives the event.
func (e *pubEvent) delivers(srv *Server, in intents.Intent) bool {
	if in.Delivers(e.Type, e.scope) {
		return true
	}
	// GUILD_MEMBER_UPDATE about the bot itself needs no intent (§6.3).
	return e.Type == event.GuildMemberUpdate && e.UserID != 0 && e.UserID == srv.botID
}

// routeTable is an immutable snapshot of the sessions by shard, replaced
// whenever a session starts or ends, so publishing takes no lock.
type routeTable struct {
	byCount map[int]map[int][]*Session // shard count → shard id → sessions
	all     []*Session
}

// rebuildRoutesLocked rebuilds the snapshot from s.sessions; s.mu is held.
func (s *Server) rebuildRoutesLocked() {
	rt := &routeTable{byCount: make(map[int]map[int][]*Session)}
	for _, sess := range s.sessionList {
		m := rt.byCount[sess.shardCount]
		if m == nil {
			m = make(map[int][]*Session)
			rt.byCount[sess.shardCount] = m
		}
		m[sess.shardID] = append(m[sess.shardID], sess)
		rt.all = append(rt.all, sess)
	}
	s.routes.Store(rt)
}

// newPubEvent resolves the routing keys of d.
func (s *Server) newPubEvent(d Dispatch) *pubEvent {
	e := &pubEvent{Dispatch: d, rules: contentRules(d.Type)}
	if e.GuildID == 0 && e.ChannelID != 0 {
		e.GuildID = s.channelGuild(e.ChannelID)
	}
	if e.GuildID != 0 {
		e.scope = intents.InGuilds
	} else {
		e.scope = intents.InDMs
	}
	return e
}

// forEachOwner calls fn for every session that owns the event's shard.
func (s *Server) forEachOwner(e *pubEvent, fn func(*Session)) {
	rt := s.routes.Load()
	for count, shards := range rt.byCount {
		id := 0
		if e.GuildID != 0 {
			id = int((e.GuildID >> 22) % uint64(count))
		}
		for _, sess := range shards[id] {
			fn(sess)
		}
	}
}

// publish delivers e to every owning session that wants it; droppable
// events skip sessions with a full backlog. It returns the number of
// sessions that received it.
func (s *Server) publish(e *pubEvent, droppable bool) int {
	n := 0
	s.forEachOwner(e, func(sess *Session) {
		if !e.delivers(s, sess.intents) {
			return
		}
		if sess.deliver(e.Type, e.dataFor(s, sess.intents), droppable) {
			n++
		}
	})
	return n
}

// Publish dispatches d to every session that should receive it (see
// [Dispatch] for the routing), filtered by each session's intents, with
// message content stripped for sessions without MESSAGE_CONTENT. Sessions
// without a connection buffer it for their resume. It returns how many
// sessions received it. Publish never blocks on a slow client; it is safe
// for concurrent use.
func (s *Server) Publish(d Dispatch) int {
	if d.Type == "" {
		return 0
	}
	return s.publish(s.newPubEvent(d), false)
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
