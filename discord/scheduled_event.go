package discord

// ScheduledEvent is a guild's scheduled event.
type ScheduledEvent struct {
	ID                 Snowflake           `json:"id"`
	GuildID            Snowflake           `json:"guild_id"`
	ChannelID          Optional[Snowflake] `json:"channel_id,omitzero"`
	CreatorID          Optional[Snowflake] `json:"creator_id,omitzero"`
	Name               string              `json:"name"`
	Description        Optional[string]    `json:"description,omitzero"`
	ScheduledStartTime Timestamp           `json:"scheduled_start_time"`
	ScheduledEndTime   Optional[Timestamp] `json:"scheduled_end_time,omitzero"`
	PrivacyLevel       int                 `json:"privacy_level"`
	Status             int                 `json:"status"`
	EntityType         int                 `json:"entity_type"`
	EntityID           Optional[Snowflake] `json:"entity_id,omitzero"`
	EntityMetadata     Raw                 `json:"entity_metadata,omitzero"`
	Creator            *User               `json:"creator,omitzero"`
	UserCount          Optional[int]       `json:"user_count,omitzero"`
	Image              Optional[string]    `json:"image,omitzero"`
	RecurrenceRule     Raw                 `json:"recurrence_rule,omitzero"`
}
