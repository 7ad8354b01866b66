package discord

// Ready is READY: the session is established. Guilds lists the bot's
// guilds as unavailable; each arrives later as a GUILD_CREATE.
type Ready struct {
	V                    int                `json:"v"`
	User                 User               `json:"user"`
	Guilds               []UnavailableGuild `json:"guilds"`
	SessionID            string             `json:"session_id"`
	ResumeGatewayURL     string             `json:"resume_gateway_url"`
	Shard                []int              `json:"shard,omitzero"`
	Application          ReadyApplication   `json:"application"`
	PrivateChannels      Raw                `json:"private_channels,omitzero"`
	Presences            Raw                `json:"presences,omitzero"`
	Relationships        Raw                `json:"relationships,omitzero"`
	GuildJoinRequests    Raw                `json:"guild_join_requests,omitzero"`
	UserSettings         Raw                `json:"user_settings,omitzero"`
	SessionType          string             `json:"session_type,omitzero"`
	Auth                 Raw                `json:"auth,omitzero"`
	GeoOrderedRTCRegions []string           `json:"geo_ordered_rtc_regions,omitzero"`
	Trace                Raw                `json:"_trace,omitzero"`
}

// ReadyApplication is the partial application in READY.
type ReadyApplication struct {
	ID    Snowflake `json:"id"`
	Flags int64     `json:"flags"`
}

// Resumed is RESUMED: a resume replayed every missed event.
type Resumed struct {
	Trace Raw `json:"_trace,omitzero"`
}

// RateLimited is RATE_LIMITED: a gateway command (Opcode) was refused for
// RetryAfter seconds. Meta depends on the opcode (for request guild
// members: guild_id and nonce).
type RateLimited struct {
	Opcode     int     `json:"opcode"`
	RetryAfter float64 `json:"retry_after"`
	Meta       Raw     `json:"meta,omitzero"`
}

// ApplicationCommandPermissionsUpdate is APPLICATION_COMMAND_PERMISSIONS_UPDATE.
// Permissions holds the command's permission overwrites, raw.
type ApplicationCommandPermissionsUpdate struct {
	ID            Snowflake `json:"id"`
	ApplicationID Snowflake `json:"application_id"`
	GuildID       Snowflake `json:"guild_id"`
	Permissions   Raw       `json:"permissions"`
}

// UserUpdate is USER_UPDATE: the bot's own user changed.
type UserUpdate struct{ User }

// InteractionCreate is INTERACTION_CREATE.
type InteractionCreate struct{ Interaction }

// EntitlementCreate is ENTITLEMENT_CREATE.
type EntitlementCreate struct{ Entitlement }

// EntitlementUpdate is ENTITLEMENT_UPDATE.
type EntitlementUpdate struct{ Entitlement }

// EntitlementDelete is ENTITLEMENT_DELETE.
type EntitlementDelete struct{ Entitlement }

// SubscriptionCreate is SUBSCRIPTION_CREATE.
type SubscriptionCreate struct{ Subscription }

// SubscriptionUpdate is SUBSCRIPTION_UPDATE.
type SubscriptionUpdate struct{ Subscription }

// SubscriptionDelete is SUBSCRIPTION_DELETE.
type SubscriptionDelete struct{ Subscription }

// PresenceUpdate is PRESENCE_UPDATE.
type PresenceUpdate struct{ Presence }

// AutoModerationRuleCreate is AUTO_MODERATION_RULE_CREATE.
type AutoModerationRuleCreate struct{ AutoModerationRule }

// AutoModerationRuleUpdate is AUTO_MODERATION_RULE_UPDATE.
type AutoModerationRuleUpdate struct{ AutoModerationRule }

// AutoModerationRuleDelete is AUTO_MODERATION_RULE_DELETE.
type AutoModerationRuleDelete struct{ AutoModerationRule }

// AutoModerationActionExecution is AUTO_MODERATION_ACTION_EXECUTION: a rule
// triggered and its action ran.
type AutoModerationActionExecution struct {
	GuildID              Snowflake            `json:"guild_id"`
	Action               AutoModerationAction `json:"action"`
	RuleID               Snowflake            `json:"rule_id"`
	RuleTriggerType      int                  `json:"rule_trigger_type"`
	UserID               Snowflake            `json:"user_id"`
	ChannelID            Snowflake            `json:"channel_id,omitzero"`
	MessageID            Snowflake            `json:"message_id,omitzero"`
	AlertSystemMessageID Snowflake            `json:"alert_system_message_id,omitzero"`
	Content              string               `json:"content"`
	MatchedKeyword       Optional[string]     `json:"matched_keyword,omitzero"`
	MatchedContent       Optional[string]     `json:"matched_content,omitzero"`
}
