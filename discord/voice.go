package discord

// VoiceState is a user's voice connection state in a guild.
type VoiceState struct {
	GuildID                 Snowflake           `json:"guild_id,omitzero"`
	ChannelID               Snowflake           `json:"channel_id"`
	UserID                  Snowflake           `json:"user_id"`
	Member                  *Member             `json:"member,omitzero"`
	SessionID               string              `json:"session_id"`
	Deaf                    bool                `json:"deaf"`
	Mute                    bool                `json:"mute"`
	SelfDeaf                bool                `json:"self_deaf"`
	SelfMute                bool                `json:"self_mute"`
	SelfStream              Optional[bool]      `json:"self_stream,omitzero"`
	SelfVideo               bool                `json:"self_video"`
	Suppress                bool                `json:"suppress"`
	RequestToSpeakTimestamp Optional[Timestamp] `json:"request_to_speak_timestamp,omitzero"`
}

// StageInstance is a live stage in a stage channel.
type StageInstance struct {
	ID                    Snowflake           `json:"id"`
	GuildID               Snowflake           `json:"guild_id"`
	ChannelID             Snowflake           `json:"channel_id"`
	Topic                 string              `json:"topic"`
	PrivacyLevel          int                 `json:"privacy_level"`
	DiscoverableDisabled  bool                `json:"discoverable_disabled"`
	GuildScheduledEventID Optional[Snowflake] `json:"guild_scheduled_event_id,omitzero"`
}

// SoundboardSound is a sound of a guild's (or Discord's default)
// soundboard.
type SoundboardSound struct {
	Name      string              `json:"name"`
	SoundID   Snowflake           `json:"sound_id"`
	Volume    float64             `json:"volume"`
	EmojiID   Optional[Snowflake] `json:"emoji_id,omitzero"`
	EmojiName Optional[string]    `json:"emoji_name,omitzero"`
	GuildID   Snowflake           `json:"guild_id,omitzero"`
	Available bool                `json:"available"`
	User      *User               `json:"user,omitzero"`
}
