package discord

// Channel is a guild channel, a DM, or a thread (ThreadMetadata set).
// Fields that only some channel types have are left out when zero.
type Channel struct {
	ID                            Snowflake                 `json:"id"`
	Type                          ChannelType               `json:"type"`
	GuildID                       Snowflake                 `json:"guild_id,omitzero"`
	Position                      Optional[int]             `json:"position,omitzero"`
	PermissionOverwrites          []PermissionOverwrite     `json:"permission_overwrites,omitzero"`
	Name                          Optional[string]          `json:"name,omitzero"`
	Topic                         Optional[string]          `json:"topic,omitzero"`
	NSFW                          Optional[bool]            `json:"nsfw,omitzero"`
	LastMessageID                 Optional[Snowflake]       `json:"last_message_id,omitzero"`
	Bitrate                       Optional[int]             `json:"bitrate,omitzero"`
	UserLimit                     Optional[int]             `json:"user_limit,omitzero"`
	RateLimitPerUser              Optional[int]             `json:"rate_limit_per_user,omitzero"`
	Recipients                    []User                    `json:"recipients,omitzero"`
	Icon                          Optional[string]          `json:"icon,omitzero"`
	OwnerID                       Snowflake                 `json:"owner_id,omitzero"`
	ApplicationID                 Snowflake                 `json:"application_id,omitzero"`
	Managed                       Optional[bool]            `json:"managed,omitzero"`
	ParentID                      Optional[Snowflake]       `json:"parent_id,omitzero"`
	LastPinTimestamp              Optional[Timestamp]       `json:"last_pin_timestamp,omitzero"`
	RTCRegion                     Optional[string]          `json:"rtc_region,omitzero"`
	VideoQualityMode              Optional[int]             `json:"video_quality_mode,omitzero"`
	MessageCount                  Optional[int]             `json:"message_count,omitzero"`
	MemberCount                   Optional[int]             `json:"member_count,omitzero"`
	ThreadMetadata                *ThreadMetadata           `json:"thread_metadata,omitzero"`
	Member                        *ThreadMember             `json:"member,omitzero"`
	DefaultAutoArchiveDuration    Optional[int]             `json:"default_auto_archive_duration,omitzero"`
	Permissions                   Optional[Permissions]     `json:"permissions,omitzero"`
	Flags                         Optional[ChannelFlags]    `json:"flags,omitzero"`
	TotalMessageSent              Optional[int]             `json:"total_message_sent,omitzero"`
	AvailableTags                 []ForumTag                `json:"available_tags,omitzero"`
	AppliedTags                   []Snowflake               `json:"applied_tags,omitzero"`
	DefaultReactionEmoji          Optional[DefaultReaction] `json:"default_reaction_emoji,omitzero"`
	DefaultThreadRateLimitPerUser Optional[int]             `json:"default_thread_rate_limit_per_user,omitzero"`
	DefaultSortOrder              Optional[int]             `json:"default_sort_order,omitzero"`
	DefaultForumLayout            Optional[int]             `json:"default_forum_layout,omitzero"`
	Status                        Optional[string]          `json:"status,omitzero"`
	Version                       Optional[int64]           `json:"version,omitzero"`
	NewlyCreated                  Optional[bool]            `json:"newly_created,omitzero"`
}

// ChannelType is a channel's type (0 text, 2 voice, 11 public thread, ...).
// Values this package does not know are kept.
type ChannelType int

// ChannelFlags are a channel's flags (pinned thread, require tag, ...).
type ChannelFlags uint64

// The channel types.
const (
	ChannelGuildText          ChannelType = 0
	ChannelDM                 ChannelType = 1
	ChannelGuildVoice         ChannelType = 2
	ChannelGroupDM            ChannelType = 3
	ChannelGuildCategory      ChannelType = 4
	ChannelGuildAnnouncement  ChannelType = 5
	ChannelAnnouncementThread ChannelType = 10
	ChannelPublicThread       ChannelType = 11
	ChannelPrivateThread      ChannelType = 12
	ChannelGuildStageVoice    ChannelType = 13
	ChannelGuildDirectory     ChannelType = 14
	ChannelGuildForum         ChannelType = 15
	ChannelGuildMedia         ChannelType = 16
)

// IsThread reports whether t is one of the thread types.
func (t ChannelType) IsThread() bool {
	return t == ChannelAnnouncementThread || t == ChannelPublicThread || t == ChannelPrivateThread
}

// PermissionOverwrite grants or denies permissions to a role (Type 0) or a
// member (Type 1) in a channel.
type PermissionOverwrite struct {
	ID    Snowflake   `json:"id"`
	Type  int         `json:"type"`
	Allow Permissions `json:"allow"`
	Deny  Permissions `json:"deny"`
}

// ThreadMetadata is what only threads have.
type ThreadMetadata struct {
	Archived            bool                `json:"archived"`
	AutoArchiveDuration int                 `json:"auto_archive_duration"`
	ArchiveTimestamp    Timestamp           `json:"archive_timestamp"`
	Locked              bool                `json:"locked"`
	Invitable           Optional[bool]      `json:"invitable,omitzero"`
	CreateTimestamp     Optional[Timestamp] `json:"create_timestamp,omitzero"`
}

// ThreadMember is a user's membership of a thread.
type ThreadMember struct {
	ID            Snowflake          `json:"id,omitzero"`
	UserID        Snowflake          `json:"user_id,omitzero"`
	JoinTimestamp Timestamp          `json:"join_timestamp"`
	Flags         int                `json:"flags"`
	Member        *Member            `json:"member,omitzero"`
	Presence      Optional[Presence] `json:"presence,omitzero"`
	GuildID       Snowflake          `json:"guild_id,omitzero"`
}

// ForumTag is a tag that can be applied to threads in a forum or media
// channel.
type ForumTag struct {
	ID        Snowflake           `json:"id"`
	Name      string              `json:"name"`
	Moderated bool                `json:"moderated"`
	EmojiID   Optional[Snowflake] `json:"emoji_id,omitzero"`
	EmojiName Optional[string]    `json:"emoji_name,omitzero"`
}

// DefaultReaction is the emoji shown on new forum posts.
type DefaultReaction struct {
	EmojiID   Optional[Snowflake] `json:"emoji_id,omitzero"`
	EmojiName Optional[string]    `json:"emoji_name,omitzero"`
}
