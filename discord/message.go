package discord

// Message is a message in a channel, as the gateway sends it: the REST
// message object plus guild_id and member (the author's membership) in
// guilds. Components are kept raw: their shape depends on their type.
type Message struct {
	ID                   Snowflake             `json:"id"`
	ChannelID            Snowflake             `json:"channel_id"`
	GuildID              Snowflake             `json:"guild_id,omitzero"`
	Author               User                  `json:"author"`
	Member               *Member               `json:"member,omitzero"`
	Content              string                `json:"content"`
	Timestamp            Timestamp             `json:"timestamp"`
	EditedTimestamp      Timestamp             `json:"edited_timestamp"`
	TTS                  bool                  `json:"tts"`
	MentionEveryone      bool                  `json:"mention_everyone"`
	Mentions             []Mention             `json:"mentions"`
	MentionRoles         []Snowflake           `json:"mention_roles"`
	MentionChannels      []ChannelMention      `json:"mention_channels,omitzero"`
	Attachments          []Attachment          `json:"attachments"`
	Embeds               []Embed               `json:"embeds"`
	Reactions            []Reaction            `json:"reactions,omitzero"`
	Nonce                Raw                   `json:"nonce,omitzero"`
	Pinned               bool                  `json:"pinned"`
	WebhookID            Snowflake             `json:"webhook_id,omitzero"`
	Type                 MessageType           `json:"type"`
	Activity             Raw                   `json:"activity,omitzero"`
	Application          Raw                   `json:"application,omitzero"`
	ApplicationID        Snowflake             `json:"application_id,omitzero"`
	Flags                MessageFlags          `json:"flags"`
	MessageReference     *MessageReference     `json:"message_reference,omitzero"`
	MessageSnapshots     Raw                   `json:"message_snapshots,omitzero"`
	ReferencedMessage    Optional[*Message]    `json:"referenced_message,omitzero"`
	InteractionMetadata  Raw                   `json:"interaction_metadata,omitzero"`
	Interaction          Raw                   `json:"interaction,omitzero"`
	Thread               *Channel              `json:"thread,omitzero"`
	Components           Raw                   `json:"components,omitzero"`
	StickerItems         []StickerItem         `json:"sticker_items,omitzero"`
	Position             Optional[int]         `json:"position,omitzero"`
	RoleSubscriptionData Raw                   `json:"role_subscription_data,omitzero"`
	Resolved             Raw                   `json:"resolved,omitzero"`
	Poll                 Raw                   `json:"poll,omitzero"`
	Call                 Raw                   `json:"call,omitzero"`
	ChannelType          Optional[ChannelType] `json:"channel_type,omitzero"`
}

// MessageType is a message's type (0 default, 19 reply, ...). Values this
// package does not know are kept.
type MessageType int

// MessageFlags are a message's flags (crossposted, ephemeral, ...).
type MessageFlags uint64

// Mention is a user mentioned in a message; in a guild's MESSAGE_CREATE it
// carries the user's membership (without its user).
type Mention struct {
	User
	Member *Member `json:"member,omitzero"`
}

// ChannelMention is a channel mentioned in a crossposted message.
type ChannelMention struct {
	ID      Snowflake   `json:"id"`
	GuildID Snowflake   `json:"guild_id"`
	Type    ChannelType `json:"type"`
	Name    string      `json:"name"`
}

// MessageReference points at the message a reply, forward or crosspost
// refers to.
type MessageReference struct {
	Type            Optional[int]  `json:"type,omitzero"`
	MessageID       Snowflake      `json:"message_id,omitzero"`
	ChannelID       Snowflake      `json:"channel_id,omitzero"`
	GuildID         Snowflake      `json:"guild_id,omitzero"`
	FailIfNotExists Optional[bool] `json:"fail_if_not_exists,omitzero"`
}

// Attachment is a file attached to a message.
type Attachment struct {
	ID                 Snowflake         `json:"id"`
	Filename           string            `json:"filename"`
	Title              string            `json:"title,omitzero"`
	Description        string            `json:"description,omitzero"`
	ContentType        string            `json:"content_type,omitzero"`
	Size               int64             `json:"size"`
	URL                string            `json:"url"`
	ProxyURL           string            `json:"proxy_url"`
	Height             Optional[int]     `json:"height,omitzero"`
	Width              Optional[int]     `json:"width,omitzero"`
	Ephemeral          bool              `json:"ephemeral,omitzero"`
	DurationSecs       Optional[float64] `json:"duration_secs,omitzero"`
	Waveform           string            `json:"waveform,omitzero"`
	Flags              int               `json:"flags,omitzero"`
	Placeholder        string            `json:"placeholder,omitzero"`
	PlaceholderVersion Optional[int]     `json:"placeholder_version,omitzero"`
	ContentScanVersion Optional[int]     `json:"content_scan_version,omitzero"`
}

// Embed is rich content in a message. Footer, Provider and Author are
// values (a missing one is zero); the media are pointers (nil when
// missing), since most embeds have none.
type Embed struct {
	Title              string        `json:"title,omitzero"`
	Type               string        `json:"type,omitzero"`
	Description        string        `json:"description,omitzero"`
	URL                string        `json:"url,omitzero"`
	Timestamp          Timestamp     `json:"timestamp,omitzero"`
	Color              Optional[int] `json:"color,omitzero"`
	Footer             EmbedFooter   `json:"footer,omitzero"`
	Image              *EmbedMedia   `json:"image,omitzero"`
	Thumbnail          *EmbedMedia   `json:"thumbnail,omitzero"`
	Video              *EmbedMedia   `json:"video,omitzero"`
	Provider           EmbedProvider `json:"provider,omitzero"`
	Author             EmbedAuthor   `json:"author,omitzero"`
	Fields             []EmbedField  `json:"fields,omitzero"`
	ContentScanVersion Optional[int] `json:"content_scan_version,omitzero"`
}

// EmbedFooter is the footer of an embed.
type EmbedFooter struct {
	Text         string `json:"text"`
	IconURL      string `json:"icon_url,omitzero"`
	ProxyIconURL string `json:"proxy_icon_url,omitzero"`
}

// EmbedMedia is an embed's image, thumbnail or video.
type EmbedMedia struct {
	URL                string        `json:"url,omitzero"`
	ProxyURL           string        `json:"proxy_url,omitzero"`
	Height             Optional[int] `json:"height,omitzero"`
	Width              Optional[int] `json:"width,omitzero"`
	Flags              Optional[int] `json:"flags,omitzero"`
	Placeholder        string        `json:"placeholder,omitzero"`
	PlaceholderVersion Optional[int] `json:"placeholder_version,omitzero"`
}

// EmbedProvider is who provided an embed.
type EmbedProvider struct {
	Name string `json:"name,omitzero"`
	URL  string `json:"url,omitzero"`
}

// EmbedAuthor is the author line of an embed.
type EmbedAuthor struct {
	Name         string `json:"name"`
	URL          string `json:"url,omitzero"`
	IconURL      string `json:"icon_url,omitzero"`
	ProxyIconURL string `json:"proxy_icon_url,omitzero"`
}

// EmbedField is a name/value pair in an embed.
type EmbedField struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline,omitzero"`
}

// Reaction is one emoji's reactions on a message.
type Reaction struct {
	Count        int                  `json:"count"`
	CountDetails ReactionCountDetails `json:"count_details"`
	Me           bool                 `json:"me"`
	MeBurst      bool                 `json:"me_burst"`
	Emoji        Emoji                `json:"emoji"`
	BurstColors  []string             `json:"burst_colors"`
	BurstCount   Optional[int]        `json:"burst_count,omitzero"`
	BurstMe      Optional[bool]       `json:"burst_me,omitzero"`
}

// ReactionCountDetails splits a reaction count into normal and super
// reactions.
type ReactionCountDetails struct {
	Burst  int `json:"burst"`
	Normal int `json:"normal"`
}
