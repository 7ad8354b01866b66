package cache

import "sync"

// guildState is everything cached under one guild. Its lock makes each
// event atomic for readers: the shard's goroutine holds it for writing
// while it applies one event, readers hold it for reading while they copy
// values out.
type guildState struct {
	mu sync.RWMutex
	// gone is set, under mu, when the guild is replaced or dropped: a
	// writer holding it from an earlier lookup must look again.
	gone     bool
	shard    shardKey
	guild    Guild
	channels map[Snowflake]Channel // channels and threads
	roles    map[Snowflake]Role
	members  map[Snowflake]Member
	voice    map[Snowflake]VoiceState // by user
	presence map[Snowflake]Presence   // by user
	emojis   []Emoji
	stickers []Sticker
	stages   map[Snowflake]StageInstance
	events   map[Snowflake]ScheduledEvent
	messages map[Snowflake]*messageRing // by channel
}

func newGuildState(shard shardKey, g Guild) *guildState {
	return &guildState{
		shard:    shard,
		guild:    g,
		channels: make(map[Snowflake]Channel),
		roles:    make(map[Snowflake]Role),
		members:  make(map[Snowflake]Member),
		voice:    make(map[Snowflake]VoiceState),
		presence: make(map[Snowflake]Presence),
		stages:   make(map[Snowflake]StageInstance),
		events:   make(map[Snowflake]ScheduledEvent),
		messages: make(map[Snowflake]*messageRing),
	}
}

// messageRing keeps the latest messages of one channel, oldest first.
type messageRing struct {
	msgs []*Message
}

func (r *messageRing) add(m *Message, limit int) {
	if len(r.msgs) >= limit {
		copy(r.msgs, r.msgs[1:])
		r.msgs = r.msgs[:len(r.msgs)-1]
	}
	r.msgs = append(r.msgs, m)
}

func (r *messageRing) find(id Snowflake) int {
	for i := len(r.msgs) - 1; i >= 0; i-- {
		if r.msgs[i].ID == id {
			return i
		}
	}
	return -1
}

func (r *messageRing) remove(i int) {
	r.msgs = append(r.msgs[:i], r.msgs[i+1:]...)
}
