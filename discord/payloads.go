package discord

import "github.com/gatewaykit/gateway/event"

// Payload is what every event payload type (and every other type of this
// package) implements: a fast decoder and an encoder.
type Payload interface {
	// DecodeJSON replaces the value with the one in data.
	DecodeJSON(data []byte) error
	// AppendJSON appends the value's JSON to dst.
	AppendJSON(dst []byte) []byte
}

// payloads maps each dispatch event name to a constructor of its payload
// type.
var payloads = map[string]func() Payload{
	event.Ready:       func() Payload { return new(Ready) },
	event.Resumed:     func() Payload { return new(Resumed) },
	event.RateLimited: func() Payload { return new(RateLimited) },
	event.ApplicationCommandPermissionsUpdate: func() Payload { return new(ApplicationCommandPermissionsUpdate) },
	event.AutoModerationRuleCreate:            func() Payload { return new(AutoModerationRuleCreate) },
	event.AutoModerationRuleUpdate:            func() Payload { return new(AutoModerationRuleUpdate) },
	event.AutoModerationRuleDelete:            func() Payload { return new(AutoModerationRuleDelete) },
	event.AutoModerationActionExecution:       func() Payload { return new(AutoModerationActionExecution) },
	event.ChannelCreate:                       func() Payload { return new(ChannelCreate) },
	event.ChannelUpdate:                       func() Payload { return new(ChannelUpdate) },
	event.ChannelDelete:                       func() Payload { return new(ChannelDelete) },
	event.ChannelInfo:                         func() Payload { return new(ChannelInfo) },
	event.ChannelPinsUpdate:                   func() Payload { return new(ChannelPinsUpdate) },
	event.ThreadCreate:                        func() Payload { return new(ThreadCreate) },
	event.ThreadUpdate:                        func() Payload { return new(ThreadUpdate) },
	event.ThreadDelete:                        func() Payload { return new(ThreadDelete) },
	event.ThreadListSync:                      func() Payload { return new(ThreadListSync) },
	event.ThreadMemberUpdate:                  func() Payload { return new(ThreadMemberUpdate) },
	event.ThreadMembersUpdate:                 func() Payload { return new(ThreadMembersUpdate) },
	event.EntitlementCreate:                   func() Payload { return new(EntitlementCreate) },
	event.EntitlementUpdate:                   func() Payload { return new(EntitlementUpdate) },
	event.EntitlementDelete:                   func() Payload { return new(EntitlementDelete) },
	event.GuildCreate:                         func() Payload { return new(GuildCreate) },
	event.GuildUpdate:                         func() Payload { return new(GuildUpdate) },
	event.GuildDelete:                         func() Payload { return new(GuildDelete) },
	event.GuildAuditLogEntryCreate:            func() Payload { return new(GuildAuditLogEntryCreate) },
	event.GuildBanAdd:                         func() Payload { return new(GuildBanAdd) },
	event.GuildBanRemove:                      func() Payload { return new(GuildBanRemove) },
	event.GuildEmojisUpdate:                   func() Payload { return new(GuildEmojisUpdate) },
	event.GuildStickersUpdate:                 func() Payload { return new(GuildStickersUpdate) },
	event.GuildIntegrationsUpdate:             func() Payload { return new(GuildIntegrationsUpdate) },
	event.GuildMemberAdd:                      func() Payload { return new(GuildMemberAdd) },
	event.GuildMemberRemove:                   func() Payload { return new(GuildMemberRemove) },
	event.GuildMemberUpdate:                   func() Payload { return new(GuildMemberUpdate) },
	event.GuildMembersChunk:                   func() Payload { return new(GuildMembersChunk) },
	event.GuildRoleCreate:                     func() Payload { return new(GuildRoleCreate) },
	event.GuildRoleUpdate:                     func() Payload { return new(GuildRoleUpdate) },
	event.GuildRoleDelete:                     func() Payload { return new(GuildRoleDelete) },
	event.GuildScheduledEventCreate:           func() Payload { return new(GuildScheduledEventCreate) },
	event.GuildScheduledEventUpdate:           func() Payload { return new(GuildScheduledEventUpdate) },
	event.GuildScheduledEventDelete:           func() Payload { return new(GuildScheduledEventDelete) },
	event.GuildScheduledEventUserAdd:          func() Payload { return new(GuildScheduledEventUserAdd) },
	event.GuildScheduledEventUserRemove:       func() Payload { return new(GuildScheduledEventUserRemove) },
	event.GuildSoundboardSoundCreate:          func() Payload { return new(GuildSoundboardSoundCreate) },
	event.GuildSoundboardSoundUpdate:          func() Payload { return new(GuildSoundboardSoundUpdate) },
	event.GuildSoundboardSoundDelete:          func() Payload { return new(GuildSoundboardSoundDelete) },
	event.GuildSoundboardSoundsUpdate:         func() Payload { return new(GuildSoundboardSoundsUpdate) },
	event.SoundboardSounds:                    func() Payload { return new(SoundboardSounds) },
	event.IntegrationCreate:                   func() Payload { return new(IntegrationCreate) },
	event.IntegrationUpdate:                   func() Payload { return new(IntegrationUpdate) },
	event.IntegrationDelete:                   func() Payload { return new(IntegrationDelete) },
	event.InteractionCreate:                   func() Payload { return new(InteractionCreate) },
	event.InviteCreate:                        func() Payload { return new(InviteCreate) },
	event.InviteDelete:                        func() Payload { return new(InviteDelete) },
	event.MessageCreate:                       func() Payload { return new(MessageCreate) },
	event.MessageUpdate:                       func() Payload { return new(MessageUpdate) },
	event.MessageDelete:                       func() Payload { return new(MessageDelete) },
	event.MessageDeleteBulk:                   func() Payload { return new(MessageDeleteBulk) },
	event.MessageReactionAdd:                  func() Payload { return new(MessageReactionAdd) },
	event.MessageReactionRemove:               func() Payload { return new(MessageReactionRemove) },
	event.MessageReactionRemoveAll:            func() Payload { return new(MessageReactionRemoveAll) },
	event.MessageReactionRemoveEmoji:          func() Payload { return new(MessageReactionRemoveEmoji) },
	event.MessagePollVoteAdd:                  func() Payload { return new(MessagePollVoteAdd) },
	event.MessagePollVoteRemove:               func() Payload { return new(MessagePollVoteRemove) },
	event.PresenceUpdate:                      func() Payload { return new(PresenceUpdate) },
	event.StageInstanceCreate:                 func() Payload { return new(StageInstanceCreate) },
	event.StageInstanceUpdate:                 func() Payload { return new(StageInstanceUpdate) },
	event.StageInstanceDelete:                 func() Payload { return new(StageInstanceDelete) },
	event.SubscriptionCreate:                  func() Payload { return new(SubscriptionCreate) },
	event.SubscriptionUpdate:                  func() Payload { return new(SubscriptionUpdate) },
	event.SubscriptionDelete:                  func() Payload { return new(SubscriptionDelete) },
	event.TypingStart:                         func() Payload { return new(TypingStart) },
	event.UserUpdate:                          func() Payload { return new(UserUpdate) },
	event.VoiceChannelEffectSend:              func() Payload { return new(VoiceChannelEffectSend) },
	event.VoiceChannelStartTimeUpdate:         func() Payload { return new(VoiceChannelStartTimeUpdate) },
	event.VoiceChannelStatusUpdate:            func() Payload { return new(VoiceChannelStatusUpdate) },
	event.VoiceStateUpdate:                    func() Payload { return new(VoiceStateUpdate) },
	event.VoiceServerUpdate:                   func() Payload { return new(VoiceServerUpdate) },
	event.WebhooksUpdate:                      func() Payload { return new(WebhooksUpdate) },
}

// PayloadFor returns a new, zero payload of the type for a dispatch event
// name (a *MessageCreate for event.MessageCreate), or false for a name
// this package has no type for.
func PayloadFor(eventType string) (Payload, bool) {
	f, ok := payloads[eventType]
	if !ok {
		return nil, false
	}
	return f(), true
}
