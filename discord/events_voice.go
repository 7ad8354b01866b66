package discord

// VoiceStateUpdate is VOICE_STATE_UPDATE.
type VoiceStateUpdate struct{ VoiceState }

// VoiceServerUpdate is VOICE_SERVER_UPDATE: where (and with which token) to
// connect to voice. A null Endpoint means the server went away.
type VoiceServerUpdate struct {
	Token    Secret           `json:"token"`
	GuildID  Snowflake        `json:"guild_id"`
	Endpoint Optional[string] `json:"endpoint,omitzero"`
}

// VoiceChannelEffectSend is VOICE_CHANNEL_EFFECT_SEND: an emoji or a
// soundboard sound was played in a voice channel.
type VoiceChannelEffectSend struct {
	ChannelID     Snowflake         `json:"channel_id"`
	GuildID       Snowflake         `json:"guild_id"`
	UserID        Snowflake         `json:"user_id"`
	Emoji         Optional[Emoji]   `json:"emoji,omitzero"`
	AnimationType Optional[int]     `json:"animation_type,omitzero"`
	AnimationID   Optional[int]     `json:"animation_id,omitzero"`
	SoundID       Raw               `json:"sound_id,omitzero"`
	SoundVolume   Optional[float64] `json:"sound_volume,omitzero"`
}

// VoiceChannelStartTimeUpdate is VOICE_CHANNEL_START_TIME_UPDATE.
// VoiceStartTime is in Unix seconds, null when the call ended.
type VoiceChannelStartTimeUpdate struct {
	ID             Snowflake       `json:"id"`
	GuildID        Snowflake       `json:"guild_id"`
	VoiceStartTime Optional[int64] `json:"voice_start_time,omitzero"`
}

// VoiceChannelStatusUpdate is VOICE_CHANNEL_STATUS_UPDATE.
type VoiceChannelStatusUpdate struct {
	ID      Snowflake        `json:"id"`
	GuildID Snowflake        `json:"guild_id"`
	Status  Optional[string] `json:"status,omitzero"`
}
