// Package worlddiff compares a state cache with a world described by
// GUILD_CREATE payloads, field by field: the emulator's world in the cache
// tests and in stressbot -cache. It reads the cache through its exported
// queries only, so it checks what a bot would see.
package worlddiff

import (
	"fmt"
	"slices"

	"github.com/gatewaykit/gateway/cache"
	"github.com/gatewaykit/gateway/discord"
)

// World compares every guild of guilds, whose GUILD_CREATE payload
// guildCreate returns, with the cache, and checks that the cache holds no
// other guild. It returns one line per difference.
func World(c *cache.Cache, guildCreate func(id uint64) []byte, guilds []uint64) []string {
	var out []string
	for _, id := range guilds {
		out = append(out, Guild(c, guildCreate(id))...)
	}
	if n := len(c.GuildIDs()); n != len(guilds) {
		out = append(out, fmt.Sprintf("%d guilds cached, world has %d", n, len(guilds)))
	}
	return out
}

// Guild compares what the cache holds of a guild with the guild's
// GUILD_CREATE, field by field: the guild, every channel and thread,
// role, member (with its user) and voice state, and the count of each.
// It returns one line per difference, nil when there is none.
func Guild(c *cache.Cache, gcJSON []byte) []string {
	var gc discord.GuildCreate
	if err := gc.DecodeJSON(gcJSON); err != nil {
		return []string{"decode: " + err.Error()}
	}
	var diffs []string
	d := func(what string, got, want any) {
		if fmt.Sprint(got) != fmt.Sprint(want) {
			diffs = append(diffs, fmt.Sprintf("guild %d %s: got %v, want %v", gc.ID, what, got, want))
		}
	}
	g, ok := c.Guild(gc.ID)
	if !ok {
		return []string{fmt.Sprintf("guild %d missing", gc.ID)}
	}
	d("name", g.Name.String(), gc.Name)
	d("owner", g.OwnerID, gc.OwnerID)
	d("icon", g.Icon, gc.Icon.Value())
	d("unavailable", g.Unavailable, false)
	d("member_count", g.MemberCount, gc.MemberCount.Value())
	d("large", g.Large, gc.Large.Value())
	d("joined_at", g.JoinedAt.Time(), gc.JoinedAt.Time)
	d("locale", g.PreferredLocale.String(), gc.PreferredLocale)
	d("verification", g.VerificationLevel, gc.VerificationLevel)
	d("system_channel", g.SystemChannelID, gc.SystemChannelID.Value())
	d("features", fmt.Sprint(g.Features), fmt.Sprint(textsOf(gc.Features)))

	chans := append(slices.Clone(gc.Channels), gc.Threads...)
	n := len(c.Channels(gc.ID))
	d("channel count", n, len(chans))
	for i := range chans {
		w := &chans[i]
		got, ok := c.Channel(w.ID)
		if !ok {
			diffs = append(diffs, fmt.Sprintf("guild %d channel %d missing", gc.ID, w.ID))
			continue
		}
		p := fmt.Sprintf("channel %d ", w.ID)
		d(p+"guild", got.GuildID, gc.ID)
		d(p+"type", got.Type, w.Type)
		d(p+"name", got.Name.String(), w.Name.Value())
		d(p+"topic", got.Topic, w.Topic.Value())
		d(p+"position", got.Position, w.Position.Value())
		d(p+"parent", got.ParentID, w.ParentID.Value())
		d(p+"nsfw", got.NSFW, w.NSFW.Value())
		d(p+"overwrites", fmt.Sprint(got.Overwrites), fmt.Sprint(nilIfEmpty(w.PermissionOverwrites)))
		d(p+"rate_limit", got.RateLimit, w.RateLimitPerUser.Value())
		d(p+"bitrate", got.Bitrate, w.Bitrate.Value())
		d(p+"thread", got.Thread != nil, w.ThreadMetadata != nil)
		if got.Thread != nil && w.ThreadMetadata != nil {
			d(p+"archived", got.Thread.Archived, w.ThreadMetadata.Archived)
			d(p+"locked", got.Thread.Locked, w.ThreadMetadata.Locked)
			d(p+"archive_ts", got.Thread.ArchiveTimestamp.Time(), w.ThreadMetadata.ArchiveTimestamp.Time)
		}
	}

	n = len(c.Roles(gc.ID))
	d("role count", n, len(gc.Roles))
	for i := range gc.Roles {
		w := &gc.Roles[i]
		got, ok := c.Role(gc.ID, w.ID)
		if !ok {
			diffs = append(diffs, fmt.Sprintf("guild %d role %d missing", gc.ID, w.ID))
			continue
		}
		p := fmt.Sprintf("role %d ", w.ID)
		d(p+"name", got.Name.String(), w.Name)
		d(p+"color", got.Color, w.Color)
		d(p+"position", got.Position, w.Position)
		d(p+"permissions", got.Permissions, w.Permissions)
		d(p+"hoist", got.Hoist, w.Hoist)
		d(p+"managed", got.Managed, w.Managed)
		d(p+"mentionable", got.Mentionable, w.Mentionable)
	}

	n = len(c.Members(gc.ID))
	d("member count", n, len(gc.Members))
	for i := range gc.Members {
		w := &gc.Members[i]
		got, ok := c.Member(gc.ID, w.User.ID)
		if !ok {
			diffs = append(diffs, fmt.Sprintf("guild %d member %d missing", gc.ID, w.User.ID))
			continue
		}
		p := fmt.Sprintf("member %d ", w.User.ID)
		d(p+"nick", got.Nick, w.Nick.Value())
		d(p+"avatar", got.Avatar(), w.Avatar.Value())
		d(p+"roles", fmt.Sprint(got.Roles.IDs()), fmt.Sprint(nilIfEmpty(w.Roles)))
		d(p+"joined_at", got.JoinedAt.Time(), w.JoinedAt.Time)
		d(p+"premium_since", got.PremiumSince().Time(), w.PremiumSince.Value().Time)
		d(p+"timeout", got.CommunicationDisabledUntil().Time(), w.CommunicationDisabledUntil.Value().Time)
		d(p+"deaf", got.Deaf, w.Deaf.Value())
		d(p+"mute", got.Mute, w.Mute.Value())
		d(p+"pending", got.Pending, w.Pending.Value())
		d(p+"flags", got.Flags, w.Flags)
		u, ok := c.User(w.User.ID)
		if !ok {
			diffs = append(diffs, fmt.Sprintf("user %d missing", w.User.ID))
			continue
		}
		d(p+"username", u.Username, w.User.Username)
		d(p+"global_name", u.GlobalName, w.User.GlobalName)
		d(p+"user avatar", u.Avatar, w.User.Avatar)
		d(p+"bot", u.Bot, w.User.Bot)
	}

	n = len(c.VoiceStates(gc.ID))
	d("voice state count", n, len(gc.VoiceStates))
	for i := range gc.VoiceStates {
		w := &gc.VoiceStates[i]
		got, ok := c.VoiceState(gc.ID, w.UserID)
		if !ok {
			diffs = append(diffs, fmt.Sprintf("guild %d voice state %d missing", gc.ID, w.UserID))
			continue
		}
		p := fmt.Sprintf("voice %d ", w.UserID)
		d(p+"channel", got.ChannelID, w.ChannelID)
		d(p+"session", got.SessionID, w.SessionID)
		d(p+"self_mute", got.SelfMute, w.SelfMute)
		d(p+"self_deaf", got.SelfDeaf, w.SelfDeaf)
		d(p+"mute", got.Mute, w.Mute)
		d(p+"deaf", got.Deaf, w.Deaf)
		d(p+"self_video", got.SelfVideo, w.SelfVideo)
		d(p+"suppress", got.Suppress, w.Suppress)
	}
	return diffs
}

func textsOf(ss []string) []cache.Text {
	var out []cache.Text
	for _, s := range ss {
		out = append(out, cache.MakeText(s))
	}
	return out
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
