package discord

// Message is a message in a channel, as the gateway sends it: the REST
// message object plus guild_id and member (the author's membership) in
// guilds. Components are kept raw: their shape depends on their type.
type Message struct {
	// ID is the message's ID (its timestamp is when it was sent).
	ID Snowflake `json:"id"`
	// ChannelID is the channel the message was sent in.
	ChannelID Snowflake `json:"channel_id"`
	// GuildID is the channel's guild, in gateway events; 0 in a DM.
	GuildID Snowflake `json:"guild_id,omitzero"`
	// Author is who sent the message; for a webhook message, the webhook's
	// name and avatar (not a real user).
	Author User `json:"author"`
	// Member is the author's guild membership (without User), in a guild's
	// MESSAGE_CREATE and MESSAGE_UPDATE; nil elsewhere.
	Member *Member `json:"member,omitzero"`
	// Content is the message's text; empty without the message content
	// intent (unless the bot is mentioned or it is a DM).
	Content string `json:"content"`
	// Timestamp is when the message was sent.
	Timestamp Timestamp `json:"timestamp"`
	// EditedTimestamp is when the message was last edited; zero (null) when
	// never.
	EditedTimestamp Timestamp `json:"edited_timestamp"`
	// TTS tells whether it is a text-to-speech message.
	TTS bool `json:"tts"`
	// MentionEveryone tells whether the message mentions @everyone or
	// @here.
	MentionEveryone bool `json:"mention_everyone"`
	// Mentions are the users the message mentions.
	Mentions []Mention `json:"mentions"`
	// MentionRoles are the roles the message mentions.
	MentionRoles []Snowflake `json:"mention_roles"`
	// MentionChannels are channels of other guilds a crossposted message
	// mentions; nil when missing.
	MentionChannels []ChannelMention `json:"mention_channels,omitzero"`
	// Attachments are the message's files; empty without the message
	// content intent.
	Attachments []Attachment `json:"attachments"`
	// Embeds are the message's rich embeds; empty without the message
	// content intent.
	Embeds []Embed `json:"embeds"`
	// Reactions are the reactions on the message; nil when missing.
	Reactions []Reaction `json:"reactions,omitzero"`
	// Nonce is what the sender used to check that the message was sent, an
	// integer or a string, raw; nil when missing.
	Nonce Raw `json:"nonce,omitzero"`
	// Pinned tells whether the message is pinned.
	Pinned bool `json:"pinned"`
	// WebhookID is the webhook that sent the message; 0 otherwise.
	WebhookID Snowflake `json:"webhook_id,omitzero"`
	// Type is the kind of message (default, reply, member join, ...).
	Type MessageType `json:"type"`
	// Activity is a Rich Presence invite's activity (type and party_id),
	// raw; nil when missing.
	Activity Raw `json:"activity,omitzero"`
	// Application is the partial application of a Rich Presence message,
	// raw; nil when missing.
	Application Raw `json:"application,omitzero"`
	// ApplicationID is the application of an interaction's or application
	// webhook's message; 0 otherwise.
	ApplicationID Snowflake `json:"application_id,omitzero"`
	// Flags are the message's flags (crossposted, ephemeral, ...).
	Flags MessageFlags `json:"flags"`
	// MessageReference is what the message points at (a reply's, forward's,
	// crosspost's, pin's or thread start's source); nil for none.
	MessageReference *MessageReference `json:"message_reference,omitzero"`
	// MessageSnapshots are the copies of a forwarded message, raw; nil when
	// missing.
	MessageSnapshots Raw `json:"message_snapshots,omitzero"`
	// ReferencedMessage is the message a reply or thread starter points at:
	// missing when not a reply, null when Discord did not load it or it was
	// deleted.
	ReferencedMessage Optional[*Message] `json:"referenced_message,omitzero"`
	// InteractionMetadata describes the interaction the message answers,
	// raw; nil when missing.
	InteractionMetadata Raw `json:"interaction_metadata,omitzero"`
	// Interaction is the deprecated form of InteractionMetadata, raw; nil
	// when missing.
	Interaction Raw `json:"interaction,omitzero"`
	// Thread is the thread started from this message; nil when none.
	Thread *Channel `json:"thread,omitzero"`
	// Components are the message's buttons, selects and layout, raw (their
	// shape depends on their type); nil when missing.
	Components Raw `json:"components,omitzero"`
	// StickerItems are the stickers sent with the message; nil when
	// missing.
	StickerItems []StickerItem `json:"sticker_items,omitzero"`
	// Position is the message's approximate position in its thread
	// (counting from its start); missing outside threads.
	Position Optional[int] `json:"position,omitzero"`
	// RoleSubscriptionData describes a role subscription purchase or
	// renewal message, raw; nil when missing.
	RoleSubscriptionData Raw `json:"role_subscription_data,omitzero"`
	// Resolved holds the users, members, roles and channels an
	// interaction's message refers to, raw; nil when missing.
	Resolved Raw `json:"resolved,omitzero"`
	// Poll is the message's poll, raw; nil when missing.
	Poll Raw `json:"poll,omitzero"`
	// Call describes a call started in a private channel, raw; nil when
	// missing.
	Call Raw `json:"call,omitzero"`
	// ChannelType is the type of the message's channel, sent in some
	// MESSAGE_CREATE events; missing otherwise.
	ChannelType Optional[ChannelType] `json:"channel_type,omitzero"`
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
	// Member is the mentioned user's guild membership (without User), in a
	// guild's MESSAGE_CREATE; nil elsewhere.
	Member *Member `json:"member,omitzero"`
}

// ChannelMention is a channel mentioned in a crossposted message.
type ChannelMention struct {
	// ID is the mentioned channel.
	ID Snowflake `json:"id"`
	// GuildID is the mentioned channel's guild.
	GuildID Snowflake `json:"guild_id"`
	// Type is the mentioned channel's type.
	Type ChannelType `json:"type"`
	// Name is the mentioned channel's name.
	Name string `json:"name"`
}

// MessageReference points at the message a reply, forward or crosspost
// refers to.
type MessageReference struct {
	// Type is 0 (the default: a reply, crosspost, pin, ...; a missing Type
	// means the same) or 1 (a forward).
	Type Optional[int] `json:"type,omitzero"`
	// MessageID is the message referred to; 0 when missing.
	MessageID Snowflake `json:"message_id,omitzero"`
	// ChannelID is the referred message's channel; 0 when missing.
	ChannelID Snowflake `json:"channel_id,omitzero"`
	// GuildID is the referred message's guild; 0 when missing.
	GuildID Snowflake `json:"guild_id,omitzero"`
	// FailIfNotExists is only used when sending: whether a missing message
	// fails the send.
	FailIfNotExists Optional[bool] `json:"fail_if_not_exists,omitzero"`
}

// Attachment is a file attached to a message.
type Attachment struct {
	// ID is the attachment's ID.
	ID Snowflake `json:"id"`
	// Filename is the file's name.
	Filename string `json:"filename"`
	// Title is the file's title; empty when missing.
	Title string `json:"title,omitzero"`
	// Description is the file's alt text; empty when missing.
	Description string `json:"description,omitzero"`
	// ContentType is the file's media type; empty when missing.
	ContentType string `json:"content_type,omitzero"`
	// Size is the file's size, in bytes.
	Size int64 `json:"size"`
	// URL is the file's URL.
	URL string `json:"url"`
	// ProxyURL is the file's URL through Discord's media proxy.
	ProxyURL string `json:"proxy_url"`
	// Height is an image's or video's height, in pixels; null or missing
	// for other files.
	Height Optional[int] `json:"height,omitzero"`
	// Width is an image's or video's width, in pixels; null or missing for
	// other files.
	Width Optional[int] `json:"width,omitzero"`
	// Ephemeral tells whether the attachment is deleted after a while
	// (ephemeral messages' files).
	Ephemeral bool `json:"ephemeral,omitzero"`
	// DurationSecs is a voice message's length, in seconds.
	DurationSecs Optional[float64] `json:"duration_secs,omitzero"`
	// Waveform is a voice message's waveform, base64 (one byte per sample);
	// empty when missing.
	Waveform string `json:"waveform,omitzero"`
	// Flags are the attachment's flags (remix, spoiler, ...).
	Flags int `json:"flags,omitzero"`
	// Placeholder is a thumbhash preview of the image; empty when missing.
	Placeholder string `json:"placeholder,omitzero"`
	// PlaceholderVersion is the version of Placeholder's format.
	PlaceholderVersion Optional[int] `json:"placeholder_version,omitzero"`
	// ContentScanVersion is the version of the scan Discord ran over the
	// file.
	ContentScanVersion Optional[int] `json:"content_scan_version,omitzero"`
}

// Embed is rich content in a message. Footer, Provider and Author are
// values (a missing one is zero); the media are pointers (nil when
// missing), since most embeds have none.
type Embed struct {
	// Title is the embed's title; empty when missing.
	Title string `json:"title,omitzero"`
	// Type is the kind of embed ("rich", "image", "video", "link", ...);
	// empty when missing.
	Type string `json:"type,omitzero"`
	// Description is the embed's text; empty when missing.
	Description string `json:"description,omitzero"`
	// URL is the link of the title; empty when missing.
	URL string `json:"url,omitzero"`
	// Timestamp is the time shown in the footer; zero when missing.
	Timestamp Timestamp `json:"timestamp,omitzero"`
	// Color is the colour of the embed's edge as 0xRRGGBB; missing for the
	// default.
	Color Optional[int] `json:"color,omitzero"`
	// Footer is the embed's footer; zero when missing.
	Footer EmbedFooter `json:"footer,omitzero"`
	// Image is the embed's large image; nil when missing.
	Image *EmbedMedia `json:"image,omitzero"`
	// Thumbnail is the embed's small image; nil when missing.
	Thumbnail *EmbedMedia `json:"thumbnail,omitzero"`
	// Video is the embed's video; nil when missing.
	Video *EmbedMedia `json:"video,omitzero"`
	// Provider is the site the embed comes from; zero when missing.
	Provider EmbedProvider `json:"provider,omitzero"`
	// Author is the embed's author line; zero when missing.
	Author EmbedAuthor `json:"author,omitzero"`
	// Fields are the embed's name and value pairs; nil when missing.
	Fields []EmbedField `json:"fields,omitzero"`
	// ContentScanVersion is the version of the scan Discord ran over the
	// embed's media.
	ContentScanVersion Optional[int] `json:"content_scan_version,omitzero"`
}

// EmbedFooter is the footer of an embed.
type EmbedFooter struct {
	// Text is the footer's text.
	Text string `json:"text"`
	// IconURL is the footer icon's URL; empty when missing.
	IconURL string `json:"icon_url,omitzero"`
	// ProxyIconURL is the footer icon's URL through Discord's media proxy;
	// empty when missing.
	ProxyIconURL string `json:"proxy_icon_url,omitzero"`
}

// EmbedMedia is an embed's image, thumbnail or video.
type EmbedMedia struct {
	// URL is the media's URL.
	URL string `json:"url,omitzero"`
	// ProxyURL is the media's URL through Discord's media proxy; empty when
	// missing.
	ProxyURL string `json:"proxy_url,omitzero"`
	// Height is the media's height, in pixels.
	Height Optional[int] `json:"height,omitzero"`
	// Width is the media's width, in pixels.
	Width Optional[int] `json:"width,omitzero"`
	// Flags are the media's flags (animated, ...).
	Flags Optional[int] `json:"flags,omitzero"`
	// Placeholder is a thumbhash preview of the image; empty when missing.
	Placeholder string `json:"placeholder,omitzero"`
	// PlaceholderVersion is the version of Placeholder's format.
	PlaceholderVersion Optional[int] `json:"placeholder_version,omitzero"`
}

// EmbedProvider is who provided an embed.
type EmbedProvider struct {
	// Name is the provider's name; empty when missing.
	Name string `json:"name,omitzero"`
	// URL is the provider's URL; empty when missing.
	URL string `json:"url,omitzero"`
}

// EmbedAuthor is the author line of an embed.
type EmbedAuthor struct {
	// Name is the author's name.
	Name string `json:"name"`
	// URL is the link of the author's name; empty when missing.
	URL string `json:"url,omitzero"`
	// IconURL is the author icon's URL; empty when missing.
	IconURL string `json:"icon_url,omitzero"`
	// ProxyIconURL is the author icon's URL through Discord's media proxy;
	// empty when missing.
	ProxyIconURL string `json:"proxy_icon_url,omitzero"`
}

// EmbedField is a name/value pair in an embed.
type EmbedField struct {
	// Name is the field's name.
	Name string `json:"name"`
	// Value is the field's text.
	Value string `json:"value"`
	// Inline tells whether the field may sit beside others on a line.
	Inline bool `json:"inline,omitzero"`
}

// Reaction is one emoji's reactions on a message.
type Reaction struct {
	// Count is how many times the emoji was used to react, super reactions
	// included.
	Count int `json:"count"`
	// CountDetails splits Count into normal and super reactions.
	CountDetails ReactionCountDetails `json:"count_details"`
	// Me tells whether the bot reacted with this emoji.
	Me bool `json:"me"`
	// MeBurst tells whether the bot super-reacted with this emoji.
	MeBurst bool `json:"me_burst"`
	// Emoji is the reaction's emoji.
	Emoji Emoji `json:"emoji"`
	// BurstColors are the super reaction's colours, as "#rrggbb" strings.
	BurstColors []string `json:"burst_colors"`
	// BurstCount is an older field for the count of super reactions;
	// missing in newer payloads.
	BurstCount Optional[int] `json:"burst_count,omitzero"`
	// BurstMe is an older field for MeBurst; missing in newer payloads.
	BurstMe Optional[bool] `json:"burst_me,omitzero"`
}

// ReactionCountDetails splits a reaction count into normal and super
// reactions.
type ReactionCountDetails struct {
	// Burst is the count of super reactions.
	Burst int `json:"burst"`
	// Normal is the count of normal reactions.
	Normal int `json:"normal"`
}
