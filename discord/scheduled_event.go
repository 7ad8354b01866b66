package discord

// ScheduledEvent is a guild's scheduled event.
type ScheduledEvent struct {
	// ID is the event's ID.
	ID Snowflake `json:"id"`
	// GuildID is the event's guild.
	GuildID Snowflake `json:"guild_id"`
	// ChannelID is the stage or voice channel the event is in; null for an
	// external event.
	ChannelID Optional[Snowflake] `json:"channel_id,omitzero"`
	// CreatorID is the user who created the event; null for events made
	// before 2021-10-25.
	CreatorID Optional[Snowflake] `json:"creator_id,omitzero"`
	// Name is the event's name (1-100 characters).
	Name string `json:"name"`
	// Description is the event's description; null or missing for none.
	Description Optional[string] `json:"description,omitzero"`
	// ScheduledStartTime is when the event is to start.
	ScheduledStartTime Timestamp `json:"scheduled_start_time"`
	// ScheduledEndTime is when the event is to end; null for none (required
	// for external events).
	ScheduledEndTime Optional[Timestamp] `json:"scheduled_end_time,omitzero"`
	// PrivacyLevel is 2: only guild members can see the event.
	PrivacyLevel int `json:"privacy_level"`
	// Status is 1 scheduled, 2 active, 3 completed, 4 canceled.
	Status int `json:"status"`
	// EntityType is where the event happens (1 a stage, 2 a voice channel,
	// 3 outside Discord).
	EntityType int `json:"entity_type"`
	// EntityID is the ID of the event's entity; null when there is none.
	EntityID Optional[Snowflake] `json:"entity_id,omitzero"`
	// EntityMetadata holds the location of an external event, raw; null for
	// others.
	EntityMetadata Raw `json:"entity_metadata,omitzero"`
	// Creator is the user who created the event; nil when missing.
	Creator *User `json:"creator,omitzero"`
	// UserCount is how many users subscribed to the event (only when asked
	// for).
	UserCount Optional[int] `json:"user_count,omitzero"`
	// Image is the event's cover image hash; null for none.
	Image Optional[string] `json:"image,omitzero"`
	// RecurrenceRule is how the event repeats, raw; null for an event that
	// does not.
	RecurrenceRule Raw `json:"recurrence_rule,omitzero"`
}
