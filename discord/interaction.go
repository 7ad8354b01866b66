package discord

// Interaction is a slash command, component click, modal submit or
// autocomplete request. Data is kept raw: its shape depends on Type.
type Interaction struct {
	// ID is the interaction's ID.
	ID Snowflake `json:"id"`
	// ApplicationID is the application the interaction is for.
	ApplicationID Snowflake `json:"application_id"`
	// Type is the kind of interaction (ping, command, component,
	// autocomplete, modal submit).
	Type InteractionType `json:"type"`
	// Data is the command, component or modal data, raw: its shape depends
	// on Type; nil for a ping.
	Data Raw `json:"data,omitzero"`
	// Guild is the partial guild the interaction came from, raw; nil when
	// missing.
	Guild Raw `json:"guild,omitzero"`
	// GuildID is the guild the interaction came from; 0 outside guilds.
	GuildID Snowflake `json:"guild_id,omitzero"`
	// Channel is the partial channel the interaction came from; nil when
	// missing.
	Channel *Channel `json:"channel,omitzero"`
	// ChannelID is the channel the interaction came from; 0 when missing.
	ChannelID Snowflake `json:"channel_id,omitzero"`
	// Member is the invoking member, with its permissions, in a guild; nil
	// elsewhere (then User is set).
	Member *Member `json:"member,omitzero"`
	// User is the invoking user outside a guild; nil in a guild (see
	// Member.User).
	User *User `json:"user,omitzero"`
	// Token is the token to answer the interaction with, valid 15 minutes
	// (a Secret: printing it shows [REDACTED]).
	Token Secret `json:"token"`
	// Version is always 1.
	Version int `json:"version"`
	// Message is the message a component was on; nil for other
	// interactions.
	Message *Message `json:"message,omitzero"`
	// AppPermissions are the bot's permissions in the channel.
	AppPermissions Permissions `json:"app_permissions"`
	// Locale is the invoking user's language; empty for a ping.
	Locale string `json:"locale,omitzero"`
	// GuildLocale is the guild's preferred language, in a guild; empty
	// elsewhere.
	GuildLocale string `json:"guild_locale,omitzero"`
	// Entitlements are the invoking user's and guild's entitlements to the
	// application's SKUs.
	Entitlements []Entitlement `json:"entitlements"`
	// EntitlementSKUIDs is an older list of the SKUs the user is entitled
	// to; nil when missing.
	EntitlementSKUIDs []Snowflake `json:"entitlement_sku_ids,omitzero"`
	// AuthorizingIntegrationOwners maps each installation context that
	// authorized the interaction ("0" guild, "1" user) to its guild or user
	// ID, raw.
	AuthorizingIntegrationOwners Raw `json:"authorizing_integration_owners,omitzero"`
	// Context is where the interaction was triggered (0 a guild, 1 the
	// bot's DM, 2 another private channel).
	Context Optional[int] `json:"context,omitzero"`
	// AttachmentSizeLimit is the largest attachment the answer may have, in
	// bytes; 0 when missing.
	AttachmentSizeLimit int64 `json:"attachment_size_limit,omitzero"`
}

// InteractionType is an interaction's type (2 application command, 3
// message component, ...).
type InteractionType int

// The interaction types.
const (
	InteractionPing                           InteractionType = 1
	InteractionApplicationCommand             InteractionType = 2
	InteractionMessageComponent               InteractionType = 3
	InteractionApplicationCommandAutocomplete InteractionType = 4
	InteractionModalSubmit                    InteractionType = 5
)
