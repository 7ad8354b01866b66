package discord

// Emoji is a custom emoji (ID set) or a Unicode one (ID zero, Name the
// character).
type Emoji struct {
	ID            Snowflake       `json:"id"`
	Name          string          `json:"name" discord:"null"`
	Roles         []Snowflake     `json:"roles,omitzero"`
	User          *User           `json:"user,omitzero"`
	RequireColons Optional[bool]  `json:"require_colons,omitzero"`
	Managed       Optional[bool]  `json:"managed,omitzero"`
	Animated      Optional[bool]  `json:"animated,omitzero"`
	Available     Optional[bool]  `json:"available,omitzero"`
	Version       Optional[int64] `json:"version,omitzero"`
}

// Sticker is a sticker that can be sent in messages.
type Sticker struct {
	ID          Snowflake        `json:"id"`
	PackID      Snowflake        `json:"pack_id,omitzero"`
	Name        string           `json:"name"`
	Description Optional[string] `json:"description,omitzero"`
	Asset       Optional[string] `json:"asset,omitzero"`
	Tags        string           `json:"tags"`
	Type        int              `json:"type"`
	FormatType  int              `json:"format_type"`
	Available   Optional[bool]   `json:"available,omitzero"`
	GuildID     Snowflake        `json:"guild_id,omitzero"`
	User        *User            `json:"user,omitzero"`
	SortValue   Optional[int]    `json:"sort_value,omitzero"`
}

// StickerItem is the short form of a sticker inside a message.
type StickerItem struct {
	ID         Snowflake `json:"id"`
	Name       string    `json:"name"`
	FormatType int       `json:"format_type"`
}
