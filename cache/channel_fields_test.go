package cache_test

import (
	"testing"
	"time"

	"github.com/gatewaykit/gateway/cache"
	"github.com/gatewaykit/gateway/event"
)

// TestChannelPinsUpdate keeps last_pin_timestamp: set by
// CHANNEL_PINS_UPDATE, kept by a CHANNEL_UPDATE that does not restate it,
// cleared by a null (the last pin removed).
func TestChannelPinsUpdate(t *testing.T) {
	c, f := newFed(t, cache.Policy{})
	f.send(event.GuildCreate, guildJSON)
	e := f.send(event.ChannelPinsUpdate, `{"guild_id":"100","channel_id":"300","last_pin_timestamp":"2026-03-01T10:00:00.000000+00:00"}`)
	want := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	if ch, _ := c.Channel(300); !ch.LastPinTimestamp.Time().Equal(want) {
		t.Fatalf("last pin %v, want %v", ch.LastPinTimestamp.Time(), want)
	}
	if old, ok := cache.Old[cache.Channel](c, e); !ok || !old.LastPinTimestamp.IsZero() {
		t.Fatalf("Old %+v %v: want the channel before the pin", old, ok)
	}
	f.send(event.ChannelUpdate, `{"id":"300","guild_id":"100","type":0,"name":"renamed","position":0}`)
	if ch, _ := c.Channel(300); ch.Name.String() != "renamed" || !ch.LastPinTimestamp.Time().Equal(want) {
		t.Fatalf("after CHANNEL_UPDATE: %q, last pin %v", ch.Name, ch.LastPinTimestamp.Time())
	}
	f.send(event.ChannelPinsUpdate, `{"guild_id":"100","channel_id":"300","last_pin_timestamp":null}`)
	if ch, _ := c.Channel(300); !ch.LastPinTimestamp.IsZero() {
		t.Fatalf("last pin %v after the last pin went", ch.LastPinTimestamp.Time())
	}
}

// TestVoiceChannelStatus keeps a voice channel's status from
// VOICE_CHANNEL_STATUS_UPDATE and CHANNEL_INFO.
func TestVoiceChannelStatus(t *testing.T) {
	c, f := newFed(t, cache.Policy{})
	f.send(event.GuildCreate, guildJSON)
	e := f.send(event.VoiceChannelStatusUpdate, `{"id":"301","guild_id":"100","status":"raid night"}`)
	if ch, _ := c.Channel(301); ch.Status != "raid night" {
		t.Fatalf("status %q", ch.Status)
	}
	if old, ok := cache.Old[cache.Channel](c, e); !ok || old.Status != "" {
		t.Fatalf("Old %+v %v", old, ok)
	}
	f.send(event.ChannelUpdate, `{"id":"301","guild_id":"100","type":2,"name":"voice","position":1,"bitrate":64000}`)
	if ch, _ := c.Channel(301); ch.Status != "raid night" || ch.Bitrate != 64000 {
		t.Fatalf("after CHANNEL_UPDATE: status %q, bitrate %d", ch.Status, ch.Bitrate)
	}
	f.send(event.VoiceChannelStatusUpdate, `{"id":"301","guild_id":"100","status":null}`)
	if ch, _ := c.Channel(301); ch.Status != "" {
		t.Fatalf("status %q after a null", ch.Status)
	}
	f.send(event.ChannelInfo, `{"guild_id":"100","channels":[{"id":"301","status":"music"},{"id":"999","status":"unknown channel"}]}`)
	if ch, _ := c.Channel(301); ch.Status != "music" {
		t.Fatalf("status %q after CHANNEL_INFO", ch.Status)
	}
	if _, ok := c.Channel(999); ok {
		t.Fatal("CHANNEL_INFO added a channel")
	}
}

// TestDMChannels caches DM channels: from CHANNEL_CREATE without a guild
// and from a message in a DM Discord sent no CHANNEL_CREATE for, with the
// messages under KindMessages, bounded by MaxDMChannels.
func TestDMChannels(t *testing.T) {
	c, f := newFed(t, cache.Policy{Kinds: cache.DefaultKinds | cache.KindMessages, MaxDMChannels: 2, MessagesPerChannel: 2})
	f.send(event.ChannelCreate, `{"id":"700","type":1,"last_message_id":null,"recipients":[{"id":"5","username":"dee"}]}`)
	if ch, ok := c.Channel(700); !ok || ch.GuildID != 0 || ch.Type != 1 {
		t.Fatalf("DM channel %+v %v", ch, ok)
	}
	msg := func(id, ch string) string {
		return `{"id":"` + id + `","channel_id":"` + ch + `","author":{"id":"5","username":"dee"},"content":"hi ` + id + `","timestamp":"2026-01-01T00:00:00+00:00","type":0}`
	}
	for _, id := range []string{"801", "802", "803"} {
		f.send(event.MessageCreate, msg(id, "701")) // no CHANNEL_CREATE for 701
	}
	ch, ok := c.Channel(701)
	if !ok || ch.LastMessageID != 803 {
		t.Fatalf("DM channel of a message: %+v %v", ch, ok)
	}
	if ms := c.Messages(701); len(ms) != 2 || ms[0].ID != 802 || ms[1].ID != 803 {
		t.Fatalf("DM messages %v, want the latest 2", ms)
	}
	e := f.send(event.MessageUpdate, `{"id":"803","channel_id":"701","author":{"id":"5","username":"dee"},"content":"edited","timestamp":"2026-01-01T00:00:00+00:00","type":0}`)
	if old, ok := cache.Old[*cache.Message](c, e); !ok || old.Content != "hi 803" {
		t.Fatalf("Old message %+v %v", old, ok)
	}
	if ms := c.Messages(701); ms[1].Content != "edited" {
		t.Fatalf("after MESSAGE_UPDATE: %q", ms[1].Content)
	}
	f.send(event.MessageDelete, `{"id":"802","channel_id":"701"}`)
	if ms := c.Messages(701); len(ms) != 1 || ms[0].ID != 803 {
		t.Fatalf("after MESSAGE_DELETE: %v", ms)
	}
	f.send(event.ChannelPinsUpdate, `{"channel_id":"701","last_pin_timestamp":"2026-03-01T10:00:00+00:00"}`)
	if ch, _ := c.Channel(701); ch.LastPinTimestamp.IsZero() {
		t.Fatal("a DM's pin was not kept")
	}
	// The bound: a third DM channel is not kept, and counted.
	dropped := c.Stats().Dropped
	f.send(event.MessageCreate, msg("804", "702"))
	if _, ok := c.Channel(702); ok || c.Stats().Dropped != dropped+1 || len(c.DMChannels()) != 2 {
		t.Fatalf("past MaxDMChannels: cached %v, dropped %d (was %d), %d DM channels", ok, c.Stats().Dropped, dropped, len(c.DMChannels()))
	}
	f.send(event.ChannelDelete, `{"id":"701","type":1}`)
	if _, ok := c.Channel(701); ok || c.Messages(701) != nil {
		t.Fatal("a deleted DM channel is still cached")
	}
	// A guild message in an unknown guild adds no DM channel.
	f.send(event.MessageCreate, `{"id":"900","guild_id":"555","channel_id":"556","author":{"id":"5","username":"dee"},"content":"x","timestamp":"2026-01-01T00:00:00+00:00","type":0}`)
	if _, ok := c.Channel(556); ok {
		t.Fatal("a message of an uncached guild added a channel")
	}
	if err := c.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
}

// TestRoleDeleteLeavesNoReference deletes a role that a member has and an
// emoji is restricted to: Discord sends no member or emoji update for it,
// and the cache must keep neither reference.
func TestRoleDeleteLeavesNoReference(t *testing.T) {
	c, f := newFed(t, cache.Policy{})
	f.send(event.GuildCreate, guildJSON)
	f.send(event.GuildEmojisUpdate, `{"guild_id":"100","emojis":[{"id":"400","name":"e","roles":["200"]},{"id":"401","name":"f"}]}`)
	f.send(event.GuildMemberAdd, `{"guild_id":"100","user":{"id":"3","username":"carol"},"roles":["200"],"joined_at":"2025-01-01T00:00:00+00:00","flags":0}`)
	if m, _ := c.Member(100, 2); !m.Roles.Has(200) {
		t.Fatal("setup: bob lacks role 200")
	}
	before := c.Emojis(100)
	e := f.send(event.GuildRoleDelete, `{"guild_id":"100","role_id":"200"}`)
	if old, ok := cache.Old[cache.Role](c, e); !ok || old.Name.String() != "mod" {
		t.Fatalf("Old role %+v %v", old, ok)
	}
	for _, uid := range []cache.Snowflake{2, 3} {
		if m, _ := c.Member(100, uid); m.Roles.Has(200) || m.Roles.Len() != 0 {
			t.Errorf("member %d still has the deleted role: %v", uid, m.Roles.IDs())
		}
	}
	for _, em := range c.Emojis(100) {
		if em.Roles.Has(200) {
			t.Errorf("emoji %d still restricted to the deleted role", em.ID)
		}
	}
	if !before[0].Roles.Has(200) {
		t.Error("the emojis handed out before the delete were changed under their reader")
	}
	if _, ok := c.Role(100, 200); ok {
		t.Error("the role is still cached")
	}
	// Bob's permissions now come from @everyone alone.
	if p, err := c.GuildPermissions(100, 2); err != nil || p != 1024 {
		t.Errorf("bob's permissions %d %v, want 1024 (@everyone's)", p, err)
	}
}
