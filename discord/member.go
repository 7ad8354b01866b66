package discord

// Member is a user's membership of a guild. User is missing where the
// member comes with its user alongside (MESSAGE_CREATE's author and
// mentions). Nick and Avatar tell a null (none set; in an update, removed)
// from a missing field.
type Member struct {
	// User is the member's user; nil where Discord leaves it out (in
	// MESSAGE_CREATE's member).
	User *User `json:"user,omitzero"`
	// Nick is the member's nickname in the guild; null when none is set (in
	// an update: removed).
	Nick Optional[string] `json:"nick,omitzero"`
	// Avatar is the member's guild avatar hash; null when none is set (in
	// an update: removed).
	Avatar Optional[string] `json:"avatar,omitzero"`
	// Banner is the member's guild banner hash; null when none is set.
	Banner Optional[string] `json:"banner,omitzero"`
	// Roles are the IDs of the member's roles.
	Roles []Snowflake `json:"roles"`
	// JoinedAt is when the user joined the guild; zero when Discord sends
	// null.
	JoinedAt Timestamp `json:"joined_at"`
	// PremiumSince is when the member started boosting the guild; null when
	// not boosting.
	PremiumSince Optional[Timestamp] `json:"premium_since,omitzero"`
	// Deaf tells whether the member is deafened in voice by the server;
	// missing in some events.
	Deaf Optional[bool] `json:"deaf,omitzero"`
	// Mute tells whether the member is muted in voice by the server;
	// missing in some events.
	Mute Optional[bool] `json:"mute,omitzero"`
	// Flags are the membership's flags (did rejoin, completed onboarding,
	// ...).
	Flags MemberFlags `json:"flags"`
	// Pending is true while the member has not passed membership screening;
	// in GUILD_ events always set, elsewhere missing.
	Pending Optional[bool] `json:"pending,omitzero"`
	// IsPending is an older name of Pending that Discord still sends in
	// some payloads (an interaction's invoking member); kept so that a
	// re-encoded payload loses nothing.
	IsPending Optional[bool] `json:"is_pending,omitzero"`
	// Permissions are the member's total permissions in the channel,
	// overwrites included (only in interactions).
	Permissions Optional[Permissions] `json:"permissions,omitzero"`
	// CommunicationDisabledUntil is when the member's timeout ends; null or
	// in the past when not timed out.
	CommunicationDisabledUntil Optional[Timestamp] `json:"communication_disabled_until,omitzero"`
	// UnusualDMActivityUntil is when the member's unusual DM activity flag
	// ends; null when not flagged.
	UnusualDMActivityUntil Optional[Timestamp] `json:"unusual_dm_activity_until,omitzero"`
	// AvatarDecorationData is the member's guild avatar decoration; null
	// when none is set.
	AvatarDecorationData Optional[*AvatarDecoration] `json:"avatar_decoration_data,omitzero"`
	// Collectibles are the member's guild collectibles; null when none.
	Collectibles Optional[*Collectibles] `json:"collectibles,omitzero"`
	// GuildID is the member's guild, in GUILD_MEMBER_ADD and
	// GUILD_MEMBER_UPDATE; 0 elsewhere.
	GuildID Snowflake `json:"guild_id,omitzero"`
}

// MemberFlags are flags on a guild membership (did rejoin, completed
// onboarding, ...).
type MemberFlags uint64
