package discord

// Presence is a user's status and activities in a guild (PRESENCE_UPDATE,
// and GUILD_CREATE's presences). User carries at least the ID.
type Presence struct {
	// User is the user the presence is for; only its ID is sure to be set.
	User PartialUser `json:"user"`
	// GuildID is the presence's guild; 0 when missing (inside
	// GUILD_CREATE).
	GuildID Snowflake `json:"guild_id,omitzero"`
	// Status is "online", "idle", "dnd" or "offline".
	Status string `json:"status"`
	// Activities are what the user is doing (playing, listening, a custom
	// status, ...).
	Activities []Activity `json:"activities"`
	// ClientStatus is the user's status on each kind of client.
	ClientStatus ClientStatus `json:"client_status"`
	// Broadcast is an undocumented field Discord sends (null); kept raw.
	Broadcast Raw `json:"broadcast,omitzero"`
}

// ClientStatus is a user's status on each kind of client ("online",
// "idle", "dnd"; empty when not on that client).
type ClientStatus struct {
	// Desktop is the status on the desktop application; empty when not on
	// it.
	Desktop string `json:"desktop,omitzero"`
	// Mobile is the status on a mobile application; empty when not on it.
	Mobile string `json:"mobile,omitzero"`
	// Web is the status in a web browser; empty when not on it.
	Web string `json:"web,omitzero"`
}

// Activity is something a user is doing (playing, listening, a custom
// status, ...).
type Activity struct {
	// Name is the activity's name (the game, the service, ...).
	Name string `json:"name"`
	// Type is the kind of activity (0 playing, 1 streaming, 2 listening, 3
	// watching, 4 custom status, 5 competing).
	Type ActivityType `json:"type"`
	// URL is a stream's URL (Twitch or YouTube); null or missing otherwise.
	URL Optional[string] `json:"url,omitzero"`
	// CreatedAt is when the activity was added to the session, in Unix
	// milliseconds.
	CreatedAt int64 `json:"created_at"`
	// Timestamps are when the activity started and ends; nil when missing.
	Timestamps *ActivityTimestamps `json:"timestamps,omitzero"`
	// ApplicationID is the game's application; 0 when missing.
	ApplicationID Snowflake `json:"application_id,omitzero"`
	// Details is what the user is doing; null or missing for none.
	Details Optional[string] `json:"details,omitzero"`
	// State is the party's status, or a custom status's text; null or
	// missing for none.
	State Optional[string] `json:"state,omitzero"`
	// Emoji is a custom status's emoji; null or missing for none.
	Emoji Optional[ActivityEmoji] `json:"emoji,omitzero"`
	// Party is the user's party (id and size), raw; nil when missing.
	Party Raw `json:"party,omitzero"`
	// Assets are the activity's images and their hover texts, raw; nil when
	// missing.
	Assets Raw `json:"assets,omitzero"`
	// Secrets are the join and spectate secrets of a Rich Presence, raw;
	// nil when missing.
	Secrets Raw `json:"secrets,omitzero"`
	// Instance tells whether the activity is an instanced game session.
	Instance Optional[bool] `json:"instance,omitzero"`
	// Flags are the activity's flags (instance, join, sync, play, ...).
	Flags int `json:"flags,omitzero"`
	// Buttons are the labels of the activity's custom buttons (their URLs
	// are not sent), raw; nil when missing.
	Buttons Raw `json:"buttons,omitzero"`
	// ID is an undocumented ID Discord gives the activity; empty when
	// missing.
	ID string `json:"id,omitzero"`
	// SessionID is an undocumented session ID (Spotify, ...); empty when
	// missing.
	SessionID string `json:"session_id,omitzero"`
	// SyncID is the ID of a synced external item (a Spotify track, ...);
	// empty when missing.
	SyncID string `json:"sync_id,omitzero"`
}

// ActivityType is an activity's type (0 playing, 2 listening, 4 custom,
// ...).
type ActivityType int

// ActivityTimestamps are when an activity started and ends, in Unix
// milliseconds (0 when not set).
type ActivityTimestamps struct {
	// Start is when the activity started, in Unix milliseconds; 0 when
	// missing.
	Start int64 `json:"start,omitzero"`
	// End is when the activity ends, in Unix milliseconds; 0 when missing.
	End int64 `json:"end,omitzero"`
}

// ActivityEmoji is the emoji of a custom status.
type ActivityEmoji struct {
	// Name is the emoji's name, or its character for a Unicode emoji.
	Name string `json:"name"`
	// ID is a custom emoji's ID; 0 when missing (a Unicode emoji).
	ID Snowflake `json:"id,omitzero"`
	// Animated tells whether a custom emoji is animated.
	Animated Optional[bool] `json:"animated,omitzero"`
}

// PartialUser is the user of a presence: only ID is sure to be there, the
// other fields come when they changed.
type PartialUser struct {
	// ID is the user's ID, always set.
	ID Snowflake `json:"id"`
	// Username is the user's unique name, when it changed.
	Username Optional[string] `json:"username,omitzero"`
	// Discriminator is the legacy tag, when it changed.
	Discriminator Optional[string] `json:"discriminator,omitzero"`
	// GlobalName is the display name, when it changed; null when it was
	// removed.
	GlobalName Optional[string] `json:"global_name,omitzero"`
	// Avatar is the avatar hash, when it changed; null for the default
	// avatar.
	Avatar Optional[string] `json:"avatar,omitzero"`
	// Bot tells whether the user is a bot.
	Bot Optional[bool] `json:"bot,omitzero"`
	// PublicFlags are the public badges on the account.
	PublicFlags Optional[UserFlags] `json:"public_flags,omitzero"`
	// AvatarDecorationData is the avatar decoration; null for none.
	AvatarDecorationData Optional[*AvatarDecoration] `json:"avatar_decoration_data,omitzero"`
	// Collectibles are the user's equipped collectibles; null for none.
	Collectibles Optional[*Collectibles] `json:"collectibles,omitzero"`
	// PrimaryGuild is the server tag the user shows; null for none.
	PrimaryGuild Optional[*PrimaryGuild] `json:"primary_guild,omitzero"`
	// Clan is an older form of PrimaryGuild that Discord still sends; kept
	// raw.
	Clan Raw `json:"clan,omitzero"`
	// DisplayNameStyles are the font and colours of the display name,
	// undocumented; kept raw.
	DisplayNameStyles Raw `json:"display_name_styles,omitzero"`
}
