package discord

// Guild is a guild (a server). GUILD_CREATE sends it with more fields, see
// GuildCreate.
type Guild struct {
	// ID is the guild's ID.
	ID Snowflake `json:"id"`
	// Name is the guild's name (2-100 characters).
	Name string `json:"name"`
	// Icon is the guild's icon hash; null when it has none.
	Icon Optional[string] `json:"icon,omitzero"`
	// IconHash is the icon hash in guild templates; missing elsewhere.
	IconHash Optional[string] `json:"icon_hash,omitzero"`
	// Splash is the invite splash image hash; null when none is set.
	Splash Optional[string] `json:"splash,omitzero"`
	// DiscoverySplash is the discovery splash image hash (discoverable
	// guilds); null when none is set.
	DiscoverySplash Optional[string] `json:"discovery_splash,omitzero"`
	// Owner tells whether the current user owns the guild (only from the
	// current user's guild list).
	Owner Optional[bool] `json:"owner,omitzero"`
	// OwnerID is the guild owner's user ID.
	OwnerID Snowflake `json:"owner_id"`
	// Permissions are the current user's total permissions in the guild,
	// overwrites left out (only from the current user's guild list).
	Permissions Optional[Permissions] `json:"permissions,omitzero"`
	// Region is the deprecated voice region of the guild; channels have
	// their own (Channel.RTCRegion).
	Region Optional[string] `json:"region,omitzero"`
	// AFKChannelID is the voice channel idle members are moved to; null
	// when none is set.
	AFKChannelID Optional[Snowflake] `json:"afk_channel_id,omitzero"`
	// AFKTimeout is how long a member may idle in voice before being moved,
	// in seconds.
	AFKTimeout int `json:"afk_timeout"`
	// WidgetEnabled tells whether the server widget is on.
	WidgetEnabled Optional[bool] `json:"widget_enabled,omitzero"`
	// WidgetChannelID is the channel the widget's invite leads to; null for
	// none.
	WidgetChannelID Optional[Snowflake] `json:"widget_channel_id,omitzero"`
	// VerificationLevel is what members need before they can talk (0 none,
	// 1 verified email, ... 4 verified phone).
	VerificationLevel int `json:"verification_level"`
	// DefaultMessageNotifications is the notification default for members
	// (0 all messages, 1 mentions only).
	DefaultMessageNotifications int `json:"default_message_notifications"`
	// ExplicitContentFilter is whose media gets scanned (0 nobody's, 1
	// members without roles, 2 everyone's).
	ExplicitContentFilter int `json:"explicit_content_filter"`
	// Roles are the guild's roles.
	Roles []Role `json:"roles"`
	// Emojis are the guild's custom emojis.
	Emojis []Emoji `json:"emojis"`
	// Features are the guild's feature flags ("COMMUNITY", "VERIFIED",
	// ...); unknown ones are kept.
	Features []string `json:"features"`
	// MFALevel is 1 when moderators need two-factor authentication, 0
	// otherwise.
	MFALevel int `json:"mfa_level"`
	// ApplicationID is the application that created the guild, if a bot
	// did; null otherwise.
	ApplicationID Optional[Snowflake] `json:"application_id,omitzero"`
	// SystemChannelID is the channel for system messages (joins, boosts);
	// null for none.
	SystemChannelID Optional[Snowflake] `json:"system_channel_id,omitzero"`
	// SystemChannelFlags turn kinds of system messages off, as a bit set.
	SystemChannelFlags int `json:"system_channel_flags"`
	// RulesChannelID is a community guild's rules channel; null for none.
	RulesChannelID Optional[Snowflake] `json:"rules_channel_id,omitzero"`
	// MaxPresences is the most presences the guild can have; null except
	// for the largest guilds.
	MaxPresences Optional[int] `json:"max_presences,omitzero"`
	// MaxMembers is the most members the guild can have.
	MaxMembers Optional[int] `json:"max_members,omitzero"`
	// VanityURLCode is the guild's vanity invite code; null for none.
	VanityURLCode Optional[string] `json:"vanity_url_code,omitzero"`
	// Description is the guild's description; null for none.
	Description Optional[string] `json:"description,omitzero"`
	// Banner is the guild's banner image hash; null for none.
	Banner Optional[string] `json:"banner,omitzero"`
	// PremiumTier is the guild's boost level (0 to 3).
	PremiumTier int `json:"premium_tier"`
	// PremiumSubscriptionCount is how many boosts the guild has.
	PremiumSubscriptionCount Optional[int] `json:"premium_subscription_count,omitzero"`
	// PreferredLocale is the community guild's language, such as "en-US".
	PreferredLocale string `json:"preferred_locale"`
	// PublicUpdatesChannelID is where a community guild gets notices from
	// Discord; null for none.
	PublicUpdatesChannelID Optional[Snowflake] `json:"public_updates_channel_id,omitzero"`
	// MaxVideoChannelUsers is the most users in a voice channel with video
	// on.
	MaxVideoChannelUsers Optional[int] `json:"max_video_channel_users,omitzero"`
	// MaxStageVideoChannelUsers is the most users in a stage channel with
	// video on.
	MaxStageVideoChannelUsers Optional[int] `json:"max_stage_video_channel_users,omitzero"`
	// ApproximateMemberCount is about how many members the guild has (only
	// when asked for with counts).
	ApproximateMemberCount Optional[int] `json:"approximate_member_count,omitzero"`
	// ApproximatePresenceCount is about how many members are online (only
	// when asked for with counts).
	ApproximatePresenceCount Optional[int] `json:"approximate_presence_count,omitzero"`
	// WelcomeScreen is a community guild's welcome screen (description and
	// channels), raw; nil when missing.
	WelcomeScreen Raw `json:"welcome_screen,omitzero"`
	// NSFWLevel is the guild's age rating (0 default, 1 explicit, 2 safe, 3
	// age restricted).
	NSFWLevel int `json:"nsfw_level"`
	// NSFW is an undocumented age-restriction flag Discord sends with some
	// guilds (NSFWLevel is the documented one).
	NSFW Optional[bool] `json:"nsfw,omitzero"`
	// Stickers are the guild's custom stickers; nil when missing.
	Stickers []Sticker `json:"stickers,omitzero"`
	// PremiumProgressBarEnabled tells whether the boost progress bar is
	// shown.
	PremiumProgressBarEnabled bool `json:"premium_progress_bar_enabled"`
	// SafetyAlertsChannelID is where a community guild gets safety alerts
	// from Discord; null for none.
	SafetyAlertsChannelID Optional[Snowflake] `json:"safety_alerts_channel_id,omitzero"`
	// IncidentsData is the guild's raid protection state (invites or DMs
	// paused until when), raw; nil when missing.
	IncidentsData Raw `json:"incidents_data,omitzero"`
	// HubType is the kind of student hub, for hub guilds; null otherwise.
	HubType Optional[int] `json:"hub_type,omitzero"`
	// LatestOnboardingQuestionID is the newest onboarding question; null
	// when there is none.
	LatestOnboardingQuestionID Optional[Snowflake] `json:"latest_onboarding_question_id,omitzero"`
	// HomeHeader is the server guide's header image hash; null for none.
	HomeHeader Optional[string] `json:"home_header,omitzero"`
	// InventorySettings are undocumented settings Discord sends; kept raw.
	InventorySettings Raw `json:"inventory_settings,omitzero"`
	// Profile is the guild's public profile (tag, badge, ...),
	// undocumented; kept raw.
	Profile Raw `json:"profile,omitzero"`
	// ApplicationCommandCounts are undocumented counts Discord sends; kept
	// raw.
	ApplicationCommandCounts Raw `json:"application_command_counts,omitzero"`
	// Version is a counter Discord bumps when the guild changes.
	Version Optional[int64] `json:"version,omitzero"`
}

// GuildCreate is GUILD_CREATE: a guild as it becomes available (or is
// joined), with everything a bot needs to know about it at once. An
// unavailable guild has only ID and Unavailable.
type GuildCreate struct {
	Guild
	// JoinedAt is when the bot joined the guild.
	JoinedAt Timestamp `json:"joined_at,omitzero"`
	// Large tells whether the guild counts as large (more members than the
	// identify large_threshold): then Members holds only some of them.
	Large Optional[bool] `json:"large,omitzero"`
	// Unavailable is true when the guild is down; then only ID is set.
	Unavailable Optional[bool] `json:"unavailable,omitzero"`
	// Lazy is an undocumented flag Discord sends.
	Lazy Optional[bool] `json:"lazy,omitzero"`
	// MemberCount is how many members the guild has.
	MemberCount Optional[int] `json:"member_count,omitzero"`
	// VoiceStates are the voice states of the members in voice channels
	// (without GuildID).
	VoiceStates []VoiceState `json:"voice_states,omitzero"`
	// Members are the guild's members; in a large guild only some of them
	// (ask for the others with RequestGuildMembers).
	Members []Member `json:"members,omitzero"`
	// Channels are the guild's channels (without GuildID).
	Channels []Channel `json:"channels,omitzero"`
	// Threads are the active threads the bot can see.
	Threads []Channel `json:"threads,omitzero"`
	// Presences are the members' presences (with the presences intent); in
	// a large guild only some of them.
	Presences []Presence `json:"presences,omitzero"`
	// StageInstances are the guild's live stages.
	StageInstances []StageInstance `json:"stage_instances,omitzero"`
	// GuildScheduledEvents are the guild's scheduled events.
	GuildScheduledEvents []ScheduledEvent `json:"guild_scheduled_events,omitzero"`
	// SoundboardSounds are the guild's soundboard sounds.
	SoundboardSounds []SoundboardSound `json:"soundboard_sounds,omitzero"`
	// EmbeddedActivities are undocumented; kept raw.
	EmbeddedActivities Raw `json:"embedded_activities,omitzero"`
	// ActivityInstances are undocumented; kept raw.
	ActivityInstances Raw `json:"activity_instances,omitzero"`
}

// UnavailableGuild is a guild that is not (yet) available: in READY, and
// in GUILD_DELETE (Unavailable false there means the bot left or was
// removed).
type UnavailableGuild struct {
	// ID is the guild's ID.
	ID Snowflake `json:"id"`
	// Unavailable is true while the guild is down or not yet sent; in
	// GUILD_DELETE, missing or false means the bot left or was removed.
	Unavailable Optional[bool] `json:"unavailable,omitzero"`
}
