package cache

import (
	"encoding/json"

	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// The events that change one field of a channel: CHANNEL_PINS_UPDATE
// (last_pin_timestamp), VOICE_CHANNEL_STATUS_UPDATE and CHANNEL_INFO (a
// voice channel's status). They are rare and small, so encoding/json
// decodes them.

type channelPinsUpdate struct {
	GuildID          Snowflake                           `json:"guild_id"`
	ChannelID        Snowflake                           `json:"channel_id"`
	LastPinTimestamp discord.Optional[discord.Timestamp] `json:"last_pin_timestamp"`
}

type voiceChannelStatus struct {
	ID      Snowflake                `json:"id"`
	GuildID Snowflake                `json:"guild_id"`
	Status  discord.Optional[string] `json:"status"`
}

type channelInfo struct {
	GuildID  Snowflake            `json:"guild_id"`
	Channels []voiceChannelStatus `json:"channels"`
}

// applyChannelPins sets a guild or DM channel's last pin time; null (the
// last pin removed) clears it.
func (c *Cache) applyChannelPins(e *gatewayutil.Event, s *shardState) error {
	var v channelPinsUpdate
	if err := json.Unmarshal(e.Data, &v); err != nil {
		return err
	}
	at := optTime(v.LastPinTimestamp)
	if v.GuildID == 0 {
		c.dms.mu.Lock()
		if d := c.dmLocked(v.ChannelID, false); d != nil {
			s.setOld(e.Seq, e.Type, d.ch)
			d.ch.LastPinTimestamp = at
		}
		c.dms.mu.Unlock()
		return nil
	}
	c.updateChannel(e, s, v.GuildID, v.ChannelID, func(ch *Channel) { ch.LastPinTimestamp = at })
	return nil
}

// applyVoiceChannelStatus sets a voice channel's status; null clears it.
func (c *Cache) applyVoiceChannelStatus(e *gatewayutil.Event, s *shardState) error {
	var v voiceChannelStatus
	if err := json.Unmarshal(e.Data, &v); err != nil {
		return err
	}
	status := v.Status.Value()
	c.updateChannel(e, s, v.GuildID, v.ID, func(ch *Channel) { ch.Status = status })
	return nil
}

// applyChannelInfo applies CHANNEL_INFO, the answer to a Request Channel
// Info command: the statuses of a guild's voice channels. A channel it
// lists without a status has none.
func (c *Cache) applyChannelInfo(e *gatewayutil.Event) error {
	var v channelInfo
	if err := json.Unmarshal(e.Data, &v); err != nil {
		return err
	}
	g := c.lockGuild(v.GuildID)
	if g == nil {
		return nil
	}
	defer g.mu.Unlock()
	for _, info := range v.Channels {
		if ch, ok := g.channels[info.ID]; ok {
			ch.Status = info.Status.Value()
			g.channels[info.ID] = ch
		}
	}
	return nil
}

// updateChannel changes one cached guild channel with change, keeping the
// channel as it was for Old.
func (c *Cache) updateChannel(e *gatewayutil.Event, s *shardState, guildID, channelID Snowflake, change func(*Channel)) {
	g := c.lockGuild(guildID)
	if g == nil {
		return
	}
	ch, ok := g.channels[channelID]
	if ok {
		old := ch
		change(&ch)
		g.channels[channelID] = ch
		s.setOld(e.Seq, e.Type, old)
	}
	g.mu.Unlock()
}
