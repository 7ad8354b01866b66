package discord

// Entitlement is a user's or guild's access to a premium offering (SKU).
type Entitlement struct {
	// ID is the entitlement's ID.
	ID Snowflake `json:"id"`
	// SKUID is the SKU the entitlement grants.
	SKUID Snowflake `json:"sku_id"`
	// ApplicationID is the application the SKU belongs to.
	ApplicationID Snowflake `json:"application_id"`
	// UserID is the user granted the SKU; 0 when missing (a guild
	// entitlement).
	UserID Snowflake `json:"user_id,omitzero"`
	// Type is how the entitlement came about (1 purchase, 4 test mode
	// purchase, 8 application subscription, ...).
	Type int `json:"type"`
	// Deleted tells whether the entitlement was deleted.
	Deleted bool `json:"deleted"`
	// StartsAt is when the entitlement starts; null for one that is valid
	// forever (test entitlements).
	StartsAt Optional[Timestamp] `json:"starts_at,omitzero"`
	// EndsAt is when the entitlement stops being valid; null for one that
	// does not end.
	EndsAt Optional[Timestamp] `json:"ends_at,omitzero"`
	// GuildID is the guild granted the SKU; 0 when missing (a user
	// entitlement).
	GuildID Snowflake `json:"guild_id,omitzero"`
	// Consumed tells, for a consumable SKU, whether it was used up.
	Consumed Optional[bool] `json:"consumed,omitzero"`
	// PromotionID is the promotion the entitlement came from; null when
	// none. Seen in Discord's example entitlement, not in its field table.
	PromotionID Optional[Snowflake] `json:"promotion_id,omitzero"`
	// GiftCodeFlags are the flags of the gift code that granted the
	// entitlement, if any. Seen in Discord's example entitlement, not in
	// its field table.
	GiftCodeFlags Optional[int] `json:"gift_code_flags,omitzero"`
	// SubscriptionID is the subscription that granted the entitlement; 0
	// when missing. Seen in Discord's example entitlement, not in its
	// field table.
	SubscriptionID Snowflake `json:"subscription_id,omitzero"`
}

// Subscription is a user's subscription to an application's SKUs.
type Subscription struct {
	// ID is the subscription's ID (its timestamp is when it started).
	ID Snowflake `json:"id"`
	// UserID is the subscribed user.
	UserID Snowflake `json:"user_id"`
	// SKUIDs are the SKUs subscribed to.
	SKUIDs []Snowflake `json:"sku_ids"`
	// EntitlementIDs are the entitlements the subscription granted.
	EntitlementIDs []Snowflake `json:"entitlement_ids"`
	// RenewalSKUIDs are the SKUs the user will be subscribed to at renewal;
	// nil when null.
	RenewalSKUIDs []Snowflake `json:"renewal_sku_ids"`
	// CurrentPeriodStart is when the current billing period began.
	CurrentPeriodStart Timestamp `json:"current_period_start"`
	// CurrentPeriodEnd is when the current billing period ends.
	CurrentPeriodEnd Timestamp `json:"current_period_end"`
	// Status is 0 active, 1 ending (will not renew), 2 inactive.
	Status int `json:"status"`
	// CanceledAt is when the subscription was canceled; null when it was
	// not.
	CanceledAt Optional[Timestamp] `json:"canceled_at,omitzero"`
	// Country is the ISO 3166-1 alpha-2 country of the payment source;
	// empty when missing (it needs a private OAuth scope).
	Country string `json:"country,omitzero"`
}
