package discord

import (
	"errors"
	"strconv"
)

// Permissions is Discord's permission bit set. Discord sends it as a JSON
// string of a decimal integer (it outgrew 53 bits); bits this package does
// not name are kept as they are.
type Permissions uint64

// The permission bits, as Discord numbers them.
const (
	PermissionCreateInstantInvite Permissions = 1 << iota
	PermissionKickMembers
	PermissionBanMembers
	PermissionAdministrator
	PermissionManageChannels
	PermissionManageGuild
	PermissionAddReactions
	PermissionViewAuditLog
	PermissionPrioritySpeaker
	PermissionStream
	PermissionViewChannel
	PermissionSendMessages
	PermissionSendTTSMessages
	PermissionManageMessages
	PermissionEmbedLinks
	PermissionAttachFiles
	PermissionReadMessageHistory
	PermissionMentionEveryone
	PermissionUseExternalEmojis
	PermissionViewGuildInsights
	PermissionConnect
	PermissionSpeak
	PermissionMuteMembers
	PermissionDeafenMembers
	PermissionMoveMembers
	PermissionUseVAD
	PermissionChangeNickname
	PermissionManageNicknames
	PermissionManageRoles
	PermissionManageWebhooks
	PermissionManageGuildExpressions
	PermissionUseApplicationCommands
	PermissionRequestToSpeak
	PermissionManageEvents
	PermissionManageThreads
	PermissionCreatePublicThreads
	PermissionCreatePrivateThreads
	PermissionUseExternalStickers
	PermissionSendMessagesInThreads
	PermissionUseEmbeddedActivities
	PermissionModerateMembers
	PermissionViewCreatorMonetizationAnalytics
	PermissionUseSoundboard
	PermissionCreateGuildExpressions
	PermissionCreateEvents
	PermissionUseExternalSounds
	PermissionSendVoiceMessages
	_ // bit 47 is not assigned
	_ // bit 48 is not assigned
	PermissionSendPolls
	PermissionUseExternalApps
	PermissionPinMessages
	PermissionBypassSlowmode
)

// Has reports whether p holds every bit of want. Administrator does not
// imply anything here: p.Has checks bits, not effective permissions.
func (p Permissions) Has(want Permissions) bool { return p&want == want }

// String returns the bit set in decimal, as Discord writes it.
func (p Permissions) String() string { return strconv.FormatUint(uint64(p), 10) }

// errPermissions is returned for a value that is not a permission set.
var errPermissions = errors.New("discord: permissions are not a string of decimal digits")

// MarshalJSON writes p as a JSON string of its decimal value.
func (p Permissions) MarshalJSON() ([]byte, error) { return p.appendJSON(nil), nil }

// UnmarshalJSON reads a string of decimal digits or a bare integer (older
// payloads); null leaves p unchanged.
func (p *Permissions) UnmarshalJSON(b []byte) error {
	var s Snowflake
	if err := s.UnmarshalJSON(b); err != nil {
		return errPermissions
	}
	if string(b) != "null" {
		*p = Permissions(s)
	}
	return nil
}

func (p Permissions) appendJSON(dst []byte) []byte {
	dst = append(dst, '"')
	dst = strconv.AppendUint(dst, uint64(p), 10)
	return append(dst, '"')
}

func (p *Permissions) decodeJSON(d *decoder) {
	var s Snowflake
	s.decodeJSON(d)
	*p = Permissions(s)
}

// IsZero reports whether p has no bit set.
func (p Permissions) IsZero() bool { return p == 0 }
