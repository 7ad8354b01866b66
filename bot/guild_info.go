package bot

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// ChannelInfoRequester is what can collect the answer to a Request
// Channel Info: a *gatewayutil.Shard or a *gatewayutil.Manager.
type ChannelInfoRequester interface {
	RequestChannelInfo(ctx context.Context, req gatewayutil.GuildCommand) (json.RawMessage, error)
}

// RequestChannelInfo sends req (op 43) through r and returns the
// CHANNEL_INFO that answers it, decoded.
func RequestChannelInfo(ctx context.Context, r ChannelInfoRequester, req discord.RequestChannelInfo) (*discord.ChannelInfo, error) {
	d, err := r.RequestChannelInfo(ctx, req)
	if err != nil {
		return nil, err
	}
	var info discord.ChannelInfo
	if err := info.DecodeJSON(d); err != nil {
		return nil, fmt.Errorf("bot: CHANNEL_INFO for guild %d: %w", req.GuildID, err)
	}
	return &info, nil
}

// RequestSoundboardSounds sends req (op 31) on sh and returns one
// SOUNDBOARD_SOUNDS per guild, decoded, in the order of req.GuildIDs. The
// guilds must be on sh (with a Manager, group them by
// Manager.ShardForGuild first).
func RequestSoundboardSounds(ctx context.Context, sh *gatewayutil.Shard, req discord.RequestSoundboardSounds) ([]discord.SoundboardSounds, error) {
	got, err := sh.RequestSoundboardSounds(ctx, req)
	if err != nil {
		return nil, err
	}
	out := make([]discord.SoundboardSounds, 0, len(got))
	seen := make(map[discord.Snowflake]bool, len(got))
	for _, g := range req.GuildIDs {
		if seen[g] {
			continue
		}
		seen[g] = true
		var s discord.SoundboardSounds
		if err := s.DecodeJSON(got[uint64(g)]); err != nil {
			return nil, fmt.Errorf("bot: SOUNDBOARD_SOUNDS for guild %d: %w", g, err)
		}
		out = append(out, s)
	}
	return out, nil
}
