package discord

// MessageCreate is MESSAGE_CREATE.
type MessageCreate struct{ Message }

// MessageUpdate is MESSAGE_UPDATE (Discord sends the whole message).
type MessageUpdate struct{ Message }

// MessageDelete is MESSAGE_DELETE.
type MessageDelete struct {
	// ID is the deleted message.
	ID Snowflake `json:"id"`
	// ChannelID is the message's channel.
	ChannelID Snowflake `json:"channel_id"`
	// GuildID is the channel's guild; 0 in a DM.
	GuildID Snowflake `json:"guild_id,omitzero"`
}

// MessageDeleteBulk is MESSAGE_DELETE_BULK.
type MessageDeleteBulk struct {
	// IDs are the deleted messages.
	IDs []Snowflake `json:"ids"`
	// ChannelID is the messages' channel.
	ChannelID Snowflake `json:"channel_id"`
	// GuildID is the channel's guild; 0 when missing.
	GuildID Snowflake `json:"guild_id,omitzero"`
}

// MessageReactionAdd is MESSAGE_REACTION_ADD.
type MessageReactionAdd struct {
	// UserID is the user who reacted.
	UserID Snowflake `json:"user_id"`
	// ChannelID is the message's channel.
	ChannelID Snowflake `json:"channel_id"`
	// MessageID is the message reacted to.
	MessageID Snowflake `json:"message_id"`
	// GuildID is the channel's guild; 0 in a DM.
	GuildID Snowflake `json:"guild_id,omitzero"`
	// Member is the member who reacted, in a guild; nil in a DM.
	Member *Member `json:"member,omitzero"`
	// Emoji is the reaction's emoji (ID, name, and animated for custom
	// emojis); Name is empty when Discord no longer knows a custom emoji.
	Emoji Emoji `json:"emoji"`
	// MessageAuthorID is the author of the message reacted to; 0 when
	// missing.
	MessageAuthorID Snowflake `json:"message_author_id,omitzero"`
	// Burst tells whether it is a super reaction.
	Burst bool `json:"burst"`
	// BurstColors are the colours of a super reaction, as "#rrggbb"
	// strings; nil when missing.
	BurstColors []string `json:"burst_colors,omitzero"`
	// Type is 0 for a normal reaction, 1 for a super (burst) reaction.
	Type int `json:"type"`
}

// MessageReactionRemove is MESSAGE_REACTION_REMOVE.
type MessageReactionRemove struct {
	// UserID is the user whose reaction was removed.
	UserID Snowflake `json:"user_id"`
	// ChannelID is the message's channel.
	ChannelID Snowflake `json:"channel_id"`
	// MessageID is the message reacted to.
	MessageID Snowflake `json:"message_id"`
	// GuildID is the channel's guild; 0 in a DM.
	GuildID Snowflake `json:"guild_id,omitzero"`
	// Emoji is the reaction's emoji (ID, name, and animated for custom
	// emojis); Name is empty when Discord no longer knows a custom emoji.
	Emoji Emoji `json:"emoji"`
	// Burst tells whether it is a super reaction.
	Burst bool `json:"burst"`
	// Type is 0 for a normal reaction, 1 for a super (burst) reaction.
	Type int `json:"type"`
}

// MessageReactionRemoveAll is MESSAGE_REACTION_REMOVE_ALL.
type MessageReactionRemoveAll struct {
	// ChannelID is the message's channel.
	ChannelID Snowflake `json:"channel_id"`
	// MessageID is the message whose reactions were all removed.
	MessageID Snowflake `json:"message_id"`
	// GuildID is the channel's guild; 0 in a DM.
	GuildID Snowflake `json:"guild_id,omitzero"`
}

// MessageReactionRemoveEmoji is MESSAGE_REACTION_REMOVE_EMOJI.
type MessageReactionRemoveEmoji struct {
	// ChannelID is the message's channel.
	ChannelID Snowflake `json:"channel_id"`
	// GuildID is the channel's guild; 0 in a DM.
	GuildID Snowflake `json:"guild_id,omitzero"`
	// MessageID is the message whose reactions with Emoji were removed.
	MessageID Snowflake `json:"message_id"`
	// Emoji is the emoji whose reactions were removed.
	Emoji Emoji `json:"emoji"`
}

// MessagePollVoteAdd is MESSAGE_POLL_VOTE_ADD.
type MessagePollVoteAdd struct {
	// UserID is the user who voted.
	UserID Snowflake `json:"user_id"`
	// ChannelID is the poll message's channel.
	ChannelID Snowflake `json:"channel_id"`
	// MessageID is the poll's message.
	MessageID Snowflake `json:"message_id"`
	// GuildID is the channel's guild; 0 in a DM.
	GuildID Snowflake `json:"guild_id,omitzero"`
	// AnswerID is the answer voted for (answer IDs count from 1).
	AnswerID int `json:"answer_id"`
}

// MessagePollVoteRemove is MESSAGE_POLL_VOTE_REMOVE.
type MessagePollVoteRemove struct {
	// UserID is the user who took back the vote.
	UserID Snowflake `json:"user_id"`
	// ChannelID is the poll message's channel.
	ChannelID Snowflake `json:"channel_id"`
	// MessageID is the poll's message.
	MessageID Snowflake `json:"message_id"`
	// GuildID is the channel's guild; 0 in a DM.
	GuildID Snowflake `json:"guild_id,omitzero"`
	// AnswerID is the answer voted for (answer IDs count from 1).
	AnswerID int `json:"answer_id"`
}
