package discord

// MessageCreate is MESSAGE_CREATE.
type MessageCreate struct{ Message }

// MessageUpdate is MESSAGE_UPDATE (Discord sends the whole message).
type MessageUpdate struct{ Message }

// MessageDelete is MESSAGE_DELETE.
type MessageDelete struct {
	ID        Snowflake `json:"id"`
	ChannelID Snowflake `json:"channel_id"`
	GuildID   Snowflake `json:"guild_id,omitzero"`
}

// MessageDeleteBulk is MESSAGE_DELETE_BULK.
type MessageDeleteBulk struct {
	IDs       []Snowflake `json:"ids"`
	ChannelID Snowflake   `json:"channel_id"`
	GuildID   Snowflake   `json:"guild_id,omitzero"`
}

// MessageReactionAdd is MESSAGE_REACTION_ADD.
type MessageReactionAdd struct {
	UserID          Snowflake `json:"user_id"`
	ChannelID       Snowflake `json:"channel_id"`
	MessageID       Snowflake `json:"message_id"`
	GuildID         Snowflake `json:"guild_id,omitzero"`
	Member          *Member   `json:"member,omitzero"`
	Emoji           Emoji     `json:"emoji"`
	MessageAuthorID Snowflake `json:"message_author_id,omitzero"`
	Burst           bool      `json:"burst"`
	BurstColors     []string  `json:"burst_colors,omitzero"`
	Type            int       `json:"type"`
}

// MessageReactionRemove is MESSAGE_REACTION_REMOVE.
type MessageReactionRemove struct {
	UserID    Snowflake `json:"user_id"`
	ChannelID Snowflake `json:"channel_id"`
	MessageID Snowflake `json:"message_id"`
	GuildID   Snowflake `json:"guild_id,omitzero"`
	Emoji     Emoji     `json:"emoji"`
	Burst     bool      `json:"burst"`
	Type      int       `json:"type"`
}

// MessageReactionRemoveAll is MESSAGE_REACTION_REMOVE_ALL.
type MessageReactionRemoveAll struct {
	ChannelID Snowflake `json:"channel_id"`
	MessageID Snowflake `json:"message_id"`
	GuildID   Snowflake `json:"guild_id,omitzero"`
}

// MessageReactionRemoveEmoji is MESSAGE_REACTION_REMOVE_EMOJI.
type MessageReactionRemoveEmoji struct {
	ChannelID Snowflake `json:"channel_id"`
	GuildID   Snowflake `json:"guild_id,omitzero"`
	MessageID Snowflake `json:"message_id"`
	Emoji     Emoji     `json:"emoji"`
}

// MessagePollVoteAdd is MESSAGE_POLL_VOTE_ADD.
type MessagePollVoteAdd struct {
	UserID    Snowflake `json:"user_id"`
	ChannelID Snowflake `json:"channel_id"`
	MessageID Snowflake `json:"message_id"`
	GuildID   Snowflake `json:"guild_id,omitzero"`
	AnswerID  int       `json:"answer_id"`
}

// MessagePollVoteRemove is MESSAGE_POLL_VOTE_REMOVE.
type MessagePollVoteRemove struct {
	UserID    Snowflake `json:"user_id"`
	ChannelID Snowflake `json:"channel_id"`
	MessageID Snowflake `json:"message_id"`
	GuildID   Snowflake `json:"guild_id,omitzero"`
	AnswerID  int       `json:"answer_id"`
}
