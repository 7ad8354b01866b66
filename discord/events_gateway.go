package discord

// Ready is READY: the session is established. Guilds lists the bot's
// guilds as unavailable; each arrives later as a GUILD_CREATE.
type Ready struct {
	// V is the gateway API version of the session.
	V int `json:"v"`
	// User is the bot's own user.
	User User `json:"user"`
	// Guilds are the bot's guilds, all unavailable until their
	// GUILD_CREATE.
	Guilds []UnavailableGuild `json:"guilds"`
	// SessionID identifies the session for a resume.
	SessionID string `json:"session_id"`
	// ResumeGatewayURL is the URL to resume the session on.
	ResumeGatewayURL string `json:"resume_gateway_url"`
	// Shard is the shard the session is, [shard_id, num_shards]; nil when
	// missing.
	Shard []int `json:"shard,omitzero"`
	// Application is the bot's application, its ID and flags.
	Application ReadyApplication `json:"application"`
	// PrivateChannels are the bot's DMs (empty for bots), raw.
	PrivateChannels Raw `json:"private_channels,omitzero"`
	// Presences are sent to user accounts, not bots; kept raw.
	Presences Raw `json:"presences,omitzero"`
	// Relationships are sent to user accounts, not bots; kept raw.
	Relationships Raw `json:"relationships,omitzero"`
	// GuildJoinRequests are sent to user accounts, not bots; kept raw.
	GuildJoinRequests Raw `json:"guild_join_requests,omitzero"`
	// UserSettings are sent to user accounts (empty for bots); kept raw.
	UserSettings Raw `json:"user_settings,omitzero"`
	// SessionType is the kind of session ("normal"); empty when missing.
	SessionType string `json:"session_type,omitzero"`
	// Auth is an undocumented object Discord sends (empty for bots); kept
	// raw.
	Auth Raw `json:"auth,omitzero"`
	// GeoOrderedRTCRegions are voice regions nearest first; nil when
	// missing.
	GeoOrderedRTCRegions []string `json:"geo_ordered_rtc_regions,omitzero"`
	// Trace is Discord's debugging trace of the servers the session went
	// through, raw.
	Trace Raw `json:"_trace,omitzero"`
}

// ReadyApplication is the partial application in READY.
type ReadyApplication struct {
	// ID is the application's ID.
	ID Snowflake `json:"id"`
	// Flags are the application's flags (gateway intents it was approved
	// for, ...).
	Flags int64 `json:"flags"`
}

// Resumed is RESUMED: a resume replayed every missed event.
type Resumed struct {
	// Trace is Discord's debugging trace of the servers the session went
	// through, raw.
	Trace Raw `json:"_trace,omitzero"`
}

// RateLimited is RATE_LIMITED: a gateway command (Opcode) was refused for
// RetryAfter seconds. Meta depends on the opcode (for request guild
// members: guild_id and nonce).
type RateLimited struct {
	// Opcode is the gateway command that was refused (8 for request guild
	// members).
	Opcode int `json:"opcode"`
	// RetryAfter is how long to wait before sending it again, in seconds.
	RetryAfter float64 `json:"retry_after"`
	// Meta is what the refusal is about, raw; for request guild members,
	// the guild_id and nonce.
	Meta Raw `json:"meta,omitzero"`
}

// ApplicationCommandPermissionsUpdate is APPLICATION_COMMAND_PERMISSIONS_UPDATE.
// Permissions holds the command's permission overwrites, raw.
type ApplicationCommandPermissionsUpdate struct {
	// ID is the command whose permissions changed, or the application's ID
	// for its application-wide permissions.
	ID Snowflake `json:"id"`
	// ApplicationID is the command's application.
	ApplicationID Snowflake `json:"application_id"`
	// GuildID is the guild the permissions apply in.
	GuildID Snowflake `json:"guild_id"`
	// Permissions are the command's permission overwrites (role, user or
	// channel; allowed or not), raw.
	Permissions Raw `json:"permissions"`
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
	// GuildID is the guild the rule belongs to.
	GuildID Snowflake `json:"guild_id"`
	// Action is the action that ran.
	Action AutoModerationAction `json:"action"`
	// RuleID is the rule that triggered.
	RuleID Snowflake `json:"rule_id"`
	// RuleTriggerType is the trigger type of that rule (see
	// AutoModerationRule.TriggerType).
	RuleTriggerType int `json:"rule_trigger_type"`
	// UserID is the user whose content triggered the rule.
	UserID Snowflake `json:"user_id"`
	// ChannelID is the channel of the content; 0 when missing.
	ChannelID Snowflake `json:"channel_id,omitzero"`
	// MessageID is the message that triggered the rule; 0 when missing (the
	// message was blocked, or it was not a message).
	MessageID Snowflake `json:"message_id,omitzero"`
	// AlertSystemMessageID is the alert message posted by a send-alert
	// action; 0 when missing.
	AlertSystemMessageID Snowflake `json:"alert_system_message_id,omitzero"`
	// Content is the content that triggered the rule; empty without the
	// message content intent.
	Content string `json:"content"`
	// MatchedKeyword is the rule's keyword or pattern that matched; null
	// when none did.
	MatchedKeyword Optional[string] `json:"matched_keyword,omitzero"`
	// MatchedContent is the part of Content that matched; null when none
	// did; empty without the message content intent.
	MatchedContent Optional[string] `json:"matched_content,omitzero"`
}
