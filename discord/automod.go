package discord

// AutoModerationRule is a guild's auto moderation rule. Trigger metadata
// and actions' metadata depend on the trigger and action types and are
// kept raw inside.
type AutoModerationRule struct {
	// ID is the rule's ID.
	ID Snowflake `json:"id"`
	// GuildID is the guild the rule belongs to.
	GuildID Snowflake `json:"guild_id"`
	// Name is the rule's name.
	Name string `json:"name"`
	// CreatorID is the user who first created the rule.
	CreatorID Snowflake `json:"creator_id"`
	// EventType is when the rule is checked (1 a message is sent or edited,
	// 2 a member updates their profile).
	EventType int `json:"event_type"`
	// TriggerType is what the rule looks for (1 keywords, 3 spam, 4 keyword
	// presets, 5 mention spam, 6 member profile).
	TriggerType int `json:"trigger_type"`
	// TriggerMetadata is the trigger's settings (keyword lists, regex
	// patterns, presets, mention limits), raw: its fields depend on
	// TriggerType.
	TriggerMetadata Raw `json:"trigger_metadata"`
	// Actions are what happens when the rule triggers.
	Actions []AutoModerationAction `json:"actions"`
	// Enabled tells whether the rule is on.
	Enabled bool `json:"enabled"`
	// ExemptRoles are the roles the rule ignores.
	ExemptRoles []Snowflake `json:"exempt_roles"`
	// ExemptChannels are the channels the rule ignores.
	ExemptChannels []Snowflake `json:"exempt_channels"`
}

// AutoModerationAction is what a rule does when it triggers.
type AutoModerationAction struct {
	// Type is the action (1 block the message, 2 send an alert, 3 time the
	// member out, 4 block member interaction).
	Type int `json:"type"`
	// Metadata is the action's settings (alert channel_id, timeout
	// duration_seconds, block custom_message), raw; nil when missing.
	Metadata Raw `json:"metadata,omitzero"`
}
