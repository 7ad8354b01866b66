package cache

// Kinds selects what a Cache keeps, one bit per kind of object.
type Kinds uint32

// The kinds. Guilds are the root of everything else: without KindGuilds
// the cache keeps nothing at all (but still tracks sequence numbers).
// Without KindUsers members are kept with their user id only.
const (
	KindGuilds Kinds = 1 << iota
	KindChannels
	KindThreads
	KindRoles
	KindMembers
	KindUsers
	KindEmojis
	KindStickers
	KindVoiceStates
	KindPresences
	KindStageInstances
	KindScheduledEvents
	KindMessages

	// KindAll is every kind.
	KindAll = KindMessages<<1 - 1
	// DefaultKinds is every kind but presences and messages, the two that
	// cost memory in proportion to activity rather than to the world.
	DefaultKinds = KindAll &^ (KindPresences | KindMessages)
)

// Policy is what a Cache keeps and how much of it. Every map the cache
// keeps is fed by Discord and bounded here: what does not fit is not kept
// and is counted in Stats.Dropped. Zero fields take the defaults.
type Policy struct {
	// Kinds is what to keep; 0 means DefaultKinds.
	Kinds Kinds
	// MaxGuilds bounds the number of guilds (default 1<<20).
	MaxGuilds int
	// MaxMembersPerGuild bounds each guild's members (default 1<<20).
	MaxMembersPerGuild int
	// MaxPresencesPerGuild bounds each guild's presences (default 1<<16).
	MaxPresencesPerGuild int
	// MaxPerGuild bounds each guild's channels and threads, roles, emojis,
	// stickers, voice states, stage instances and scheduled events, each
	// kind on its own (default 10,000; Discord's own limits are lower).
	MaxPerGuild int
	// MaxDMChannels bounds the DM channels kept with KindChannels (default
	// 10,000): those of CHANNEL_CREATE without a guild and of messages in
	// DMs (Discord sends no CHANNEL_CREATE for most DMs).
	MaxDMChannels int
	// MessagesPerChannel is how many of the latest messages each channel
	// keeps with KindMessages (default 50); older ones are forgotten.
	MessagesPerChannel int
}

func (p Policy) withDefaults() Policy {
	if p.Kinds == 0 {
		p.Kinds = DefaultKinds
	}
	if p.MaxGuilds <= 0 {
		p.MaxGuilds = 1 << 20
	}
	if p.MaxMembersPerGuild <= 0 {
		p.MaxMembersPerGuild = 1 << 20
	}
	if p.MaxPresencesPerGuild <= 0 {
		p.MaxPresencesPerGuild = 1 << 16
	}
	if p.MaxPerGuild <= 0 {
		p.MaxPerGuild = 10000
	}
	if p.MaxDMChannels <= 0 {
		p.MaxDMChannels = 10000
	}
	if p.MessagesPerChannel <= 0 {
		p.MessagesPerChannel = 50
	}
	return p
}

func (p *Policy) has(k Kinds) bool { return p.Kinds&k != 0 }
