package discord

// User is a Discord user, or a bot.
type User struct {
	ID                   Snowflake                   `json:"id"`
	Username             string                      `json:"username"`
	Discriminator        string                      `json:"discriminator"`
	GlobalName           string                      `json:"global_name" discord:"null"`
	Avatar               string                      `json:"avatar" discord:"null"`
	Bot                  bool                        `json:"bot,omitzero"`
	System               bool                        `json:"system,omitzero"`
	MFAEnabled           Optional[bool]              `json:"mfa_enabled,omitzero"`
	Verified             Optional[bool]              `json:"verified,omitzero"`
	Email                Optional[string]            `json:"email,omitzero"`
	Banner               Optional[string]            `json:"banner,omitzero"`
	AccentColor          Optional[int]               `json:"accent_color,omitzero"`
	Locale               string                      `json:"locale,omitzero"`
	Flags                Optional[UserFlags]         `json:"flags,omitzero"`
	PremiumType          Optional[int]               `json:"premium_type,omitzero"`
	PublicFlags          Optional[UserFlags]         `json:"public_flags,omitzero"`
	AvatarDecorationData Optional[*AvatarDecoration] `json:"avatar_decoration_data,omitzero"`
	Collectibles         Optional[*Collectibles]     `json:"collectibles,omitzero"`
	PrimaryGuild         Optional[*PrimaryGuild]     `json:"primary_guild,omitzero"`
	Clan                 Raw                         `json:"clan,omitzero"`
	DisplayNameStyles    Raw                         `json:"display_name_styles,omitzero"`
}

// UserFlags are the badges on a user's account (public_flags, flags).
type UserFlags uint64

// AvatarDecoration is the decoration drawn around a user's avatar.
type AvatarDecoration struct {
	Asset     string          `json:"asset"`
	SKUID     Snowflake       `json:"sku_id"`
	ExpiresAt Optional[int64] `json:"expires_at,omitzero"`
}

// Collectibles are the cosmetic items a user has equipped.
type Collectibles struct {
	Nameplate Optional[Nameplate] `json:"nameplate,omitzero"`
}

// Nameplate is a collectible shown behind a user's name.
type Nameplate struct {
	SKUID     Snowflake       `json:"sku_id"`
	Asset     string          `json:"asset"`
	Label     string          `json:"label"`
	Palette   string          `json:"palette"`
	ExpiresAt Optional[int64] `json:"expires_at,omitzero"`
}

// PrimaryGuild is the server tag a user shows next to their name.
type PrimaryGuild struct {
	IdentityGuildID Optional[Snowflake] `json:"identity_guild_id,omitzero"`
	IdentityEnabled Optional[bool]      `json:"identity_enabled,omitzero"`
	Tag             Optional[string]    `json:"tag,omitzero"`
	Badge           Optional[string]    `json:"badge,omitzero"`
}
