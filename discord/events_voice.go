package discord

// VoiceStateUpdate is VOICE_STATE_UPDATE.
type VoiceStateUpdate struct{ VoiceState }

// VoiceServerUpdate is VOICE_SERVER_UPDATE: where (and with which token) to
// connect to voice. A null Endpoint means the server went away.
type VoiceServerUpdate struct {
	// Token is the voice connection's token (a Secret: printing it shows
	// [REDACTED]).
	Token Secret `json:"token"`
	// GuildID is the guild of the voice connection.
	GuildID Snowflake `json:"guild_id"`
	// Endpoint is the voice server's host; null when the server went away
	// and a new one is being allocated.
	Endpoint Optional[string] `json:"endpoint,omitzero"`
}

// VoiceChannelEffectSend is VOICE_CHANNEL_EFFECT_SEND: an emoji or a
// soundboard sound was played in a voice channel.
type VoiceChannelEffectSend struct {
	// ChannelID is the voice channel.
	ChannelID Snowflake `json:"channel_id"`
	// GuildID is the channel's guild.
	GuildID Snowflake `json:"guild_id"`
	// UserID is who sent the effect.
	UserID Snowflake `json:"user_id"`
	// Emoji is the emoji sent, or a soundboard sound's emoji; null or
	// missing when there is none.
	Emoji Optional[Emoji] `json:"emoji,omitzero"`
	// AnimationType is the emoji animation (0 premium, 1 basic); null or
	// missing for none.
	AnimationType Optional[int] `json:"animation_type,omitzero"`
	// AnimationID is the ID of the emoji animation.
	AnimationID Optional[int] `json:"animation_id,omitzero"`
	// SoundID is the soundboard sound played, raw: a snowflake string for
	// guild sounds, a number for some default ones; nil when missing.
	SoundID Raw `json:"sound_id,omitzero"`
	// SoundVolume is the sound's volume, from 0 to 1.
	SoundVolume Optional[float64] `json:"sound_volume,omitzero"`
}

// VoiceChannelStartTimeUpdate is VOICE_CHANNEL_START_TIME_UPDATE.
// VoiceStartTime is in Unix seconds, null when the call ended.
type VoiceChannelStartTimeUpdate struct {
	// ID is the voice channel.
	ID Snowflake `json:"id"`
	// GuildID is the channel's guild.
	GuildID Snowflake `json:"guild_id"`
	// VoiceStartTime is when the current call began, in Unix seconds; null
	// when it ended.
	VoiceStartTime Optional[int64] `json:"voice_start_time,omitzero"`
}

// VoiceChannelStatusUpdate is VOICE_CHANNEL_STATUS_UPDATE.
type VoiceChannelStatusUpdate struct {
	// ID is the voice channel.
	ID Snowflake `json:"id"`
	// GuildID is the channel's guild.
	GuildID Snowflake `json:"guild_id"`
	// Status is the channel's new status text; null when it was cleared.
	Status Optional[string] `json:"status,omitzero"`
}
