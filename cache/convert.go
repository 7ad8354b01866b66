package cache

import (
	"strings"

	"github.com/gatewaykit/gateway/discord"
)

// Package discord's decoded strings point into a copy of the whole payload,
// so a kept string would keep a whole GUILD_CREATE alive: everything the
// cache keeps is copied (strings.Clone, MakeText) or re-decoded from its own
// bytes (own).

// own returns a copy of v that shares no memory with the payload v was
// decoded from: v is encoded and decoded again, alone.
func own[T any, P interface {
	*T
	discord.Payload
}](v *T) T {
	var out T
	_ = P(&out).DecodeJSON(P(v).AppendJSON(nil))
	return out
}

func optString(o discord.Optional[string]) string { return strings.Clone(o.Value()) }

func optInt32(o discord.Optional[int]) int32 { return int32(o.Value()) }

func guildOf(g *discord.Guild) Guild {
	return Guild{
		ID:                     g.ID,
		OwnerID:                g.OwnerID,
		AFKChannelID:           g.AFKChannelID.Value(),
		SystemChannelID:        g.SystemChannelID.Value(),
		RulesChannelID:         g.RulesChannelID.Value(),
		PublicUpdatesChannelID: g.PublicUpdatesChannelID.Value(),
		ApplicationID:          g.ApplicationID.Value(),
		Name:                   MakeText(g.Name),
		PreferredLocale:        MakeText(g.PreferredLocale),
		Icon:                   optString(g.Icon),
		Banner:                 optString(g.Banner),
		Splash:                 optString(g.Splash),
		Description:            optString(g.Description),
		VanityURLCode:          optString(g.VanityURLCode),
		Features:               texts(g.Features),
		AFKTimeout:             int32(g.AFKTimeout),
		SystemChannelFlags:     int32(g.SystemChannelFlags),
		PremiumSubscriptions:   optInt32(g.PremiumSubscriptionCount),
		VerificationLevel:      int8(g.VerificationLevel),
		DefaultNotifications:   int8(g.DefaultMessageNotifications),
		ExplicitContentFilter:  int8(g.ExplicitContentFilter),
		MFALevel:               int8(g.MFALevel),
		NSFWLevel:              int8(g.NSFWLevel),
		PremiumTier:            int8(g.PremiumTier),
	}
}

func channelOf(c *discord.Channel, guildID Snowflake) Channel {
	out := Channel{
		ID:            c.ID,
		GuildID:       c.GuildID,
		ParentID:      c.ParentID.Value(),
		OwnerID:       c.OwnerID,
		LastMessageID: c.LastMessageID.Value(),
		Name:          MakeText(c.Name.Value()),
		Topic:         optString(c.Topic),
		Flags:         c.Flags.Value(),
		Type:          c.Type,
		Position:      optInt32(c.Position),
		Bitrate:       optInt32(c.Bitrate),
		UserLimit:     optInt32(c.UserLimit),
		RateLimit:     optInt32(c.RateLimitPerUser),
		NSFW:          c.NSFW.Value(),
	}
	out.LastPinTimestamp = optTime(c.LastPinTimestamp)
	out.Status = optString(c.Status)
	if out.GuildID == 0 {
		out.GuildID = guildID
	}
	if len(c.PermissionOverwrites) > 0 {
		out.Overwrites = append([]discord.PermissionOverwrite(nil), c.PermissionOverwrites...)
	}
	if t := c.ThreadMetadata; t != nil {
		out.Thread = &Thread{
			ArchiveTimestamp:    timeOf(t.ArchiveTimestamp),
			AutoArchiveDuration: int32(t.AutoArchiveDuration),
			MessageCount:        optInt32(c.MessageCount),
			MemberCount:         optInt32(c.MemberCount),
			Archived:            t.Archived,
			Locked:              t.Locked,
			Invitable:           t.Invitable.Value(),
		}
	}
	return out
}

func roleOf(r *discord.Role) Role {
	return Role{
		ID:           r.ID,
		Name:         MakeText(r.Name),
		Icon:         optString(r.Icon),
		UnicodeEmoji: optString(r.UnicodeEmoji),
		Permissions:  r.Permissions,
		Color:        int32(r.Color),
		Position:     int32(r.Position),
		Flags:        int32(r.Flags),
		Hoist:        r.Hoist,
		Managed:      r.Managed,
		Mentionable:  r.Mentionable,
	}
}

// memberOf converts m; with prev, the fields m leaves out (an update's
// missing nick or avatar) keep prev's values.
func memberOf(m *discord.Member, userID Snowflake, prev *Member) Member {
	out := Member{
		UserID:   userID,
		Nick:     optString(m.Nick),
		Roles:    MakeRoleSet(m.Roles),
		JoinedAt: timeOf(m.JoinedAt),
		Flags:    m.Flags,
		Deaf:     m.Deaf.Value(),
		Mute:     m.Mute.Value(),
		Pending:  m.Pending.Value(),
	}
	avatar, premium, timeout := optString(m.Avatar), optTime(m.PremiumSince), optTime(m.CommunicationDisabledUntil)
	if prev != nil {
		if m.Nick.IsZero() {
			out.Nick = prev.Nick
		}
		if m.Avatar.IsZero() {
			avatar = prev.Avatar()
		}
		if m.Deaf.IsZero() {
			out.Deaf = prev.Deaf
		}
		if m.Mute.IsZero() {
			out.Mute = prev.Mute
		}
		if m.Pending.IsZero() {
			out.Pending = prev.Pending
		}
		if m.PremiumSince.IsZero() {
			premium = prev.PremiumSince()
		}
		if m.CommunicationDisabledUntil.IsZero() {
			timeout = prev.CommunicationDisabledUntil()
		}
		if out.JoinedAt == 0 {
			out.JoinedAt = prev.JoinedAt
		}
	}
	out.SetRare(avatar, premium, timeout)
	return out
}

func userOf(u *discord.User) User {
	return User{
		ID:            u.ID,
		Username:      strings.Clone(u.Username),
		GlobalName:    strings.Clone(u.GlobalName),
		Avatar:        strings.Clone(u.Avatar),
		Discriminator: MakeText(u.Discriminator),
		PublicFlags:   u.PublicFlags.Value(),
		Bot:           u.Bot,
		System:        u.System,
	}
}

func voiceStateOf(v *discord.VoiceState) VoiceState {
	return VoiceState{
		UserID:           v.UserID,
		ChannelID:        v.ChannelID,
		SessionID:        strings.Clone(v.SessionID),
		RequestToSpeakAt: optTime(v.RequestToSpeakTimestamp),
		Deaf:             v.Deaf,
		Mute:             v.Mute,
		SelfDeaf:         v.SelfDeaf,
		SelfMute:         v.SelfMute,
		SelfStream:       v.SelfStream.Value(),
		SelfVideo:        v.SelfVideo,
		Suppress:         v.Suppress,
	}
}

func presenceOf(p *discord.Presence) Presence {
	out := Presence{
		UserID: p.User.ID,
		Status: MakeText(p.Status),
		ClientStatus: discord.ClientStatus{
			Desktop: strings.Clone(p.ClientStatus.Desktop),
			Mobile:  strings.Clone(p.ClientStatus.Mobile),
			Web:     strings.Clone(p.ClientStatus.Web),
		},
	}
	if len(p.Activities) > 0 {
		out.Activities = make([]discord.Activity, len(p.Activities))
		for i := range p.Activities {
			out.Activities[i] = own(&p.Activities[i])
		}
	}
	return out
}

func emojiOf(e *discord.Emoji) Emoji {
	out := Emoji{
		ID:            e.ID,
		Name:          MakeText(e.Name),
		Roles:         MakeRoleSet(e.Roles),
		Animated:      e.Animated.Value(),
		Available:     e.Available.Value(),
		Managed:       e.Managed.Value(),
		RequireColons: e.RequireColons.Value(),
	}
	if e.User != nil {
		out.CreatorID = e.User.ID
	}
	return out
}

func emojisOf(in []discord.Emoji, limit int, st *counters) []Emoji {
	if len(in) == 0 {
		return nil
	}
	if len(in) > limit {
		st.dropped.Add(int64(len(in) - limit))
		in = in[:limit]
	}
	out := make([]Emoji, len(in))
	for i := range in {
		out[i] = emojiOf(&in[i])
	}
	return out
}
