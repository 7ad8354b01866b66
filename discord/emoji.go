package discord

// Emoji is a custom emoji (ID set) or a Unicode one (ID zero, Name the
// character).
type Emoji struct {
	// ID is a custom emoji's ID; 0 for a Unicode emoji (null in JSON).
	ID Snowflake `json:"id"`
	// Name is the emoji's name, or the character of a Unicode emoji; empty
	// when null (a reaction's custom emoji that was deleted).
	Name string `json:"name" discord:"null"`
	// Roles are the roles allowed to use the emoji; nil when missing.
	Roles []Snowflake `json:"roles,omitzero"`
	// User is who uploaded the emoji, when the bot may see it; nil
	// otherwise.
	User *User `json:"user,omitzero"`
	// RequireColons tells whether the emoji must be written inside colons.
	RequireColons Optional[bool] `json:"require_colons,omitzero"`
	// Managed tells whether an integration manages the emoji.
	Managed Optional[bool] `json:"managed,omitzero"`
	// Animated tells whether the emoji is animated.
	Animated Optional[bool] `json:"animated,omitzero"`
	// Available tells whether the emoji can be used (false after the guild
	// lost boosts).
	Available Optional[bool] `json:"available,omitzero"`
	// Version is a counter Discord bumps when the emoji changes.
	Version Optional[int64] `json:"version,omitzero"`
}

// Sticker is a sticker that can be sent in messages.
type Sticker struct {
	// ID is the sticker's ID.
	ID Snowflake `json:"id"`
	// PackID is a standard sticker's pack; 0 for guild stickers.
	PackID Snowflake `json:"pack_id,omitzero"`
	// Name is the sticker's name.
	Name string `json:"name"`
	// Description is the sticker's description; null when it has none.
	Description Optional[string] `json:"description,omitzero"`
	// Asset is a deprecated field Discord used to send (empty string); kept
	// as it came.
	Asset Optional[string] `json:"asset,omitzero"`
	// Tags are the sticker's suggestion keywords, one string
	// (comma-separated by convention).
	Tags string `json:"tags"`
	// Type is 1 for a standard sticker, 2 for a guild one.
	Type int `json:"type"`
	// FormatType is the image format (1 PNG, 2 APNG, 3 Lottie, 4 GIF).
	FormatType int `json:"format_type"`
	// Available tells whether a guild sticker can be used (false after the
	// guild lost boosts).
	Available Optional[bool] `json:"available,omitzero"`
	// GuildID is a guild sticker's guild; 0 when missing.
	GuildID Snowflake `json:"guild_id,omitzero"`
	// User is who uploaded a guild sticker, when the bot may see it; nil
	// otherwise.
	User *User `json:"user,omitzero"`
	// SortValue is a standard sticker's position in its pack.
	SortValue Optional[int] `json:"sort_value,omitzero"`
}

// StickerItem is the short form of a sticker inside a message.
type StickerItem struct {
	// ID is the sticker's ID.
	ID Snowflake `json:"id"`
	// Name is the sticker's name.
	Name string `json:"name"`
	// FormatType is the image format (1 PNG, 2 APNG, 3 Lottie, 4 GIF).
	FormatType int `json:"format_type"`
}
