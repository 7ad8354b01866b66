package discord

// ChannelCreate is CHANNEL_CREATE.
type ChannelCreate struct{ Channel }

// ChannelUpdate is CHANNEL_UPDATE.
type ChannelUpdate struct{ Channel }

// ChannelDelete is CHANNEL_DELETE.
type ChannelDelete struct{ Channel }

// ChannelInfo is CHANNEL_INFO, the answer to a request channel info
// command (op 43).
type ChannelInfo struct {
	// GuildID is the guild the answer is about.
	GuildID Snowflake `json:"guild_id"`
	// Channels are the guild's channels with the fields asked for.
	Channels []ChannelInfoEntry `json:"channels"`
}

// ChannelInfoEntry is one channel in CHANNEL_INFO.
type ChannelInfoEntry struct {
	// ID is the channel's ID.
	ID Snowflake `json:"id"`
	// Status is the voice channel's status text; null when it has none;
	// missing when not asked for.
	Status Optional[string] `json:"status,omitzero"`
	// VoiceStartTime is when the current voice call began, in Unix seconds;
	// null when no call is going on; missing when not asked for.
	VoiceStartTime Optional[int64] `json:"voice_start_time,omitzero"`
}

// ChannelPinsUpdate is CHANNEL_PINS_UPDATE.
type ChannelPinsUpdate struct {
	// GuildID is the channel's guild; 0 in a DM.
	GuildID Snowflake `json:"guild_id,omitzero"`
	// ChannelID is the channel whose pins changed.
	ChannelID Snowflake `json:"channel_id"`
	// LastPinTimestamp is when the latest message was pinned; null when no
	// message is pinned any more.
	LastPinTimestamp Optional[Timestamp] `json:"last_pin_timestamp,omitzero"`
}

// ThreadCreate is THREAD_CREATE (NewlyCreated tells a new thread from one
// the bot was added to).
type ThreadCreate struct{ Channel }

// ThreadUpdate is THREAD_UPDATE.
type ThreadUpdate struct{ Channel }

// ThreadDelete is THREAD_DELETE (id, guild_id, parent_id and type only).
type ThreadDelete struct{ Channel }

// ThreadListSync is THREAD_LIST_SYNC: the active threads of the listed
// parent channels (of the whole guild when ChannelIDs is nil).
type ThreadListSync struct {
	// GuildID is the threads' guild.
	GuildID Snowflake `json:"guild_id"`
	// ChannelIDs are the parent channels being synced; nil means the whole
	// guild.
	ChannelIDs []Snowflake `json:"channel_ids,omitzero"`
	// Threads are the active threads of those channels that the bot can
	// see.
	Threads []Channel `json:"threads"`
	// Members are the bot's own memberships among Threads.
	Members []ThreadMember `json:"members"`
}

// ThreadMemberUpdate is THREAD_MEMBER_UPDATE: the bot's own thread
// membership changed.
type ThreadMemberUpdate struct{ ThreadMember }

// ThreadMembersUpdate is THREAD_MEMBERS_UPDATE.
type ThreadMembersUpdate struct {
	// ID is the thread's ID.
	ID Snowflake `json:"id"`
	// GuildID is the thread's guild.
	GuildID Snowflake `json:"guild_id"`
	// MemberCount is about how many members the thread has (it stops
	// counting at 50).
	MemberCount int `json:"member_count"`
	// AddedMembers are the users added to the thread; nil when none were.
	AddedMembers []ThreadMember `json:"added_members,omitzero"`
	// RemovedMemberIDs are the users removed from the thread; nil when none
	// were.
	RemovedMemberIDs []Snowflake `json:"removed_member_ids,omitzero"`
}

// WebhooksUpdate is WEBHOOKS_UPDATE.
type WebhooksUpdate struct {
	// GuildID is the channel's guild.
	GuildID Snowflake `json:"guild_id"`
	// ChannelID is the channel whose webhooks changed.
	ChannelID Snowflake `json:"channel_id"`
}

// InviteCreate is INVITE_CREATE.
type InviteCreate struct {
	// ChannelID is the channel the invite leads to.
	ChannelID Snowflake `json:"channel_id"`
	// Code is the invite code (the part after discord.gg/).
	Code string `json:"code"`
	// CreatedAt is when the invite was created.
	CreatedAt Timestamp `json:"created_at"`
	// GuildID is the invite's guild; 0 when missing.
	GuildID Snowflake `json:"guild_id,omitzero"`
	// Inviter is who created the invite; nil when missing.
	Inviter *User `json:"inviter,omitzero"`
	// MaxAge is how long the invite is valid, in seconds; 0 means forever.
	MaxAge int `json:"max_age"`
	// MaxUses is how many times the invite can be used; 0 means no limit.
	MaxUses int `json:"max_uses"`
	// TargetType is what a voice channel invite targets (1 a stream, 2 an
	// embedded application).
	TargetType Optional[int] `json:"target_type,omitzero"`
	// TargetUser is the user whose stream the invite shows, for TargetType
	// 1; nil otherwise.
	TargetUser *User `json:"target_user,omitzero"`
	// TargetApplication is the partial application the invite opens, for
	// TargetType 2, raw; nil when missing.
	TargetApplication Raw `json:"target_application,omitzero"`
	// Temporary tells whether the invite grants temporary membership
	// (kicked on disconnect unless given a role).
	Temporary bool `json:"temporary"`
	// Uses is how many times the invite has been used (0 when created).
	Uses int `json:"uses"`
	// ExpiresAt is when the invite expires; null when it does not.
	ExpiresAt Optional[Timestamp] `json:"expires_at,omitzero"`
	// Type is the kind of invite (0 guild, 1 group DM, 2 friend).
	Type Optional[int] `json:"type,omitzero"`
}

// InviteDelete is INVITE_DELETE.
type InviteDelete struct {
	// ChannelID is the channel the invite led to.
	ChannelID Snowflake `json:"channel_id"`
	// GuildID is the invite's guild; 0 when missing.
	GuildID Snowflake `json:"guild_id,omitzero"`
	// Code is the deleted invite's code.
	Code string `json:"code"`
}

// StageInstanceCreate is STAGE_INSTANCE_CREATE.
type StageInstanceCreate struct{ StageInstance }

// StageInstanceUpdate is STAGE_INSTANCE_UPDATE.
type StageInstanceUpdate struct{ StageInstance }

// StageInstanceDelete is STAGE_INSTANCE_DELETE.
type StageInstanceDelete struct{ StageInstance }

// TypingStart is TYPING_START. Timestamp is in Unix seconds.
type TypingStart struct {
	// ChannelID is the channel typed in.
	ChannelID Snowflake `json:"channel_id"`
	// GuildID is the channel's guild; 0 in a DM.
	GuildID Snowflake `json:"guild_id,omitzero"`
	// UserID is who started typing.
	UserID Snowflake `json:"user_id"`
	// Timestamp is when typing started, in Unix seconds.
	Timestamp int64 `json:"timestamp"`
	// Member is the typing member, in a guild; nil in a DM.
	Member *Member `json:"member,omitzero"`
}
