package discord

// Member is a user's membership of a guild. User is missing where the
// member comes with its user alongside (MESSAGE_CREATE's author and
// mentions). Nick and Avatar tell a null (none set; in an update, removed)
// from a missing field.
type Member struct {
	User                       *User                       `json:"user,omitzero"`
	Nick                       Optional[string]            `json:"nick,omitzero"`
	Avatar                     Optional[string]            `json:"avatar,omitzero"`
	Banner                     Optional[string]            `json:"banner,omitzero"`
	Roles                      []Snowflake                 `json:"roles"`
	JoinedAt                   Timestamp                   `json:"joined_at"`
	PremiumSince               Optional[Timestamp]         `json:"premium_since,omitzero"`
	Deaf                       Optional[bool]              `json:"deaf,omitzero"`
	Mute                       Optional[bool]              `json:"mute,omitzero"`
	Flags                      MemberFlags                 `json:"flags"`
	Pending                    Optional[bool]              `json:"pending,omitzero"`
	Permissions                Optional[Permissions]       `json:"permissions,omitzero"`
	CommunicationDisabledUntil Optional[Timestamp]         `json:"communication_disabled_until,omitzero"`
	UnusualDMActivityUntil     Optional[Timestamp]         `json:"unusual_dm_activity_until,omitzero"`
	AvatarDecorationData       Optional[*AvatarDecoration] `json:"avatar_decoration_data,omitzero"`
	Collectibles               Optional[*Collectibles]     `json:"collectibles,omitzero"`
	GuildID                    Snowflake                   `json:"guild_id,omitzero"`
}

// MemberFlags are flags on a guild membership (did rejoin, completed
// onboarding, ...).
type MemberFlags uint64
