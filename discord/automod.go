package discord

// AutoModerationRule is a guild's auto moderation rule. Trigger metadata
// and actions' metadata depend on the trigger and action types and are
// kept raw inside.
type AutoModerationRule struct {
	ID              Snowflake              `json:"id"`
	GuildID         Snowflake              `json:"guild_id"`
	Name            string                 `json:"name"`
	CreatorID       Snowflake              `json:"creator_id"`
	EventType       int                    `json:"event_type"`
	TriggerType     int                    `json:"trigger_type"`
	TriggerMetadata Raw                    `json:"trigger_metadata"`
	Actions         []AutoModerationAction `json:"actions"`
	Enabled         bool                   `json:"enabled"`
	ExemptRoles     []Snowflake            `json:"exempt_roles"`
	ExemptChannels  []Snowflake            `json:"exempt_channels"`
}

// AutoModerationAction is what a rule does when it triggers.
type AutoModerationAction struct {
	Type     int `json:"type"`
	Metadata Raw `json:"metadata,omitzero"`
}
