package discord

// User is a Discord user, or a bot.
type User struct {
	// ID is the user's ID.
	ID Snowflake `json:"id"`
	// Username is the user's unique name.
	Username string `json:"username"`
	// Discriminator is the legacy four-digit tag; "0" for users who moved
	// to unique usernames.
	Discriminator string `json:"discriminator"`
	// GlobalName is the user's display name; empty when null (none set).
	GlobalName string `json:"global_name" discord:"null"`
	// Avatar is the user's avatar hash; empty when null (the default
	// avatar).
	Avatar string `json:"avatar" discord:"null"`
	// Bot tells whether the user is a bot (an application's user).
	Bot bool `json:"bot,omitzero"`
	// System tells whether the user is Discord's official system user.
	System bool `json:"system,omitzero"`
	// MFAEnabled tells whether the user has two-factor authentication on
	// (the bot's own user in READY).
	MFAEnabled Optional[bool] `json:"mfa_enabled,omitzero"`
	// Verified tells whether the user's email is verified (needs the email
	// scope).
	Verified Optional[bool] `json:"verified,omitzero"`
	// Email is the user's email address (needs the email scope); null when
	// none.
	Email Optional[string] `json:"email,omitzero"`
	// Banner is the user's banner hash; null for none.
	Banner Optional[string] `json:"banner,omitzero"`
	// AccentColor is the user's banner colour as 0xRRGGBB; null for none.
	AccentColor Optional[int] `json:"accent_color,omitzero"`
	// Locale is the user's chosen language; empty when missing.
	Locale string `json:"locale,omitzero"`
	// Flags are the badges on the user's account (see PublicFlags).
	Flags Optional[UserFlags] `json:"flags,omitzero"`
	// PremiumType is the user's Nitro level (0 none, 1 Classic, 2 Nitro, 3
	// Basic).
	PremiumType Optional[int] `json:"premium_type,omitzero"`
	// PublicFlags are the public badges on the user's account (staff,
	// partner, verified bot, ...).
	PublicFlags Optional[UserFlags] `json:"public_flags,omitzero"`
	// AvatarDecorationData is the decoration drawn around the avatar; null
	// for none.
	AvatarDecorationData Optional[*AvatarDecoration] `json:"avatar_decoration_data,omitzero"`
	// Collectibles are the user's equipped collectibles; null for none.
	Collectibles Optional[*Collectibles] `json:"collectibles,omitzero"`
	// PrimaryGuild is the server tag the user shows; null for none.
	PrimaryGuild Optional[*PrimaryGuild] `json:"primary_guild,omitzero"`
	// Clan is an older form of PrimaryGuild that Discord still sends; kept
	// raw.
	Clan Raw `json:"clan,omitzero"`
	// DisplayNameStyles are the font and colours of the user's display
	// name, undocumented; kept raw.
	DisplayNameStyles Raw `json:"display_name_styles,omitzero"`
}

// UserFlags are the badges on a user's account (public_flags, flags).
type UserFlags uint64

// AvatarDecoration is the decoration drawn around a user's avatar.
type AvatarDecoration struct {
	// Asset is the decoration's image hash.
	Asset string `json:"asset"`
	// SKUID is the decoration's SKU.
	SKUID Snowflake `json:"sku_id"`
	// ExpiresAt is when the decoration expires, in Unix seconds; null when
	// it does not.
	ExpiresAt Optional[int64] `json:"expires_at,omitzero"`
}

// Collectibles are the cosmetic items a user has equipped.
type Collectibles struct {
	// Nameplate is the user's nameplate; missing when none is equipped.
	Nameplate Optional[Nameplate] `json:"nameplate,omitzero"`
}

// Nameplate is a collectible shown behind a user's name.
type Nameplate struct {
	// SKUID is the nameplate's SKU.
	SKUID Snowflake `json:"sku_id"`
	// Asset is the path of the nameplate's image.
	Asset string `json:"asset"`
	// Label is the nameplate's label.
	Label string `json:"label"`
	// Palette is the nameplate's background colour name ("crimson",
	// "berry", ...).
	Palette string `json:"palette"`
	// ExpiresAt is when the nameplate expires, in Unix seconds; null when
	// it does not.
	ExpiresAt Optional[int64] `json:"expires_at,omitzero"`
}

// PrimaryGuild is the server tag a user shows next to their name.
type PrimaryGuild struct {
	// IdentityGuildID is the guild whose tag the user shows; null when
	// none.
	IdentityGuildID Optional[Snowflake] `json:"identity_guild_id,omitzero"`
	// IdentityEnabled tells whether the user shows the tag; null when
	// Discord cleared it (the guild lost the tag).
	IdentityEnabled Optional[bool] `json:"identity_enabled,omitzero"`
	// Tag is the tag's text (up to 4 characters); null for none.
	Tag Optional[string] `json:"tag,omitzero"`
	// Badge is the tag's badge image hash; null for none.
	Badge Optional[string] `json:"badge,omitzero"`
}
