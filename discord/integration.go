package discord

// Integration is a guild integration (a bot, Twitch, YouTube, ...).
type Integration struct {
	// ID is the integration's ID.
	ID Snowflake `json:"id"`
	// Name is the integration's name.
	Name string `json:"name"`
	// Type is "twitch", "youtube", "discord" or "guild_subscription".
	Type string `json:"type"`
	// Enabled tells whether the integration is on.
	Enabled bool `json:"enabled"`
	// Syncing tells whether the integration is syncing (not for bots).
	Syncing Optional[bool] `json:"syncing,omitzero"`
	// RoleID is the role given to subscribers (not for bots).
	RoleID Optional[Snowflake] `json:"role_id,omitzero"`
	// EnableEmoticons tells whether emoticons are synced (Twitch only).
	EnableEmoticons Optional[bool] `json:"enable_emoticons,omitzero"`
	// ExpireBehavior is what happens to expiring subscribers (0 the role is
	// removed, 1 they are kicked).
	ExpireBehavior Optional[int] `json:"expire_behavior,omitzero"`
	// ExpireGracePeriod is how long before subscribers expire, in days.
	ExpireGracePeriod Optional[int] `json:"expire_grace_period,omitzero"`
	// User is the user who added the integration; nil when missing.
	User *User `json:"user,omitzero"`
	// Account is the integration's account (id and name), raw.
	Account Raw `json:"account,omitzero"`
	// SyncedAt is when the integration last synced.
	SyncedAt Optional[Timestamp] `json:"synced_at,omitzero"`
	// SubscriberCount is how many subscribers the integration has.
	SubscriberCount Optional[int] `json:"subscriber_count,omitzero"`
	// Revoked tells whether the integration was revoked.
	Revoked Optional[bool] `json:"revoked,omitzero"`
	// Application is the bot or OAuth2 application of a Discord
	// integration, raw; nil when missing.
	Application Raw `json:"application,omitzero"`
	// Scopes are the OAuth2 scopes the application was authorized for; nil
	// when missing.
	Scopes []string `json:"scopes,omitzero"`
	// GuildID is the integration's guild (set in INTEGRATION_CREATE and
	// INTEGRATION_UPDATE).
	GuildID Snowflake `json:"guild_id,omitzero"`
}
