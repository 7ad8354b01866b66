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
	GuildID  Snowflake          `json:"guild_id"`
	Channels []ChannelInfoEntry `json:"channels"`
}

// ChannelInfoEntry is one channel in CHANNEL_INFO.
type ChannelInfoEntry struct {
	ID             Snowflake        `json:"id"`
	Status         Optional[string] `json:"status,omitzero"`
	VoiceStartTime Optional[int64]  `json:"voice_start_time,omitzero"`
}

// ChannelPinsUpdate is CHANNEL_PINS_UPDATE.
type ChannelPinsUpdate struct {
	GuildID          Snowflake           `json:"guild_id,omitzero"`
	ChannelID        Snowflake           `json:"channel_id"`
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
	GuildID    Snowflake      `json:"guild_id"`
	ChannelIDs []Snowflake    `json:"channel_ids,omitzero"`
	Threads    []Channel      `json:"threads"`
	Members    []ThreadMember `json:"members"`
}

// ThreadMemberUpdate is THREAD_MEMBER_UPDATE: the bot's own thread
// membership changed.
type ThreadMemberUpdate struct{ ThreadMember }

// ThreadMembersUpdate is THREAD_MEMBERS_UPDATE.
type ThreadMembersUpdate struct {
	ID               Snowflake      `json:"id"`
	GuildID          Snowflake      `json:"guild_id"`
	MemberCount      int            `json:"member_count"`
	AddedMembers     []ThreadMember `json:"added_members,omitzero"`
	RemovedMemberIDs []Snowflake    `json:"removed_member_ids,omitzero"`
}

// WebhooksUpdate is WEBHOOKS_UPDATE.
type WebhooksUpdate struct {
	GuildID   Snowflake `json:"guild_id"`
	ChannelID Snowflake `json:"channel_id"`
}

// InviteCreate is INVITE_CREATE.
type InviteCreate struct {
	ChannelID         Snowflake           `json:"channel_id"`
	Code              string              `json:"code"`
	CreatedAt         Timestamp           `json:"created_at"`
	GuildID           Snowflake           `json:"guild_id,omitzero"`
	Inviter           *User               `json:"inviter,omitzero"`
	MaxAge            int                 `json:"max_age"`
	MaxUses           int                 `json:"max_uses"`
	TargetType        Optional[int]       `json:"target_type,omitzero"`
	TargetUser        *User               `json:"target_user,omitzero"`
	TargetApplication Raw                 `json:"target_application,omitzero"`
	Temporary         bool                `json:"temporary"`
	Uses              int                 `json:"uses"`
	ExpiresAt         Optional[Timestamp] `json:"expires_at,omitzero"`
	Type              Optional[int]       `json:"type,omitzero"`
}

// InviteDelete is INVITE_DELETE.
type InviteDelete struct {
	ChannelID Snowflake `json:"channel_id"`
	GuildID   Snowflake `json:"guild_id,omitzero"`
	Code      string    `json:"code"`
}

// StageInstanceCreate is STAGE_INSTANCE_CREATE.
type StageInstanceCreate struct{ StageInstance }

// StageInstanceUpdate is STAGE_INSTANCE_UPDATE.
type StageInstanceUpdate struct{ StageInstance }

// StageInstanceDelete is STAGE_INSTANCE_DELETE.
type StageInstanceDelete struct{ StageInstance }

// TypingStart is TYPING_START. Timestamp is in Unix seconds.
type TypingStart struct {
	ChannelID Snowflake `json:"channel_id"`
	GuildID   Snowflake `json:"guild_id,omitzero"`
	UserID    Snowflake `json:"user_id"`
	Timestamp int64     `json:"timestamp"`
	Member    *Member   `json:"member,omitzero"`
}
