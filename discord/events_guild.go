package discord

// GuildUpdate is GUILD_UPDATE.
type GuildUpdate struct{ Guild }

// GuildDelete is GUILD_DELETE: the guild became unavailable (Unavailable
// set) or the bot left it.
type GuildDelete struct{ UnavailableGuild }

// GuildAuditLogEntryCreate is GUILD_AUDIT_LOG_ENTRY_CREATE. Changes and
// Options depend on the action type and are kept raw.
type GuildAuditLogEntryCreate struct {
	GuildID    Snowflake           `json:"guild_id"`
	ID         Snowflake           `json:"id"`
	TargetID   Optional[string]    `json:"target_id,omitzero"`
	Changes    Raw                 `json:"changes,omitzero"`
	UserID     Optional[Snowflake] `json:"user_id,omitzero"`
	ActionType int                 `json:"action_type"`
	Options    Raw                 `json:"options,omitzero"`
	Reason     string              `json:"reason,omitzero"`
}

// GuildBanAdd is GUILD_BAN_ADD.
type GuildBanAdd struct {
	GuildID Snowflake `json:"guild_id"`
	User    User      `json:"user"`
}

// GuildBanRemove is GUILD_BAN_REMOVE.
type GuildBanRemove struct {
	GuildID Snowflake `json:"guild_id"`
	User    User      `json:"user"`
}

// GuildEmojisUpdate is GUILD_EMOJIS_UPDATE: the guild's emojis, all of them.
type GuildEmojisUpdate struct {
	GuildID Snowflake `json:"guild_id"`
	Emojis  []Emoji   `json:"emojis"`
}

// GuildStickersUpdate is GUILD_STICKERS_UPDATE: the guild's stickers, all of
// them.
type GuildStickersUpdate struct {
	GuildID  Snowflake `json:"guild_id"`
	Stickers []Sticker `json:"stickers"`
}

// GuildIntegrationsUpdate is GUILD_INTEGRATIONS_UPDATE.
type GuildIntegrationsUpdate struct {
	GuildID Snowflake `json:"guild_id"`
}

// GuildMemberAdd is GUILD_MEMBER_ADD (GuildID is set).
type GuildMemberAdd struct{ Member }

// GuildMemberRemove is GUILD_MEMBER_REMOVE.
type GuildMemberRemove struct {
	GuildID Snowflake `json:"guild_id"`
	User    User      `json:"user"`
}

// GuildMemberUpdate is GUILD_MEMBER_UPDATE (GuildID is set). A null Nick or
// Avatar was removed; a missing one did not change.
type GuildMemberUpdate struct{ Member }

// GuildMembersChunk is GUILD_MEMBERS_CHUNK, one answer to a request guild
// members command.
type GuildMembersChunk struct {
	GuildID    Snowflake   `json:"guild_id"`
	Members    []Member    `json:"members"`
	ChunkIndex int         `json:"chunk_index"`
	ChunkCount int         `json:"chunk_count"`
	NotFound   []Snowflake `json:"not_found,omitzero"`
	Presences  []Presence  `json:"presences,omitzero"`
	Nonce      string      `json:"nonce,omitzero"`
}

// GuildRoleCreate is GUILD_ROLE_CREATE.
type GuildRoleCreate struct {
	GuildID Snowflake `json:"guild_id"`
	Role    Role      `json:"role"`
}

// GuildRoleUpdate is GUILD_ROLE_UPDATE.
type GuildRoleUpdate struct {
	GuildID Snowflake `json:"guild_id"`
	Role    Role      `json:"role"`
}

// GuildRoleDelete is GUILD_ROLE_DELETE.
type GuildRoleDelete struct {
	GuildID Snowflake `json:"guild_id"`
	RoleID  Snowflake `json:"role_id"`
}

// GuildScheduledEventCreate is GUILD_SCHEDULED_EVENT_CREATE.
type GuildScheduledEventCreate struct{ ScheduledEvent }

// GuildScheduledEventUpdate is GUILD_SCHEDULED_EVENT_UPDATE.
type GuildScheduledEventUpdate struct{ ScheduledEvent }

// GuildScheduledEventDelete is GUILD_SCHEDULED_EVENT_DELETE.
type GuildScheduledEventDelete struct{ ScheduledEvent }

// GuildScheduledEventUserAdd is GUILD_SCHEDULED_EVENT_USER_ADD.
type GuildScheduledEventUserAdd struct {
	GuildScheduledEventID Snowflake `json:"guild_scheduled_event_id"`
	UserID                Snowflake `json:"user_id"`
	GuildID               Snowflake `json:"guild_id"`
}

// GuildScheduledEventUserRemove is GUILD_SCHEDULED_EVENT_USER_REMOVE.
type GuildScheduledEventUserRemove struct {
	GuildScheduledEventID Snowflake `json:"guild_scheduled_event_id"`
	UserID                Snowflake `json:"user_id"`
	GuildID               Snowflake `json:"guild_id"`
}

// GuildSoundboardSoundCreate is GUILD_SOUNDBOARD_SOUND_CREATE.
type GuildSoundboardSoundCreate struct{ SoundboardSound }

// GuildSoundboardSoundUpdate is GUILD_SOUNDBOARD_SOUND_UPDATE.
type GuildSoundboardSoundUpdate struct{ SoundboardSound }

// GuildSoundboardSoundDelete is GUILD_SOUNDBOARD_SOUND_DELETE.
type GuildSoundboardSoundDelete struct {
	SoundID Snowflake `json:"sound_id"`
	GuildID Snowflake `json:"guild_id"`
}

// GuildSoundboardSoundsUpdate is GUILD_SOUNDBOARD_SOUNDS_UPDATE.
type GuildSoundboardSoundsUpdate struct {
	SoundboardSounds []SoundboardSound `json:"soundboard_sounds"`
	GuildID          Snowflake         `json:"guild_id"`
}

// SoundboardSounds is SOUNDBOARD_SOUNDS, the answer to a request soundboard
// sounds command (op 31).
type SoundboardSounds struct {
	SoundboardSounds []SoundboardSound `json:"soundboard_sounds"`
	GuildID          Snowflake         `json:"guild_id"`
}

// IntegrationCreate is INTEGRATION_CREATE (GuildID is set).
type IntegrationCreate struct{ Integration }

// IntegrationUpdate is INTEGRATION_UPDATE (GuildID is set).
type IntegrationUpdate struct{ Integration }

// IntegrationDelete is INTEGRATION_DELETE.
type IntegrationDelete struct {
	ID            Snowflake `json:"id"`
	GuildID       Snowflake `json:"guild_id"`
	ApplicationID Snowflake `json:"application_id,omitzero"`
}
