package discord

// Interaction is a slash command, component click, modal submit or
// autocomplete request. Data is kept raw: its shape depends on Type.
type Interaction struct {
	ID                           Snowflake       `json:"id"`
	ApplicationID                Snowflake       `json:"application_id"`
	Type                         InteractionType `json:"type"`
	Data                         Raw             `json:"data,omitzero"`
	Guild                        Raw             `json:"guild,omitzero"`
	GuildID                      Snowflake       `json:"guild_id,omitzero"`
	Channel                      *Channel        `json:"channel,omitzero"`
	ChannelID                    Snowflake       `json:"channel_id,omitzero"`
	Member                       *Member         `json:"member,omitzero"`
	User                         *User           `json:"user,omitzero"`
	Token                        Secret          `json:"token"`
	Version                      int             `json:"version"`
	Message                      *Message        `json:"message,omitzero"`
	AppPermissions               Permissions     `json:"app_permissions"`
	Locale                       string          `json:"locale,omitzero"`
	GuildLocale                  string          `json:"guild_locale,omitzero"`
	Entitlements                 []Entitlement   `json:"entitlements"`
	EntitlementSKUIDs            []Snowflake     `json:"entitlement_sku_ids,omitzero"`
	AuthorizingIntegrationOwners Raw             `json:"authorizing_integration_owners,omitzero"`
	Context                      Optional[int]   `json:"context,omitzero"`
	AttachmentSizeLimit          int64           `json:"attachment_size_limit,omitzero"`
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
