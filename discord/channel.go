package discord

// Channel is a guild channel, a DM, or a thread (ThreadMetadata set).
// Fields that only some channel types have are left out when zero.
type Channel struct {
	// ID is the channel's ID.
	ID Snowflake `json:"id"`
	// Type is the kind of channel (text, DM, voice, thread, forum, ...).
	Type ChannelType `json:"type"`
	// GuildID is the channel's guild; 0 when missing (DMs, and channels
	// inside GUILD_CREATE).
	GuildID Snowflake `json:"guild_id,omitzero"`
	// Position is the channel's sort position among its siblings.
	Position Optional[int] `json:"position,omitzero"`
	// PermissionOverwrites are the channel's explicit permission grants and
	// denials for roles and members.
	PermissionOverwrites []PermissionOverwrite `json:"permission_overwrites,omitzero"`
	// Name is the channel's name (1-100 characters); missing for DMs.
	Name Optional[string] `json:"name,omitzero"`
	// Topic is the channel's topic; null when none is set.
	Topic Optional[string] `json:"topic,omitzero"`
	// NSFW tells whether the channel is age-restricted.
	NSFW Optional[bool] `json:"nsfw,omitzero"`
	// LastMessageID is the latest message (or thread, for forums) sent in
	// the channel; it may point at a deleted message. Null when there has
	// been none.
	LastMessageID Optional[Snowflake] `json:"last_message_id,omitzero"`
	// Bitrate is a voice channel's bitrate, in bits per second.
	Bitrate Optional[int] `json:"bitrate,omitzero"`
	// UserLimit is the most users a voice channel admits; 0 means no limit.
	UserLimit Optional[int] `json:"user_limit,omitzero"`
	// RateLimitPerUser is the slowmode: seconds a user must wait between
	// messages (0 to 21600); 0 means none.
	RateLimitPerUser Optional[int] `json:"rate_limit_per_user,omitzero"`
	// Recipients are the other users of a DM or group DM.
	Recipients []User `json:"recipients,omitzero"`
	// Icon is a group DM's icon hash; null when it has none.
	Icon Optional[string] `json:"icon,omitzero"`
	// OwnerID is the creator of a group DM or thread; 0 when missing.
	OwnerID Snowflake `json:"owner_id,omitzero"`
	// ApplicationID is the application that created a group DM, if a bot
	// did; 0 when missing.
	ApplicationID Snowflake `json:"application_id,omitzero"`
	// Managed tells whether an application manages a group DM.
	Managed Optional[bool] `json:"managed,omitzero"`
	// ParentID is the category of a guild channel, or the channel a thread
	// was created in; null when it has none.
	ParentID Optional[Snowflake] `json:"parent_id,omitzero"`
	// LastPinTimestamp is when the latest message was pinned; null when
	// none is.
	LastPinTimestamp Optional[Timestamp] `json:"last_pin_timestamp,omitzero"`
	// RTCRegion is a voice channel's voice region; null means automatic.
	RTCRegion Optional[string] `json:"rtc_region,omitzero"`
	// VideoQualityMode is a voice channel's camera quality (1 auto, 2
	// 720p).
	VideoQualityMode Optional[int] `json:"video_quality_mode,omitzero"`
	// MessageCount is about how many messages a thread has, not counting
	// its starter message or deleted ones.
	MessageCount Optional[int] `json:"message_count,omitzero"`
	// MemberCount is about how many users a thread has (it stops counting
	// at 50).
	MemberCount Optional[int] `json:"member_count,omitzero"`
	// ThreadMetadata holds the fields only threads have; nil for other
	// channels.
	ThreadMetadata *ThreadMetadata `json:"thread_metadata,omitzero"`
	// Member is the bot's own membership of a thread, when it has joined
	// it; nil otherwise.
	Member *ThreadMember `json:"member,omitzero"`
	// DefaultAutoArchiveDuration is the auto-archive duration, in minutes,
	// that new threads of the channel get (60, 1440, 4320 or 10080).
	DefaultAutoArchiveDuration Optional[int] `json:"default_auto_archive_duration,omitzero"`
	// Permissions are the computed permissions of the invoking user in the
	// channel (only in interactions).
	Permissions Optional[Permissions] `json:"permissions,omitzero"`
	// Flags are the channel's flags (pinned thread, require tag, ...).
	Flags Optional[ChannelFlags] `json:"flags,omitzero"`
	// TotalMessageSent is how many messages were ever sent in a thread,
	// deleted ones included.
	TotalMessageSent Optional[int] `json:"total_message_sent,omitzero"`
	// AvailableTags are the tags threads of a forum or media channel can
	// have.
	AvailableTags []ForumTag `json:"available_tags,omitzero"`
	// AppliedTags are the IDs of the tags applied to a thread in a forum or
	// media channel.
	AppliedTags []Snowflake `json:"applied_tags,omitzero"`
	// DefaultReactionEmoji is the emoji shown on the add-reaction button of
	// forum posts; null when none is set.
	DefaultReactionEmoji Optional[DefaultReaction] `json:"default_reaction_emoji,omitzero"`
	// DefaultThreadRateLimitPerUser is the slowmode, in seconds, that new
	// threads of the channel get.
	DefaultThreadRateLimitPerUser Optional[int] `json:"default_thread_rate_limit_per_user,omitzero"`
	// DefaultSortOrder is how a forum or media channel sorts its posts (0
	// latest activity, 1 creation date); null when not set.
	DefaultSortOrder Optional[int] `json:"default_sort_order,omitzero"`
	// DefaultForumLayout is how a forum channel shows its posts (0 not set,
	// 1 list, 2 gallery).
	DefaultForumLayout Optional[int] `json:"default_forum_layout,omitzero"`
	// Status is a voice channel's status text; null when cleared.
	Status Optional[string] `json:"status,omitzero"`
	// Version is a counter Discord bumps when the channel changes.
	Version Optional[int64] `json:"version,omitzero"`
	// NewlyCreated is set in THREAD_CREATE when the thread is new, as
	// opposed to one the bot was just added to.
	NewlyCreated Optional[bool] `json:"newly_created,omitzero"`
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
	// ID is the role or user the overwrite applies to.
	ID Snowflake `json:"id"`
	// Type tells what ID is: 0 a role, 1 a member.
	Type int `json:"type"`
	// Allow are the permissions granted.
	Allow Permissions `json:"allow"`
	// Deny are the permissions denied.
	Deny Permissions `json:"deny"`
}

// ThreadMetadata is what only threads have.
type ThreadMetadata struct {
	// Archived tells whether the thread is archived.
	Archived bool `json:"archived"`
	// AutoArchiveDuration is how many minutes without activity archive the
	// thread (60, 1440, 4320 or 10080).
	AutoArchiveDuration int `json:"auto_archive_duration"`
	// ArchiveTimestamp is when the thread's archived state last changed.
	ArchiveTimestamp Timestamp `json:"archive_timestamp"`
	// Locked tells whether only members with the manage threads permission
	// can unarchive the thread.
	Locked bool `json:"locked"`
	// Invitable tells whether non-moderators can add others to a private
	// thread.
	Invitable Optional[bool] `json:"invitable,omitzero"`
	// CreateTimestamp is when the thread was created; missing for threads
	// made before 2022-01-09.
	CreateTimestamp Optional[Timestamp] `json:"create_timestamp,omitzero"`
}

// ThreadMember is a user's membership of a thread.
type ThreadMember struct {
	// ID is the thread's ID; 0 when missing (inside GUILD_CREATE).
	ID Snowflake `json:"id,omitzero"`
	// UserID is the member's user; 0 when missing (inside GUILD_CREATE).
	UserID Snowflake `json:"user_id,omitzero"`
	// JoinTimestamp is when the user last joined the thread.
	JoinTimestamp Timestamp `json:"join_timestamp"`
	// Flags are the member's notification settings for the thread.
	Flags int `json:"flags"`
	// Member is the user's guild membership, when Discord includes it
	// (THREAD_MEMBERS_UPDATE with the members intent); nil otherwise.
	Member *Member `json:"member,omitzero"`
	// Presence is the user's presence, sent with Member; null when Discord
	// has none.
	Presence Optional[Presence] `json:"presence,omitzero"`
	// GuildID is the thread's guild (in THREAD_MEMBER_UPDATE); 0 when
	// missing.
	GuildID Snowflake `json:"guild_id,omitzero"`
}

// ForumTag is a tag that can be applied to threads in a forum or media
// channel.
type ForumTag struct {
	// ID is the tag's ID.
	ID Snowflake `json:"id"`
	// Name is the tag's name (0-20 characters).
	Name string `json:"name"`
	// Moderated tells whether only members with the manage threads
	// permission can add or remove the tag.
	Moderated bool `json:"moderated"`
	// EmojiID is the tag's custom emoji; null when it has none.
	EmojiID Optional[Snowflake] `json:"emoji_id,omitzero"`
	// EmojiName is the tag's Unicode emoji; null when it has none.
	EmojiName Optional[string] `json:"emoji_name,omitzero"`
}

// DefaultReaction is the emoji shown on new forum posts.
type DefaultReaction struct {
	// EmojiID is the custom emoji; null when it is a Unicode one.
	EmojiID Optional[Snowflake] `json:"emoji_id,omitzero"`
	// EmojiName is the Unicode emoji; null when it is a custom one.
	EmojiName Optional[string] `json:"emoji_name,omitzero"`
}

// Thread is a channel of one of the thread types (see ChannelType.IsThread):
// its ThreadMetadata is set, and Member when the bot has joined it.
type Thread = Channel
