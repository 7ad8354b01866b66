package gatewayutil

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
)

// channelCollector waits for the next CHANNEL_INFO of one guild.
type channelCollector struct {
	guild uint64
	got   json.RawMessage // set once, under replyTap.mu
	done  chan struct{}
}

func (tap *replyTap) onChannelInfo(d []byte) {
	var head struct {
		GuildID snowflake `json:"guild_id"`
	}
	if json.Unmarshal(d, &head) != nil {
		return
	}
	tap.mu.Lock()
	defer tap.mu.Unlock()
	for c := range tap.channels {
		if c.guild == uint64(head.GuildID) && c.got == nil {
			c.got = slices.Clone(d)
			close(c.done)
		}
	}
}

// RequestChannelInfo sends req (op 43, Request Channel Info) and returns
// the d of the CHANNEL_INFO that answers it. The guild must be on this
// shard (see Manager.RequestChannelInfo). When ctx ends first the error
// is an *IncompleteError.
func (s *Shard) RequestChannelInfo(ctx context.Context, req GuildCommand) (json.RawMessage, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	c := &channelCollector{guild: req.Guild(), done: make(chan struct{})}
	tap := &s.replies
	register(tap, &tap.channels, c)
	defer unregister(tap, &tap.channels, c)
	if err := s.SendCommand(ctx, req); err != nil {
		return nil, err
	}
	select {
	case <-c.done:
	case <-ctx.Done():
		return nil, &IncompleteError{
			Op:      req.Op(),
			Request: fmt.Sprintf("guild %d on shard %d", c.guild, s.cfg.ShardID),
			Arrived: "no CHANNEL_INFO",
			Err:     context.Cause(ctx),
		}
	}
	tap.mu.Lock()
	defer tap.mu.Unlock()
	return c.got, nil
}

// RequestChannelInfo sends req on the shard that owns its guild and
// returns the answer; see Shard.RequestChannelInfo.
func (m *Manager) RequestChannelInfo(ctx context.Context, req GuildCommand) (json.RawMessage, error) {
	sh, err := m.guildShard(req.Guild())
	if err != nil {
		return nil, err
	}
	return sh.RequestChannelInfo(ctx, req)
}
