package discord

// VoiceState is a user's voice connection state in a guild.
type VoiceState struct {
	// GuildID is the guild of the voice state; 0 when missing (inside
	// GUILD_CREATE).
	GuildID Snowflake `json:"guild_id,omitzero"`
	// ChannelID is the voice channel the user is in; 0 when null (the user
	// left voice).
	ChannelID Snowflake `json:"channel_id"`
	// UserID is the user the state is for.
	UserID Snowflake `json:"user_id"`
	// Member is the user's guild membership; nil when missing.
	Member *Member `json:"member,omitzero"`
	// SessionID is the voice session's ID.
	SessionID string `json:"session_id"`
	// Deaf tells whether the server deafened the user.
	Deaf bool `json:"deaf"`
	// Mute tells whether the server muted the user.
	Mute bool `json:"mute"`
	// SelfDeaf tells whether the user deafened themself.
	SelfDeaf bool `json:"self_deaf"`
	// SelfMute tells whether the user muted themself.
	SelfMute bool `json:"self_mute"`
	// SelfStream tells whether the user is streaming (Go Live); missing
	// means not.
	SelfStream Optional[bool] `json:"self_stream,omitzero"`
	// SelfVideo tells whether the user's camera is on.
	SelfVideo bool `json:"self_video"`
	// Suppress tells whether the user may not speak (a stage audience
	// member).
	Suppress bool `json:"suppress"`
	// RequestToSpeakTimestamp is when the user asked to speak on a stage;
	// null when they did not.
	RequestToSpeakTimestamp Optional[Timestamp] `json:"request_to_speak_timestamp,omitzero"`
}

// StageInstance is a live stage in a stage channel.
type StageInstance struct {
	// ID is the stage instance's ID.
	ID Snowflake `json:"id"`
	// GuildID is the stage channel's guild.
	GuildID Snowflake `json:"guild_id"`
	// ChannelID is the stage channel.
	ChannelID Snowflake `json:"channel_id"`
	// Topic is the stage's topic (1-120 characters).
	Topic string `json:"topic"`
	// PrivacyLevel is 2 (guild only); 1 (public) is deprecated.
	PrivacyLevel int `json:"privacy_level"`
	// DiscoverableDisabled tells whether stage discovery is off (deprecated
	// by Discord).
	DiscoverableDisabled bool `json:"discoverable_disabled"`
	// GuildScheduledEventID is the scheduled event of the stage; null for
	// none.
	GuildScheduledEventID Optional[Snowflake] `json:"guild_scheduled_event_id,omitzero"`
}

// SoundboardSound is a sound of a guild's (or Discord's default)
// soundboard.
type SoundboardSound struct {
	// Name is the sound's name.
	Name string `json:"name"`
	// SoundID is the sound's ID.
	SoundID Snowflake `json:"sound_id"`
	// Volume is the sound's volume, from 0 to 1.
	Volume float64 `json:"volume"`
	// EmojiID is the sound's custom emoji; null for none.
	EmojiID Optional[Snowflake] `json:"emoji_id,omitzero"`
	// EmojiName is the sound's Unicode emoji; null for none.
	EmojiName Optional[string] `json:"emoji_name,omitzero"`
	// GuildID is the sound's guild; 0 for a default sound.
	GuildID Snowflake `json:"guild_id,omitzero"`
	// Available tells whether the sound can be used (false after the guild
	// lost boosts).
	Available bool `json:"available"`
	// User is who created the sound, when the bot may see it; nil
	// otherwise.
	User *User `json:"user,omitzero"`
}
