package discord

// Integration is a guild integration (a bot, Twitch, YouTube, ...).
type Integration struct {
	ID                Snowflake           `json:"id"`
	Name              string              `json:"name"`
	Type              string              `json:"type"`
	Enabled           bool                `json:"enabled"`
	Syncing           Optional[bool]      `json:"syncing,omitzero"`
	RoleID            Optional[Snowflake] `json:"role_id,omitzero"`
	EnableEmoticons   Optional[bool]      `json:"enable_emoticons,omitzero"`
	ExpireBehavior    Optional[int]       `json:"expire_behavior,omitzero"`
	ExpireGracePeriod Optional[int]       `json:"expire_grace_period,omitzero"`
	User              *User               `json:"user,omitzero"`
	Account           Raw                 `json:"account,omitzero"`
	SyncedAt          Optional[Timestamp] `json:"synced_at,omitzero"`
	SubscriberCount   Optional[int]       `json:"subscriber_count,omitzero"`
	Revoked           Optional[bool]      `json:"revoked,omitzero"`
	Application       Raw                 `json:"application,omitzero"`
	Scopes            []string            `json:"scopes,omitzero"`
	GuildID           Snowflake           `json:"guild_id,omitzero"`
}
