package discord

// Entitlement is a user's or guild's access to a premium offering (SKU).
type Entitlement struct {
	ID            Snowflake           `json:"id"`
	SKUID         Snowflake           `json:"sku_id"`
	ApplicationID Snowflake           `json:"application_id"`
	UserID        Snowflake           `json:"user_id,omitzero"`
	Type          int                 `json:"type"`
	Deleted       bool                `json:"deleted"`
	StartsAt      Optional[Timestamp] `json:"starts_at,omitzero"`
	EndsAt        Optional[Timestamp] `json:"ends_at,omitzero"`
	GuildID       Snowflake           `json:"guild_id,omitzero"`
	Consumed      Optional[bool]      `json:"consumed,omitzero"`
}

// Subscription is a user's subscription to an application's SKUs.
type Subscription struct {
	ID                 Snowflake           `json:"id"`
	UserID             Snowflake           `json:"user_id"`
	SKUIDs             []Snowflake         `json:"sku_ids"`
	EntitlementIDs     []Snowflake         `json:"entitlement_ids"`
	RenewalSKUIDs      []Snowflake         `json:"renewal_sku_ids"`
	CurrentPeriodStart Timestamp           `json:"current_period_start"`
	CurrentPeriodEnd   Timestamp           `json:"current_period_end"`
	Status             int                 `json:"status"`
	CanceledAt         Optional[Timestamp] `json:"canceled_at,omitzero"`
	Country            string              `json:"country,omitzero"`
}
