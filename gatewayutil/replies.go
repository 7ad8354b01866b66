package gatewayutil

import (
	"encoding/json"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/gatewaykit/gateway/event"
)

// replyTap is a shard's view of the dispatches that answer its commands
// (GUILD_MEMBERS_CHUNK, SOUNDBOARD_SOUNDS, CHANNEL_INFO, RATE_LIMITED) and
// of the dispatches that tell when its guilds are ready (READY and
// GUILD_CREATE). The read goroutine shows it every dispatch once the
// sink had it; it looks only at those few types, and parses them only
// while someone waits for them, so the hot path pays one string switch.
// Its zero value is ready to use.
type replyTap struct {
	waiting atomic.Int32 // collectors registered; 0 skips all parsing

	mu       sync.Mutex
	members  map[string]*memberCollector // by nonce
	sounds   map[*soundCollector]struct{}
	channels map[*channelCollector]struct{}

	guilds guildsTracker
}

// observe is called by the read goroutine with every dispatch, after the
// sink had it (so "guilds ready" means the sink has seen every
// GUILD_CREATE); d is only valid during the call.
func (s *Shard) observe(t string, d []byte) {
	tap := &s.replies
	switch t {
	case event.Ready:
		s.guildsReadyFrom(d)
		return
	case event.GuildCreate:
		if tap.guilds.pending.Load() > 0 {
			s.guildArrived(d)
		}
		return
	case event.GuildMembersChunk, event.SoundboardSounds, event.ChannelInfo, event.RateLimited:
	default:
		return
	}
	if tap.waiting.Load() == 0 {
		return
	}
	switch t {
	case event.GuildMembersChunk:
		tap.onMembersChunk(d)
	case event.SoundboardSounds:
		tap.onSoundboardSounds(d)
	case event.ChannelInfo:
		tap.onChannelInfo(d)
	case event.RateLimited:
		tap.onRateLimited(d)
	}
}

// snowflake is a Discord id as JSON carries it: a string of digits (a
// number is accepted too).
type snowflake uint64

func (f *snowflake) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = 0
		return nil
	}
	if len(b) >= 2 && b[0] == '"' {
		b = b[1 : len(b)-1]
	}
	v, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return err
	}
	*f = snowflake(v)
	return nil
}

// onRateLimited fails the member request whose nonce a RATE_LIMITED for op
// 8 carries.
func (tap *replyTap) onRateLimited(d []byte) {
	var rl struct {
		Opcode     int     `json:"opcode"`
		RetryAfter float64 `json:"retry_after"`
		Meta       struct {
			GuildID snowflake `json:"guild_id"`
			Nonce   string    `json:"nonce"`
		} `json:"meta"`
	}
	if json.Unmarshal(d, &rl) != nil || rl.Opcode != 8 {
		return
	}
	tap.mu.Lock()
	c := tap.members[rl.Meta.Nonce]
	tap.mu.Unlock()
	if c != nil {
		c.fail(&RateLimitedError{Opcode: rl.Opcode, RetryAfter: secondsDuration(rl.RetryAfter), GuildID: uint64(rl.Meta.GuildID)})
	}
}

// register adds a collector of one kind and counts it as waiting.
func register[C comparable](tap *replyTap, m *map[C]struct{}, c C) {
	tap.mu.Lock()
	if *m == nil {
		*m = make(map[C]struct{})
	}
	(*m)[c] = struct{}{}
	tap.mu.Unlock()
	tap.waiting.Add(1)
}

// unregister removes a collector added by register.
func unregister[C comparable](tap *replyTap, m *map[C]struct{}, c C) {
	tap.mu.Lock()
	_, ok := (*m)[c]
	delete(*m, c)
	tap.mu.Unlock()
	if ok {
		tap.waiting.Add(-1)
	}
}
