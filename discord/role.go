package discord

// Role is a guild role.
type Role struct {
	// ID is the role's ID (the guild's ID for @everyone).
	ID Snowflake `json:"id"`
	// Name is the role's name.
	Name string `json:"name"`
	// Color is the role's colour as 0xRRGGBB; 0 means none. Deprecated by
	// Discord in favour of Colors.
	Color int `json:"color"`
	// Colors are the role's colours (a gradient when a secondary colour is
	// set).
	Colors Optional[RoleColors] `json:"colors,omitzero"`
	// Hoist tells whether the role's members are shown apart in the member
	// list.
	Hoist bool `json:"hoist"`
	// Icon is the role's icon hash; null for none.
	Icon Optional[string] `json:"icon,omitzero"`
	// UnicodeEmoji is the role's Unicode emoji; null for none.
	UnicodeEmoji Optional[string] `json:"unicode_emoji,omitzero"`
	// Position is the role's place in the hierarchy (roles with the same
	// position sort by ID).
	Position int `json:"position"`
	// Permissions are the permissions the role grants.
	Permissions Permissions `json:"permissions"`
	// Managed tells whether an integration manages the role.
	Managed bool `json:"managed"`
	// Mentionable tells whether anyone can mention the role.
	Mentionable bool `json:"mentionable"`
	// Tags say what a managed role belongs to (a bot, an integration,
	// boosting, ...); missing for ordinary roles.
	Tags Optional[RoleTags] `json:"tags,omitzero"`
	// Flags are the role's flags (1: can be picked in onboarding).
	Flags int `json:"flags"`
	// Version is a counter Discord bumps when the role changes.
	Version Optional[int64] `json:"version,omitzero"`
}

// RoleColors are a role's colours (a gradient when secondary is set).
type RoleColors struct {
	// PrimaryColor is the role's main colour as 0xRRGGBB.
	PrimaryColor int `json:"primary_color"`
	// SecondaryColor is the gradient's second colour; null for a plain
	// colour.
	SecondaryColor Optional[int] `json:"secondary_color,omitzero"`
	// TertiaryColor is the holographic style's third colour; null
	// otherwise.
	TertiaryColor Optional[int] `json:"tertiary_color,omitzero"`
}

// RoleTags say what a managed role belongs to. The flag-like fields
// (premium_subscriber, ...) are present-and-null when true, so they are Raw.
type RoleTags struct {
	// BotID is the bot the role belongs to; 0 when missing.
	BotID Snowflake `json:"bot_id,omitzero"`
	// IntegrationID is the integration the role belongs to; 0 when missing.
	IntegrationID Snowflake `json:"integration_id,omitzero"`
	// PremiumSubscriber is present (as null) on the guild's booster role;
	// nil when missing.
	PremiumSubscriber Raw `json:"premium_subscriber,omitzero"`
	// SubscriptionListingID is the role's subscription SKU; 0 when missing.
	SubscriptionListingID Snowflake `json:"subscription_listing_id,omitzero"`
	// AvailableForPurchase is present (as null) when the role can be
	// bought; nil when missing.
	AvailableForPurchase Raw `json:"available_for_purchase,omitzero"`
	// GuildConnections is present (as null) on a linked role; nil when
	// missing.
	GuildConnections Raw `json:"guild_connections,omitzero"`
}
