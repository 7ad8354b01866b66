package cache

import "github.com/gatewaykit/gateway/discord"

// Snowflake is a Discord id, as in package discord.
type Snowflake = discord.Snowflake

// The cached objects below are compact copies of Discord's: the fields a bot
// reads, in the smallest types that hold them (interned Text for names that
// repeat, Time in 8 bytes, small integers in int32). The cache hands them
// out by value; a slice in one (Roles, Overwrites, Features) is shared and
// must not be modified.

// Guild is a cached guild, without its channels, roles, members and the
// rest (ask the Cache for those).
type Guild struct {
	ID                     Snowflake
	OwnerID                Snowflake
	AFKChannelID           Snowflake
	SystemChannelID        Snowflake
	RulesChannelID         Snowflake
	PublicUpdatesChannelID Snowflake
	ApplicationID          Snowflake
	Name                   Text
	PreferredLocale        Text
	Icon                   string
	Banner                 string
	Splash                 string
	Description            string
	VanityURLCode          string
	Features               []Text
	JoinedAt               Time
	MemberCount            int32
	AFKTimeout             int32
	SystemChannelFlags     int32
	PremiumSubscriptions   int32
	VerificationLevel      int8
	DefaultNotifications   int8
	ExplicitContentFilter  int8
	MFALevel               int8
	NSFWLevel              int8
	PremiumTier            int8
	Large                  bool
	// Unavailable is true while Discord reports an outage of the guild
	// (READY before its GUILD_CREATE, or GUILD_DELETE with unavailable):
	// the guild's last known state is kept meanwhile.
	Unavailable bool
}

// Channel is a cached guild channel or thread, or a DM channel (GuildID
// 0; see Policy.MaxDMChannels).
type Channel struct {
	ID            Snowflake
	GuildID       Snowflake
	ParentID      Snowflake
	OwnerID       Snowflake
	LastMessageID Snowflake
	// LastPinTimestamp is when a message was last pinned (CHANNEL_PINS_UPDATE).
	LastPinTimestamp Time
	Name             Text
	Topic            string
	// Status is a voice channel's status (VOICE_CHANNEL_STATUS_UPDATE).
	Status     string
	Overwrites []discord.PermissionOverwrite
	Flags      discord.ChannelFlags
	Type       discord.ChannelType
	Position   int32
	Bitrate    int32
	UserLimit  int32
	RateLimit  int32
	NSFW       bool
	// Thread holds what only threads have; nil for other channels.
	Thread *Thread
}

// Thread is the thread part of a Channel.
type Thread struct {
	ArchiveTimestamp    Time
	AutoArchiveDuration int32
	MessageCount        int32
	MemberCount         int32
	Archived            bool
	Locked              bool
	Invitable           bool
}

// Role is a cached role.
type Role struct {
	ID           Snowflake
	Name         Text
	Icon         string
	UnicodeEmoji string
	Permissions  discord.Permissions
	Color        int32
	Position     int32
	Flags        int32
	Hoist        bool
	Managed      bool
	Mentionable  bool
}

// Member is a cached guild member. Its user is cached once for all the
// guilds it is in: Cache.User(m.UserID). The fields most members leave
// empty (guild avatar, boost and timeout times) sit behind one pointer:
// read them with the methods.
type Member struct {
	UserID   Snowflake
	Nick     string
	Roles    RoleSet
	JoinedAt Time
	Flags    discord.MemberFlags
	rare     *memberRare
	Deaf     bool
	Mute     bool
	Pending  bool
}

// memberRare holds what few members have.
type memberRare struct {
	avatar       string
	premiumSince Time
	timeoutUntil Time
}

// Avatar returns the member's guild avatar hash ("" for none).
func (m *Member) Avatar() string {
	if m.rare == nil {
		return ""
	}
	return m.rare.avatar
}

// PremiumSince returns when the member started boosting the guild.
func (m *Member) PremiumSince() Time {
	if m.rare == nil {
		return 0
	}
	return m.rare.premiumSince
}

// CommunicationDisabledUntil returns when the member's timeout ends.
func (m *Member) CommunicationDisabledUntil() Time {
	if m.rare == nil {
		return 0
	}
	return m.rare.timeoutUntil
}

// SetRare sets the guild avatar, boost start and timeout end of m.
func (m *Member) SetRare(avatar string, premiumSince, timeoutUntil Time) {
	if avatar == "" && premiumSince == 0 && timeoutUntil == 0 {
		m.rare = nil
		return
	}
	m.rare = &memberRare{avatar: avatar, premiumSince: premiumSince, timeoutUntil: timeoutUntil}
}

// User is a cached user.
type User struct {
	ID            Snowflake
	Username      string
	GlobalName    string
	Avatar        string
	Discriminator Text
	PublicFlags   discord.UserFlags
	Bot           bool
	System        bool
}

// VoiceState is a cached voice state: a user connected to a voice channel
// of a guild.
type VoiceState struct {
	UserID           Snowflake
	ChannelID        Snowflake
	SessionID        string
	RequestToSpeakAt Time
	Deaf             bool
	Mute             bool
	SelfDeaf         bool
	SelfMute         bool
	SelfStream       bool
	SelfVideo        bool
	Suppress         bool
}

// Presence is a cached presence of a user in a guild.
type Presence struct {
	UserID       Snowflake
	Status       Text
	ClientStatus discord.ClientStatus
	Activities   []discord.Activity
}

// Emoji is a cached custom emoji of a guild.
type Emoji struct {
	ID            Snowflake
	Name          Text
	Roles         RoleSet // the roles allowed to use it; empty: everyone
	CreatorID     Snowflake
	Animated      bool
	Available     bool
	Managed       bool
	RequireColons bool
}

// Sticker, StageInstance and ScheduledEvent are kept as package discord
// decodes them: they are few per guild and rarely read.
type (
	// Sticker is a cached guild sticker.
	Sticker = discord.Sticker
	// StageInstance is a cached live stage.
	StageInstance = discord.StageInstance
	// ScheduledEvent is a cached scheduled event.
	ScheduledEvent = discord.ScheduledEvent
	// Message is a cached message (see Policy.MessagesPerChannel).
	Message = discord.Message
)
