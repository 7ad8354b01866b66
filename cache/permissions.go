package cache

import (
	"errors"

	"github.com/gatewaykit/gateway/discord"
)

// AllPermissions is every permission bit: what the guild's owner and an
// administrator have.
const AllPermissions = ^discord.Permissions(0)

// ErrNotCached is returned by queries that need objects the cache does not
// hold (the guild, the member, the channel).
var ErrNotCached = errors.New("cache: not cached")

// Permissions returns the effective permissions of a member in a channel
// (or thread: a thread has its parent channel's overwrites), as Discord
// computes them:
//
//  1. base: the @everyone role's permissions (the role whose id is the
//     guild's) ORed with those of every role of the member; the owner, and
//     anyone whose base has ADMINISTRATOR, has every permission and no
//     overwrite applies;
//  2. the channel's overwrite for @everyone: its deny removed, its allow
//     added;
//  3. the overwrites of the member's roles: all their denies removed at
//     once, then all their allows added at once;
//  4. the member's own overwrite: deny, then allow.
//
// Then the implicit rules: without VIEW_CHANNEL nothing is left, and
// without SEND_MESSAGES neither are MENTION_EVERYONE, SEND_TTS_MESSAGES,
// ATTACH_FILES and EMBED_LINKS. A member timed out (communication disabled
// until a later time than now) keeps only VIEW_CHANNEL and
// READ_MESSAGE_HISTORY, unless owner or administrator.
//
// It returns ErrNotCached when the guild, the member or the channel is not
// in the cache.
func (c *Cache) Permissions(guildID, channelID, userID Snowflake, now Time) (discord.Permissions, error) {
	g := c.guild(guildID)
	if g == nil {
		return 0, ErrNotCached
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	m, ok := g.members[userID]
	if !ok {
		return 0, ErrNotCached
	}
	ch, ok := g.channels[channelID]
	if !ok {
		return 0, ErrNotCached
	}
	if ch.Type.IsThread() {
		if parent, ok := g.channels[ch.ParentID]; ok {
			ch = parent
		}
	}
	return ComputePermissions(g.guild.ID, g.guild.OwnerID, g.roles, &m, ch.Overwrites, now), nil
}

// GuildPermissions returns a member's permissions in a guild, without any
// channel's overwrites (step 1 of Permissions).
func (c *Cache) GuildPermissions(guildID, userID Snowflake) (discord.Permissions, error) {
	g := c.guild(guildID)
	if g == nil {
		return 0, ErrNotCached
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	m, ok := g.members[userID]
	if !ok {
		return 0, ErrNotCached
	}
	return basePermissions(g.guild.ID, g.guild.OwnerID, g.roles, &m), nil
}

func basePermissions(guildID, ownerID Snowflake, roles map[Snowflake]Role, m *Member) discord.Permissions {
	if m.UserID == ownerID {
		return AllPermissions
	}
	p := roles[guildID].Permissions
	for i := range m.Roles.Len() {
		p |= roles[m.Roles.At(i)].Permissions
	}
	if p&discord.PermissionAdministrator != 0 {
		return AllPermissions
	}
	return p
}

// ComputePermissions is the algorithm of Cache.Permissions over given
// objects: the guild's id (which is its @everyone role's id) and owner,
// its roles, the member, and the channel's overwrites. now is compared
// with the member's timeout; 0 ignores timeouts.
func ComputePermissions(guildID, ownerID Snowflake, roles map[Snowflake]Role, m *Member, overwrites []discord.PermissionOverwrite, now Time) discord.Permissions {
	p := basePermissions(guildID, ownerID, roles, m)
	if p == AllPermissions {
		return p
	}
	const (
		overwriteRole   = 0
		overwriteMember = 1
	)
	for _, o := range overwrites {
		if o.Type == overwriteRole && o.ID == guildID {
			p = p&^o.Deny | o.Allow
		}
	}
	var allow, deny discord.Permissions
	for _, o := range overwrites {
		if o.Type != overwriteRole || o.ID == guildID {
			continue
		}
		if m.Roles.Has(o.ID) {
			allow |= o.Allow
			deny |= o.Deny
		}
	}
	p = p&^deny | allow
	for _, o := range overwrites {
		if o.Type == overwriteMember && o.ID == m.UserID {
			p = p&^o.Deny | o.Allow
		}
	}
	if now != 0 && m.CommunicationDisabledUntil() > now {
		p &= discord.PermissionViewChannel | discord.PermissionReadMessageHistory
	}
	if p&discord.PermissionViewChannel == 0 {
		return 0
	}
	if p&discord.PermissionSendMessages == 0 {
		p &^= discord.PermissionMentionEveryone | discord.PermissionSendTTSMessages |
			discord.PermissionAttachFiles | discord.PermissionEmbedLinks
	}
	return p
}

// The permissions a bot checks most, as in package discord.
const (
	PermissionViewChannel   = discord.PermissionViewChannel
	PermissionSendMessages  = discord.PermissionSendMessages
	PermissionAdministrator = discord.PermissionAdministrator
)
