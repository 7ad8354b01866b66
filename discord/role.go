package discord

// Role is a guild role.
type Role struct {
	ID           Snowflake            `json:"id"`
	Name         string               `json:"name"`
	Color        int                  `json:"color"`
	Colors       Optional[RoleColors] `json:"colors,omitzero"`
	Hoist        bool                 `json:"hoist"`
	Icon         Optional[string]     `json:"icon,omitzero"`
	UnicodeEmoji Optional[string]     `json:"unicode_emoji,omitzero"`
	Position     int                  `json:"position"`
	Permissions  Permissions          `json:"permissions"`
	Managed      bool                 `json:"managed"`
	Mentionable  bool                 `json:"mentionable"`
	Tags         Optional[RoleTags]   `json:"tags,omitzero"`
	Flags        int                  `json:"flags"`
	Version      Optional[int64]      `json:"version,omitzero"`
}

// RoleColors are a role's colours (a gradient when secondary is set).
type RoleColors struct {
	PrimaryColor   int           `json:"primary_color"`
	SecondaryColor Optional[int] `json:"secondary_color,omitzero"`
	TertiaryColor  Optional[int] `json:"tertiary_color,omitzero"`
}

// RoleTags say what a managed role belongs to. The flag-like fields
// (premium_subscriber, ...) are present-and-null when true, so they are Raw.
type RoleTags struct {
	BotID                 Snowflake `json:"bot_id,omitzero"`
	IntegrationID         Snowflake `json:"integration_id,omitzero"`
	PremiumSubscriber     Raw       `json:"premium_subscriber,omitzero"`
	SubscriptionListingID Snowflake `json:"subscription_listing_id,omitzero"`
	AvailableForPurchase  Raw       `json:"available_for_purchase,omitzero"`
	GuildConnections      Raw       `json:"guild_connections,omitzero"`
}
