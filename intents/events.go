package intents

// Scope says where an event happens: in guilds, in direct messages, or
// both. Some events are delivered by a different intent in each.
type Scope uint8

const (
	// InGuilds is events in guild channels.
	InGuilds Scope = 1 << iota
	// InDMs is events in direct messages.
	InDMs
	// Anywhere is both.
	Anywhere = InGuilds | InDMs
)

type source struct {
	guild, dm Intent // intent delivering the event in each scope; 0 = none needed
	always    bool   // the event needs no intent at all
}

// The event → intent table, docs/protocol.md §6.2 and §6.4. Event names are
// spelled out, not taken from package event, because vocabulary packages
// import nothing of this module.
var table = map[string]source{
	// GUILDS
	"GUILD_CREATE": {guild: Guilds}, "GUILD_UPDATE": {guild: Guilds}, "GUILD_DELETE": {guild: Guilds},
	"GUILD_ROLE_CREATE": {guild: Guilds}, "GUILD_ROLE_UPDATE": {guild: Guilds}, "GUILD_ROLE_DELETE": {guild: Guilds},
	"CHANNEL_CREATE": {guild: Guilds}, "CHANNEL_UPDATE": {guild: Guilds}, "CHANNEL_DELETE": {guild: Guilds},
	"CHANNEL_PINS_UPDATE": {guild: Guilds, dm: DirectMessages},
	"THREAD_CREATE":       {guild: Guilds}, "THREAD_UPDATE": {guild: Guilds}, "THREAD_DELETE": {guild: Guilds},
	"THREAD_LIST_SYNC": {guild: Guilds}, "THREAD_MEMBER_UPDATE": {guild: Guilds},
	// THREAD_MEMBERS_UPDATE: GUILDS delivers it for the bot itself; all
	// members need GUILD_MEMBERS too (docs/protocol.md §6.3). The minimal intent is GUILDS.
	"THREAD_MEMBERS_UPDATE": {guild: Guilds},
	"STAGE_INSTANCE_CREATE": {guild: Guilds}, "STAGE_INSTANCE_UPDATE": {guild: Guilds}, "STAGE_INSTANCE_DELETE": {guild: Guilds},
	"VOICE_CHANNEL_STATUS_UPDATE": {guild: Guilds}, "VOICE_CHANNEL_START_TIME_UPDATE": {guild: Guilds},
	// GUILD_MEMBERS (GUILD_MEMBER_UPDATE for the bot itself needs none)
	"GUILD_MEMBER_ADD": {guild: GuildMembers}, "GUILD_MEMBER_UPDATE": {guild: GuildMembers}, "GUILD_MEMBER_REMOVE": {guild: GuildMembers},
	// GUILD_MODERATION
	"GUILD_AUDIT_LOG_ENTRY_CREATE": {guild: GuildModeration}, "GUILD_BAN_ADD": {guild: GuildModeration}, "GUILD_BAN_REMOVE": {guild: GuildModeration},
	// GUILD_EXPRESSIONS
	"GUILD_EMOJIS_UPDATE": {guild: GuildExpressions}, "GUILD_STICKERS_UPDATE": {guild: GuildExpressions},
	"GUILD_SOUNDBOARD_SOUND_CREATE": {guild: GuildExpressions}, "GUILD_SOUNDBOARD_SOUND_UPDATE": {guild: GuildExpressions},
	"GUILD_SOUNDBOARD_SOUND_DELETE": {guild: GuildExpressions}, "GUILD_SOUNDBOARD_SOUNDS_UPDATE": {guild: GuildExpressions},
	// GUILD_INTEGRATIONS
	"GUILD_INTEGRATIONS_UPDATE": {guild: GuildIntegrations}, "INTEGRATION_CREATE": {guild: GuildIntegrations},
	"INTEGRATION_UPDATE": {guild: GuildIntegrations}, "INTEGRATION_DELETE": {guild: GuildIntegrations},
	// GUILD_WEBHOOKS, GUILD_INVITES, GUILD_VOICE_STATES, GUILD_PRESENCES
	"WEBHOOKS_UPDATE": {guild: GuildWebhooks},
	"INVITE_CREATE":   {guild: GuildInvites}, "INVITE_DELETE": {guild: GuildInvites},
	"VOICE_CHANNEL_EFFECT_SEND": {guild: GuildVoiceStates}, "VOICE_STATE_UPDATE": {guild: GuildVoiceStates},
	"PRESENCE_UPDATE": {guild: GuildPresences},
	// messages
	"MESSAGE_CREATE": {guild: GuildMessages, dm: DirectMessages}, "MESSAGE_UPDATE": {guild: GuildMessages, dm: DirectMessages},
	"MESSAGE_DELETE":       {guild: GuildMessages, dm: DirectMessages},
	"MESSAGE_DELETE_BULK":  {guild: GuildMessages},
	"MESSAGE_REACTION_ADD": {guild: GuildMessageReactions, dm: DirectMessageReactions}, "MESSAGE_REACTION_REMOVE": {guild: GuildMessageReactions, dm: DirectMessageReactions},
	"MESSAGE_REACTION_REMOVE_ALL": {guild: GuildMessageReactions, dm: DirectMessageReactions}, "MESSAGE_REACTION_REMOVE_EMOJI": {guild: GuildMessageReactions, dm: DirectMessageReactions},
	"TYPING_START":          {guild: GuildMessageTyping, dm: DirectMessageTyping},
	"MESSAGE_POLL_VOTE_ADD": {guild: GuildMessagePolls, dm: DirectMessagePolls}, "MESSAGE_POLL_VOTE_REMOVE": {guild: GuildMessagePolls, dm: DirectMessagePolls},
	// GUILD_SCHEDULED_EVENTS
	"GUILD_SCHEDULED_EVENT_CREATE": {guild: GuildScheduledEvents}, "GUILD_SCHEDULED_EVENT_UPDATE": {guild: GuildScheduledEvents},
	"GUILD_SCHEDULED_EVENT_DELETE": {guild: GuildScheduledEvents}, "GUILD_SCHEDULED_EVENT_USER_ADD": {guild: GuildScheduledEvents},
	"GUILD_SCHEDULED_EVENT_USER_REMOVE": {guild: GuildScheduledEvents},
	// AUTO_MODERATION_*
	"AUTO_MODERATION_RULE_CREATE": {guild: AutoModerationConfiguration}, "AUTO_MODERATION_RULE_UPDATE": {guild: AutoModerationConfiguration},
	"AUTO_MODERATION_RULE_DELETE": {guild: AutoModerationConfiguration}, "AUTO_MODERATION_ACTION_EXECUTION": {guild: AutoModerationExecution},
	// no intent needed (docs/protocol.md §6.4)
	"READY": {always: true}, "RESUMED": {always: true}, "RATE_LIMITED": {always: true},
	"APPLICATION_COMMAND_PERMISSIONS_UPDATE": {always: true}, "CHANNEL_INFO": {always: true},
	"ENTITLEMENT_CREATE": {always: true}, "ENTITLEMENT_UPDATE": {always: true}, "ENTITLEMENT_DELETE": {always: true},
	"GUILD_MEMBERS_CHUNK": {always: true}, "SOUNDBOARD_SOUNDS": {always: true}, "INTERACTION_CREATE": {always: true},
	"SUBSCRIPTION_CREATE": {always: true}, "SUBSCRIPTION_UPDATE": {always: true}, "SUBSCRIPTION_DELETE": {always: true},
	"USER_UPDATE": {always: true}, "VOICE_SERVER_UPDATE": {always: true},
}

// For returns the minimal intents that deliver every named event wherever
// it happens, in guilds and in direct messages. Events that need no intent,
// and names this package does not know, add nothing. MESSAGE_CONTENT is never
// added: it delivers no event; add it when handlers read message content.
func For(events ...string) Intent { return ForScope(Anywhere, events...) }

// ForScope is [For] limited to events in guilds, in DMs, or both.
func ForScope(scope Scope, events ...string) Intent {
	var out Intent
	for _, e := range events {
		s := table[e]
		if scope&InGuilds != 0 {
			out |= s.guild
		}
		if scope&InDMs != 0 {
			out |= s.dm
		}
	}
	return out
}

// Required reports which intents can deliver an event: the intent for
// guilds, the one for DMs (0 where the event does not happen there), whether
// the event needs no intent at all, and whether the name is known.
func Required(event string) (guild, dm Intent, always, known bool) {
	s, ok := table[event]
	return s.guild, s.dm, s.always, ok
}

// Delivers reports whether a session with intents i receives the event in
// the given scope. Unknown events are assumed delivered.
func (i Intent) Delivers(event string, scope Scope) bool {
	s, ok := table[event]
	if !ok || s.always {
		return true
	}
	var need Intent
	switch scope {
	case InGuilds:
		need = s.guild
	case InDMs:
		need = s.dm
	default:
		return (s.guild != 0 && i&s.guild != 0) || (s.dm != 0 && i&s.dm != 0)
	}
	return need != 0 && i&need != 0
}

// Events returns the events, in no particular order, that intents i deliver
// in at least one scope, not counting those that need no intent.
func (i Intent) Events() []string {
	var out []string
	for name, s := range table {
		if !s.always && (i&s.guild != 0 || i&s.dm != 0) {
			out = append(out, name)
		}
	}
	return out
}

// StripsContent reports whether message objects delivered with intents i
// have content, embeds, attachments, components and poll removed (no
// MESSAGE_CONTENT intent), except for the bot's own messages, DMs with it
// and messages that mention it.
func (i Intent) StripsContent() bool { return i&MessageContent == 0 }
