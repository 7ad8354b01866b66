package cache

import (
	"sync"

	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// dmState holds the DM channels, apart from the guilds: they belong to no
// guild (Discord sends them on shard 0) and are not saved in snapshots.
// Discord sends no CHANNEL_CREATE for most DMs, so a message in an unknown
// DM channel adds it. Policy.MaxDMChannels bounds them.
type dmState struct {
	mu       sync.RWMutex
	channels map[Snowflake]*dmChannel
}

type dmChannel struct {
	ch   Channel
	msgs messageRing
}

func isDM(t discord.ChannelType) bool {
	return t == discord.ChannelDM || t == discord.ChannelGroupDM
}

// putDM applies CHANNEL_CREATE or CHANNEL_UPDATE of a DM channel.
func (c *Cache) putDM(e *gatewayutil.Event, s *shardState, next Channel) {
	if !c.policy.has(KindChannels) {
		return
	}
	c.dms.mu.Lock()
	defer c.dms.mu.Unlock()
	d := c.dmLocked(next.ID, true)
	if d == nil {
		return
	}
	old := d.ch
	if old.ID != 0 {
		s.setOld(e.Seq, e.Type, old)
		if next.LastMessageID == 0 {
			next.LastMessageID = old.LastMessageID
		}
		if next.LastPinTimestamp == 0 {
			next.LastPinTimestamp = old.LastPinTimestamp
		}
	}
	d.ch = next
}

// dmLocked returns DM channel id, adding it (when add and within the
// bound) as a bare DM channel; nil when there is none. c.dms.mu is held
// for writing when add.
func (c *Cache) dmLocked(id Snowflake, add bool) *dmChannel {
	if d := c.dms.channels[id]; d != nil || !add {
		return d
	}
	if len(c.dms.channels) >= c.policy.MaxDMChannels {
		c.stats.dropped.Add(1)
		return nil
	}
	if c.dms.channels == nil {
		c.dms.channels = make(map[Snowflake]*dmChannel)
	}
	d := &dmChannel{ch: Channel{ID: id, Type: discord.ChannelDM}}
	c.dms.channels[id] = d
	return d
}

// deleteDM applies CHANNEL_DELETE of a DM channel: it and its messages go.
func (c *Cache) deleteDM(e *gatewayutil.Event, s *shardState, id Snowflake) {
	c.dms.mu.Lock()
	d := c.dms.channels[id]
	delete(c.dms.channels, id)
	c.dms.mu.Unlock()
	if d != nil {
		s.setOld(e.Seq, e.Type, d.ch)
	}
}

// applyDMMessage applies MESSAGE_CREATE and MESSAGE_UPDATE in a DM: the
// channel's last message, and with KindMessages the message itself.
func (c *Cache) applyDMMessage(e *gatewayutil.Event, s *shardState, v *discord.Message, m *Message) {
	if !c.policy.has(KindChannels) {
		return
	}
	create := e.Type == event.MessageCreate
	c.dms.mu.Lock()
	defer c.dms.mu.Unlock()
	d := c.dmLocked(v.ChannelID, create)
	if d == nil {
		return
	}
	if create && v.ID > d.ch.LastMessageID {
		d.ch.LastMessageID = v.ID
	}
	if m == nil {
		return
	}
	if i := d.msgs.find(v.ID); i >= 0 {
		s.setOld(e.Seq, e.Type, d.msgs.msgs[i])
		d.msgs.msgs[i] = m
		return
	}
	if create {
		d.msgs.add(m, c.policy.MessagesPerChannel)
	}
}

// deleteDMMessages applies MESSAGE_DELETE and MESSAGE_DELETE_BULK in a DM
// and returns the cached messages they deleted.
func (c *Cache) deleteDMMessages(channelID Snowflake, ids []Snowflake) []*Message {
	c.dms.mu.Lock()
	defer c.dms.mu.Unlock()
	d := c.dms.channels[channelID]
	if d == nil {
		return nil
	}
	var old []*Message
	for _, id := range ids {
		if i := d.msgs.find(id); i >= 0 {
			old = append(old, d.msgs.msgs[i])
			d.msgs.remove(i)
		}
	}
	return old
}

// dmChannel returns a cached DM channel.
func (c *Cache) dmChannel(id Snowflake) (Channel, bool) {
	c.dms.mu.RLock()
	defer c.dms.mu.RUnlock()
	d := c.dms.channels[id]
	if d == nil {
		return Channel{}, false
	}
	return d.ch, true
}

// DMChannels returns the cached DM channels.
func (c *Cache) DMChannels() []Channel {
	c.dms.mu.RLock()
	defer c.dms.mu.RUnlock()
	out := make([]Channel, 0, len(c.dms.channels))
	for _, d := range c.dms.channels {
		out = append(out, d.ch)
	}
	return out
}

// dmMessages returns the cached messages of a DM channel, oldest first.
func (c *Cache) dmMessages(id Snowflake) ([]*Message, bool) {
	c.dms.mu.RLock()
	defer c.dms.mu.RUnlock()
	d := c.dms.channels[id]
	if d == nil {
		return nil, false
	}
	return append([]*Message(nil), d.msgs.msgs...), true
}
