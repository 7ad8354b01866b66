package discord

// GuildUpdate is GUILD_UPDATE.
type GuildUpdate struct{ Guild }

// GuildDelete is GUILD_DELETE: the guild became unavailable (Unavailable
// set) or the bot left it.
type GuildDelete struct{ UnavailableGuild }

// GuildAuditLogEntryCreate is GUILD_AUDIT_LOG_ENTRY_CREATE. Changes and
// Options depend on the action type and are kept raw.
type GuildAuditLogEntryCreate struct {
	// GuildID is the guild of the audit log.
	GuildID Snowflake `json:"guild_id"`
	// ID is the entry's ID.
	ID Snowflake `json:"id"`
	// TargetID is what the action was done to (a user, role, channel, ...
	// ID, as a string); null when nothing.
	TargetID Optional[string] `json:"target_id,omitzero"`
	// Changes are the changed fields with their old and new values, raw;
	// nil when missing.
	Changes Raw `json:"changes,omitzero"`
	// UserID is who did it; null when no user did.
	UserID Optional[Snowflake] `json:"user_id,omitzero"`
	// ActionType is what was done (1 guild update, 20 member kick, 22
	// member ban, ...).
	ActionType int `json:"action_type"`
	// Options are extra details for some action types, raw; nil when
	// missing.
	Options Raw `json:"options,omitzero"`
	// Reason is the reason given for the change (up to 512 characters);
	// empty when none was.
	Reason string `json:"reason,omitzero"`
}

// GuildBanAdd is GUILD_BAN_ADD.
type GuildBanAdd struct {
	// GuildID is the guild the user was banned from.
	GuildID Snowflake `json:"guild_id"`
	// User is the banned user.
	User User `json:"user"`
}

// GuildBanRemove is GUILD_BAN_REMOVE.
type GuildBanRemove struct {
	// GuildID is the guild the user was unbanned from.
	GuildID Snowflake `json:"guild_id"`
	// User is the unbanned user.
	User User `json:"user"`
}

// GuildEmojisUpdate is GUILD_EMOJIS_UPDATE: the guild's emojis, all of them.
type GuildEmojisUpdate struct {
	// GuildID is the guild whose emojis changed.
	GuildID Snowflake `json:"guild_id"`
	// Emojis are all the guild's emojis now.
	Emojis []Emoji `json:"emojis"`
}

// GuildStickersUpdate is GUILD_STICKERS_UPDATE: the guild's stickers, all of
// them.
type GuildStickersUpdate struct {
	// GuildID is the guild whose stickers changed.
	GuildID Snowflake `json:"guild_id"`
	// Stickers are all the guild's stickers now.
	Stickers []Sticker `json:"stickers"`
}

// GuildIntegrationsUpdate is GUILD_INTEGRATIONS_UPDATE.
type GuildIntegrationsUpdate struct {
	// GuildID is the guild whose integrations changed.
	GuildID Snowflake `json:"guild_id"`
}

// GuildMemberAdd is GUILD_MEMBER_ADD (GuildID is set).
type GuildMemberAdd struct{ Member }

// GuildMemberRemove is GUILD_MEMBER_REMOVE.
type GuildMemberRemove struct {
	// GuildID is the guild the user left or was removed from.
	GuildID Snowflake `json:"guild_id"`
	// User is the user who left.
	User User `json:"user"`
}

// GuildMemberUpdate is GUILD_MEMBER_UPDATE (GuildID is set). A null Nick or
// Avatar was removed; a missing one did not change.
type GuildMemberUpdate struct{ Member }

// GuildMembersChunk is GUILD_MEMBERS_CHUNK, one answer to a request guild
// members command.
type GuildMembersChunk struct {
	// GuildID is the members' guild.
	GuildID Snowflake `json:"guild_id"`
	// Members are this chunk's members.
	Members []Member `json:"members"`
	// ChunkIndex is this chunk's place in the answer, from 0.
	ChunkIndex int `json:"chunk_index"`
	// ChunkCount is how many chunks the answer has.
	ChunkCount int `json:"chunk_count"`
	// NotFound are the requested user IDs that are not members; nil when
	// missing.
	NotFound []Snowflake `json:"not_found,omitzero"`
	// Presences are the members' presences, when asked for; nil otherwise.
	Presences []Presence `json:"presences,omitzero"`
	// Nonce is the request's nonce; empty when it had none.
	Nonce string `json:"nonce,omitzero"`
}

// GuildRoleCreate is GUILD_ROLE_CREATE.
type GuildRoleCreate struct {
	// GuildID is the role's guild.
	GuildID Snowflake `json:"guild_id"`
	// Role is the new role.
	Role Role `json:"role"`
}

// GuildRoleUpdate is GUILD_ROLE_UPDATE.
type GuildRoleUpdate struct {
	// GuildID is the role's guild.
	GuildID Snowflake `json:"guild_id"`
	// Role is the role as it is now.
	Role Role `json:"role"`
}

// GuildRoleDelete is GUILD_ROLE_DELETE.
type GuildRoleDelete struct {
	// GuildID is the role's guild.
	GuildID Snowflake `json:"guild_id"`
	// RoleID is the deleted role.
	RoleID Snowflake `json:"role_id"`
}

// GuildScheduledEventCreate is GUILD_SCHEDULED_EVENT_CREATE.
type GuildScheduledEventCreate struct{ ScheduledEvent }

// GuildScheduledEventUpdate is GUILD_SCHEDULED_EVENT_UPDATE.
type GuildScheduledEventUpdate struct{ ScheduledEvent }

// GuildScheduledEventDelete is GUILD_SCHEDULED_EVENT_DELETE.
type GuildScheduledEventDelete struct{ ScheduledEvent }

// GuildScheduledEventUserAdd is GUILD_SCHEDULED_EVENT_USER_ADD.
type GuildScheduledEventUserAdd struct {
	// GuildScheduledEventID is the scheduled event.
	GuildScheduledEventID Snowflake `json:"guild_scheduled_event_id"`
	// UserID is the user who subscribed to it.
	UserID Snowflake `json:"user_id"`
	// GuildID is the event's guild.
	GuildID Snowflake `json:"guild_id"`
}

// GuildScheduledEventUserRemove is GUILD_SCHEDULED_EVENT_USER_REMOVE.
type GuildScheduledEventUserRemove struct {
	// GuildScheduledEventID is the scheduled event.
	GuildScheduledEventID Snowflake `json:"guild_scheduled_event_id"`
	// UserID is the user who unsubscribed from it.
	UserID Snowflake `json:"user_id"`
	// GuildID is the event's guild.
	GuildID Snowflake `json:"guild_id"`
}

// GuildSoundboardSoundCreate is GUILD_SOUNDBOARD_SOUND_CREATE.
type GuildSoundboardSoundCreate struct{ SoundboardSound }

// GuildSoundboardSoundUpdate is GUILD_SOUNDBOARD_SOUND_UPDATE.
type GuildSoundboardSoundUpdate struct{ SoundboardSound }

// GuildSoundboardSoundDelete is GUILD_SOUNDBOARD_SOUND_DELETE.
type GuildSoundboardSoundDelete struct {
	// SoundID is the deleted sound.
	SoundID Snowflake `json:"sound_id"`
	// GuildID is the sound's guild.
	GuildID Snowflake `json:"guild_id"`
}

// GuildSoundboardSoundsUpdate is GUILD_SOUNDBOARD_SOUNDS_UPDATE.
type GuildSoundboardSoundsUpdate struct {
	// SoundboardSounds are the updated sounds.
	SoundboardSounds []SoundboardSound `json:"soundboard_sounds"`
	// GuildID is the sounds' guild.
	GuildID Snowflake `json:"guild_id"`
}

// SoundboardSounds is SOUNDBOARD_SOUNDS, the answer to a request soundboard
// sounds command (op 31).
type SoundboardSounds struct {
	// SoundboardSounds are all the guild's soundboard sounds.
	SoundboardSounds []SoundboardSound `json:"soundboard_sounds"`
	// GuildID is the guild asked about.
	GuildID Snowflake `json:"guild_id"`
}

// IntegrationCreate is INTEGRATION_CREATE (GuildID is set).
type IntegrationCreate struct{ Integration }

// IntegrationUpdate is INTEGRATION_UPDATE (GuildID is set).
type IntegrationUpdate struct{ Integration }

// IntegrationDelete is INTEGRATION_DELETE.
type IntegrationDelete struct {
	// ID is the deleted integration.
	ID Snowflake `json:"id"`
	// GuildID is the integration's guild.
	GuildID Snowflake `json:"guild_id"`
	// ApplicationID is the bot or OAuth2 application of a Discord
	// integration; 0 when missing.
	ApplicationID Snowflake `json:"application_id,omitzero"`
}
