package discord

// Guild is a guild (a server). GUILD_CREATE sends it with more fields, see
// GuildCreate.
type Guild struct {
	ID                          Snowflake             `json:"id"`
	Name                        string                `json:"name"`
	Icon                        Optional[string]      `json:"icon,omitzero"`
	IconHash                    Optional[string]      `json:"icon_hash,omitzero"`
	Splash                      Optional[string]      `json:"splash,omitzero"`
	DiscoverySplash             Optional[string]      `json:"discovery_splash,omitzero"`
	Owner                       Optional[bool]        `json:"owner,omitzero"`
	OwnerID                     Snowflake             `json:"owner_id"`
	Permissions                 Optional[Permissions] `json:"permissions,omitzero"`
	Region                      Optional[string]      `json:"region,omitzero"`
	AFKChannelID                Optional[Snowflake]   `json:"afk_channel_id,omitzero"`
	AFKTimeout                  int                   `json:"afk_timeout"`
	WidgetEnabled               Optional[bool]        `json:"widget_enabled,omitzero"`
	WidgetChannelID             Optional[Snowflake]   `json:"widget_channel_id,omitzero"`
	VerificationLevel           int                   `json:"verification_level"`
	DefaultMessageNotifications int                   `json:"default_message_notifications"`
	ExplicitContentFilter       int                   `json:"explicit_content_filter"`
	Roles                       []Role                `json:"roles"`
	Emojis                      []Emoji               `json:"emojis"`
	Features                    []string              `json:"features"`
	MFALevel                    int                   `json:"mfa_level"`
	ApplicationID               Optional[Snowflake]   `json:"application_id,omitzero"`
	SystemChannelID             Optional[Snowflake]   `json:"system_channel_id,omitzero"`
	SystemChannelFlags          int                   `json:"system_channel_flags"`
	RulesChannelID              Optional[Snowflake]   `json:"rules_channel_id,omitzero"`
	MaxPresences                Optional[int]         `json:"max_presences,omitzero"`
	MaxMembers                  Optional[int]         `json:"max_members,omitzero"`
	VanityURLCode               Optional[string]      `json:"vanity_url_code,omitzero"`
	Description                 Optional[string]      `json:"description,omitzero"`
	Banner                      Optional[string]      `json:"banner,omitzero"`
	PremiumTier                 int                   `json:"premium_tier"`
	PremiumSubscriptionCount    Optional[int]         `json:"premium_subscription_count,omitzero"`
	PreferredLocale             string                `json:"preferred_locale"`
	PublicUpdatesChannelID      Optional[Snowflake]   `json:"public_updates_channel_id,omitzero"`
	MaxVideoChannelUsers        Optional[int]         `json:"max_video_channel_users,omitzero"`
	MaxStageVideoChannelUsers   Optional[int]         `json:"max_stage_video_channel_users,omitzero"`
	ApproximateMemberCount      Optional[int]         `json:"approximate_member_count,omitzero"`
	ApproximatePresenceCount    Optional[int]         `json:"approximate_presence_count,omitzero"`
	WelcomeScreen               Raw                   `json:"welcome_screen,omitzero"`
	NSFWLevel                   int                   `json:"nsfw_level"`
	NSFW                        Optional[bool]        `json:"nsfw,omitzero"`
	Stickers                    []Sticker             `json:"stickers,omitzero"`
	PremiumProgressBarEnabled   bool                  `json:"premium_progress_bar_enabled"`
	SafetyAlertsChannelID       Optional[Snowflake]   `json:"safety_alerts_channel_id,omitzero"`
	IncidentsData               Raw                   `json:"incidents_data,omitzero"`
	HubType                     Optional[int]         `json:"hub_type,omitzero"`
	LatestOnboardingQuestionID  Optional[Snowflake]   `json:"latest_onboarding_question_id,omitzero"`
	HomeHeader                  Optional[string]      `json:"home_header,omitzero"`
	InventorySettings           Raw                   `json:"inventory_settings,omitzero"`
	Profile                     Raw                   `json:"profile,omitzero"`
	ApplicationCommandCounts    Raw                   `json:"application_command_counts,omitzero"`
	Version                     Optional[int64]       `json:"version,omitzero"`
}

// GuildCreate is GUILD_CREATE: a guild as it becomes available (or is
// joined), with everything a bot needs to know about it at once. An
// unavailable guild has only ID and Unavailable.
type GuildCreate struct {
	Guild
	JoinedAt             Timestamp         `json:"joined_at,omitzero"`
	Large                Optional[bool]    `json:"large,omitzero"`
	Unavailable          Optional[bool]    `json:"unavailable,omitzero"`
	Lazy                 Optional[bool]    `json:"lazy,omitzero"`
	MemberCount          Optional[int]     `json:"member_count,omitzero"`
	VoiceStates          []VoiceState      `json:"voice_states,omitzero"`
	Members              []Member          `json:"members,omitzero"`
	Channels             []Channel         `json:"channels,omitzero"`
	Threads              []Channel         `json:"threads,omitzero"`
	Presences            []Presence        `json:"presences,omitzero"`
	StageInstances       []StageInstance   `json:"stage_instances,omitzero"`
	GuildScheduledEvents []ScheduledEvent  `json:"guild_scheduled_events,omitzero"`
	SoundboardSounds     []SoundboardSound `json:"soundboard_sounds,omitzero"`
	EmbeddedActivities   Raw               `json:"embedded_activities,omitzero"`
	ActivityInstances    Raw               `json:"activity_instances,omitzero"`
}

// UnavailableGuild is a guild that is not (yet) available: in READY, and
// in GUILD_DELETE (Unavailable false there means the bot left or was
// removed).
type UnavailableGuild struct {
	ID          Snowflake      `json:"id"`
	Unavailable Optional[bool] `json:"unavailable,omitzero"`
}
