package gatewayutil

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
)

// SoundboardRequest is a Request Soundboard Sounds command (op 31) whose
// answers can be collected: the guilds it asks about.
// discord.RequestSoundboardSounds implements it.
type SoundboardRequest interface {
	Command
	Guilds() []uint64
}

// soundCollector waits for one SOUNDBOARD_SOUNDS per guild.
type soundCollector struct {
	mu   sync.Mutex
	want map[uint64]bool
	got  map[uint64]json.RawMessage
	done chan struct{}
}

func (tap *replyTap) onSoundboardSounds(d []byte) {
	var head struct {
		GuildID snowflake `json:"guild_id"`
	}
	if json.Unmarshal(d, &head) != nil {
		return
	}
	g := uint64(head.GuildID)
	tap.mu.Lock()
	defer tap.mu.Unlock()
	for c := range tap.sounds {
		c.mu.Lock()
		if c.want[g] && c.got[g] == nil {
			c.got[g] = slices.Clone(d)
			if len(c.got) == len(c.want) {
				close(c.done)
			}
		}
		c.mu.Unlock()
	}
}

// RequestSoundboardSounds sends req (op 31) and collects one
// SOUNDBOARD_SOUNDS d per guild it names, by guild id. The guilds must be
// on this shard: the gateway answers only for those. When ctx ends first
// the error is an *IncompleteError naming the guilds that answered.
func (s *Shard) RequestSoundboardSounds(ctx context.Context, req SoundboardRequest) (map[uint64]json.RawMessage, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	guilds := req.Guilds()
	c := &soundCollector{want: make(map[uint64]bool, len(guilds)), got: make(map[uint64]json.RawMessage, len(guilds)), done: make(chan struct{})}
	for _, g := range guilds {
		c.want[g] = true
	}
	if len(c.want) == 0 {
		return nil, s.commandError(req.Op(), fmt.Errorf("%w: no guild", ErrInvalidCommand))
	}
	tap := &s.replies
	register(tap, &tap.sounds, c)
	defer unregister(tap, &tap.sounds, c)
	if err := s.SendCommand(ctx, req); err != nil {
		return nil, err
	}
	select {
	case <-c.done:
	case <-ctx.Done():
		c.mu.Lock()
		var have []uint64
		for g := range c.got {
			have = append(have, g)
		}
		c.mu.Unlock()
		slices.Sort(have)
		return nil, &IncompleteError{
			Op:      req.Op(),
			Request: fmt.Sprintf("guilds %v on shard %d", guilds, s.cfg.ShardID),
			Arrived: fmt.Sprintf("SOUNDBOARD_SOUNDS for %d of %d guilds %v", len(have), len(c.want), have),
			Err:     context.Cause(ctx),
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.got, nil
}
