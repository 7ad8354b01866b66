package discord

// Presence is a user's status and activities in a guild (PRESENCE_UPDATE,
// and GUILD_CREATE's presences). User carries at least the ID.
type Presence struct {
	User         PartialUser  `json:"user"`
	GuildID      Snowflake    `json:"guild_id,omitzero"`
	Status       string       `json:"status"`
	Activities   []Activity   `json:"activities"`
	ClientStatus ClientStatus `json:"client_status"`
	Broadcast    Raw          `json:"broadcast,omitzero"`
}

// ClientStatus is a user's status on each kind of client ("online",
// "idle", "dnd"; empty when not on that client).
type ClientStatus struct {
	Desktop string `json:"desktop,omitzero"`
	Mobile  string `json:"mobile,omitzero"`
	Web     string `json:"web,omitzero"`
}

// Activity is something a user is doing (playing, listening, a custom
// status, ...).
type Activity struct {
	Name          string                  `json:"name"`
	Type          ActivityType            `json:"type"`
	URL           Optional[string]        `json:"url,omitzero"`
	CreatedAt     int64                   `json:"created_at"`
	Timestamps    *ActivityTimestamps     `json:"timestamps,omitzero"`
	ApplicationID Snowflake               `json:"application_id,omitzero"`
	Details       Optional[string]        `json:"details,omitzero"`
	State         Optional[string]        `json:"state,omitzero"`
	Emoji         Optional[ActivityEmoji] `json:"emoji,omitzero"`
	Party         Raw                     `json:"party,omitzero"`
	Assets        Raw                     `json:"assets,omitzero"`
	Secrets       Raw                     `json:"secrets,omitzero"`
	Instance      Optional[bool]          `json:"instance,omitzero"`
	Flags         int                     `json:"flags,omitzero"`
	Buttons       Raw                     `json:"buttons,omitzero"`
	ID            string                  `json:"id,omitzero"`
	SessionID     string                  `json:"session_id,omitzero"`
	SyncID        string                  `json:"sync_id,omitzero"`
}

// ActivityType is an activity's type (0 playing, 2 listening, 4 custom,
// ...).
type ActivityType int

// ActivityTimestamps are when an activity started and ends, in Unix
// milliseconds (0 when not set).
type ActivityTimestamps struct {
	Start int64 `json:"start,omitzero"`
	End   int64 `json:"end,omitzero"`
}

// ActivityEmoji is the emoji of a custom status.
type ActivityEmoji struct {
	Name     string         `json:"name"`
	ID       Snowflake      `json:"id,omitzero"`
	Animated Optional[bool] `json:"animated,omitzero"`
}

// PartialUser is the user of a presence: only ID is sure to be there, the
// other fields come when they changed.
type PartialUser struct {
	ID                   Snowflake                   `json:"id"`
	Username             Optional[string]            `json:"username,omitzero"`
	Discriminator        Optional[string]            `json:"discriminator,omitzero"`
	GlobalName           Optional[string]            `json:"global_name,omitzero"`
	Avatar               Optional[string]            `json:"avatar,omitzero"`
	Bot                  Optional[bool]              `json:"bot,omitzero"`
	PublicFlags          Optional[UserFlags]         `json:"public_flags,omitzero"`
	AvatarDecorationData Optional[*AvatarDecoration] `json:"avatar_decoration_data,omitzero"`
	Collectibles         Optional[*Collectibles]     `json:"collectibles,omitzero"`
	PrimaryGuild         Optional[*PrimaryGuild]     `json:"primary_guild,omitzero"`
	Clan                 Raw                         `json:"clan,omitzero"`
	DisplayNameStyles    Raw                         `json:"display_name_styles,omitzero"`
}
