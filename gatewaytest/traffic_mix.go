package gatewaytest

import (
	"math/rand/v2"
	"sort"

	"github.com/gatewaykit/gateway/event"
)

// The event mix: which dispatch types the generator produces and how
// often. The default guild weights follow what a bot in many community
// guilds sees with all intents: messages and typing dominate (presences are
// kept below messages on purpose), membership and moderation events are
// rare. DMs are mostly messages and typing.

type trafficKind uint8

const (
	kindMessageCreate trafficKind = iota
	kindMessageUpdate
	kindMessageDelete
	kindMessageDeleteBulk
	kindReactionAdd
	kindReactionRemove
	kindTypingStart
	kindPresenceUpdate
	kindMemberAdd
	kindMemberUpdate
	kindMemberRemove
	kindVoiceStateUpdate
	kindChannelUpdate
	kindThreadCreate
	kindInteractionCreate
	kindRoleUpdate
	kindInviteCreate
	kindPollVoteAdd
	kindPollVoteRemove
	numTrafficKinds
)

var kindNames = [numTrafficKinds]string{
	kindMessageCreate:     event.MessageCreate,
	kindMessageUpdate:     event.MessageUpdate,
	kindMessageDelete:     event.MessageDelete,
	kindMessageDeleteBulk: event.MessageDeleteBulk,
	kindReactionAdd:       event.MessageReactionAdd,
	kindReactionRemove:    event.MessageReactionRemove,
	kindTypingStart:       event.TypingStart,
	kindPresenceUpdate:    event.PresenceUpdate,
	kindMemberAdd:         event.GuildMemberAdd,
	kindMemberUpdate:      event.GuildMemberUpdate,
	kindMemberRemove:      event.GuildMemberRemove,
	kindVoiceStateUpdate:  event.VoiceStateUpdate,
	kindChannelUpdate:     event.ChannelUpdate,
	kindThreadCreate:      event.ThreadCreate,
	kindInteractionCreate: event.InteractionCreate,
	kindRoleUpdate:        event.GuildRoleUpdate,
	kindInviteCreate:      event.InviteCreate,
	kindPollVoteAdd:       event.MessagePollVoteAdd,
	kindPollVoteRemove:    event.MessagePollVoteRemove,
}

// Default weights, per 1000 guild events.
var defaultGuildWeights = [numTrafficKinds]int{
	kindMessageCreate:     350,
	kindMessageUpdate:     60,
	kindMessageDelete:     25,
	kindMessageDeleteBulk: 1,
	kindReactionAdd:       70,
	kindReactionRemove:    20,
	kindTypingStart:       150,
	kindPresenceUpdate:    200,
	kindMemberAdd:         12,
	kindMemberUpdate:      25,
	kindMemberRemove:      8,
	kindVoiceStateUpdate:  35,
	kindChannelUpdate:     6,
	kindThreadCreate:      5,
	kindInteractionCreate: 15,
	kindRoleUpdate:        3,
	kindInviteCreate:      5,
	kindPollVoteAdd:       8,
	kindPollVoteRemove:    2,
}

// Default weights, per 1000 DM events; 0 = not generated in DMs.
var defaultDMWeights = [numTrafficKinds]int{
	kindMessageCreate:     600,
	kindMessageUpdate:     40,
	kindMessageDelete:     30,
	kindReactionAdd:       40,
	kindReactionRemove:    10,
	kindTypingStart:       250,
	kindInteractionCreate: 25,
	kindPollVoteAdd:       5,
}

// TrafficEventTypes returns the dispatch names the generator produces, the
// keys [TrafficConfig.Mix] understands.
func TrafficEventTypes() []string {
	return append([]string(nil), kindNames[:]...)
}

// mixTable draws event kinds by cumulative weight.
type mixTable struct {
	kinds []trafficKind
	cum   []uint64
}

func newMixTable(weights *[numTrafficKinds]int) mixTable {
	var m mixTable
	var sum uint64
	for k, w := range weights {
		if w > 0 {
			sum += uint64(w)
			m.kinds = append(m.kinds, trafficKind(k))
			m.cum = append(m.cum, sum)
		}
	}
	return m
}

// buildMixes returns the guild and DM tables for a configured mix.
func buildMixes(mix map[string]int) (guild, dm mixTable) {
	if mix != nil {
		var gw, dw [numTrafficKinds]int
		found := false
		for k, name := range kindNames {
			if w := mix[name]; w > 0 {
				found = true
				if defaultGuildWeights[k] > 0 {
					gw[k] = w
				}
				if defaultDMWeights[k] > 0 {
					dw[k] = w
				}
			}
		}
		if found {
			return newMixTable(&gw), newMixTable(&dw)
		}
	}
	return newMixTable(&defaultGuildWeights), newMixTable(&defaultDMWeights)
}

// draw draws a kind; the table must not be empty.
func (m *mixTable) draw(rng *rand.Rand) trafficKind {
	r := rng.Uint64N(m.cum[len(m.cum)-1])
	return m.kinds[sort.Search(len(m.cum), func(i int) bool { return m.cum[i] > r })]
}
