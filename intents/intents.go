// Package intents holds the gateway intent bits, their names both ways,
// parsing, the privileged set, and the table of which intent delivers which
// event (docs/protocol.md §6).
//
// Start with [Parse] to read intents from configuration, [For] to compute the
// minimal intents that deliver a set of events, and [Intent.Validate] before
// identifying.
package intents

import (
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// Intent is a bit set of gateway intents, the "intents" field of Identify.
type Intent uint64

// Every documented intent bit.
const (
	Guilds                      Intent = 1 << 0
	GuildMembers                Intent = 1 << 1 // privileged
	GuildModeration             Intent = 1 << 2
	GuildExpressions            Intent = 1 << 3
	GuildIntegrations           Intent = 1 << 4
	GuildWebhooks               Intent = 1 << 5
	GuildInvites                Intent = 1 << 6
	GuildVoiceStates            Intent = 1 << 7
	GuildPresences              Intent = 1 << 8 // privileged
	GuildMessages               Intent = 1 << 9
	GuildMessageReactions       Intent = 1 << 10
	GuildMessageTyping          Intent = 1 << 11
	DirectMessages              Intent = 1 << 12
	DirectMessageReactions      Intent = 1 << 13
	DirectMessageTyping         Intent = 1 << 14
	MessageContent              Intent = 1 << 15 // privileged; gates fields, delivers no event
	GuildScheduledEvents        Intent = 1 << 16
	AutoModerationConfiguration Intent = 1 << 20
	AutoModerationExecution     Intent = 1 << 21
	GuildMessagePolls           Intent = 1 << 24
	DirectMessagePolls          Intent = 1 << 25
)

// Sets of intents.
const (
	// All is every documented intent: 53608447.
	All Intent = Guilds | GuildMembers | GuildModeration | GuildExpressions | GuildIntegrations |
		GuildWebhooks | GuildInvites | GuildVoiceStates | GuildPresences | GuildMessages |
		GuildMessageReactions | GuildMessageTyping | DirectMessages | DirectMessageReactions |
		DirectMessageTyping | MessageContent | GuildScheduledEvents | AutoModerationConfiguration |
		AutoModerationExecution | GuildMessagePolls | DirectMessagePolls
	// Privileged intents must be enabled (and for large apps approved) in
	// the Developer Portal, or the gateway closes with 4014.
	Privileged Intent = GuildMembers | GuildPresences | MessageContent
	// NonPrivileged is every documented intent that needs no approval.
	NonPrivileged Intent = All &^ Privileged
)

var bitNames = [...]struct {
	bit  Intent
	name string
}{
	{Guilds, "GUILDS"},
	{GuildMembers, "GUILD_MEMBERS"},
	{GuildModeration, "GUILD_MODERATION"},
	{GuildExpressions, "GUILD_EXPRESSIONS"},
	{GuildIntegrations, "GUILD_INTEGRATIONS"},
	{GuildWebhooks, "GUILD_WEBHOOKS"},
	{GuildInvites, "GUILD_INVITES"},
	{GuildVoiceStates, "GUILD_VOICE_STATES"},
	{GuildPresences, "GUILD_PRESENCES"},
	{GuildMessages, "GUILD_MESSAGES"},
	{GuildMessageReactions, "GUILD_MESSAGE_REACTIONS"},
	{GuildMessageTyping, "GUILD_MESSAGE_TYPING"},
	{DirectMessages, "DIRECT_MESSAGES"},
	{DirectMessageReactions, "DIRECT_MESSAGE_REACTIONS"},
	{DirectMessageTyping, "DIRECT_MESSAGE_TYPING"},
	{MessageContent, "MESSAGE_CONTENT"},
	{GuildScheduledEvents, "GUILD_SCHEDULED_EVENTS"},
	{AutoModerationConfiguration, "AUTO_MODERATION_CONFIGURATION"},
	{AutoModerationExecution, "AUTO_MODERATION_EXECUTION"},
	{GuildMessagePolls, "GUILD_MESSAGE_POLLS"},
	{DirectMessagePolls, "DIRECT_MESSAGE_POLLS"},
}

// Former names that configuration files may still use.
var aliases = map[string]Intent{
	"GUILD_BANS":                GuildModeration,
	"GUILD_EMOJIS_AND_STICKERS": GuildExpressions,
	"GUILD_EMOJIS":              GuildExpressions,
	"ALL":                       All,
	"ALL_NON_PRIVILEGED":        NonPrivileged,
	"NON_PRIVILEGED":            NonPrivileged,
	"PRIVILEGED":                Privileged,
	"NONE":                      0,
}

var byName = func() map[string]Intent {
	m := make(map[string]Intent, len(bitNames)+len(aliases))
	for _, b := range bitNames {
		m[b.name] = b.bit
	}
	for n, b := range aliases {
		m[n] = b
	}
	return m
}()

// ErrUnknown is matched (with errors.Is) by every error about an intent name
// or bit that the gateway does not document.
var ErrUnknown = errors.New("unknown intent")

// UnknownError reports an intent name or bits that are not documented.
type UnknownError struct {
	Name string // the unknown name, if a name was given
	Bits Intent // the undocumented bits, if a number was given
}

// Error names the unknown intent, or the undocumented bits in hex.
func (e *UnknownError) Error() string {
	if e.Name != "" {
		return fmt.Sprintf("intents: unknown intent %q", e.Name)
	}
	return fmt.Sprintf("intents: undocumented intent bits %#x", uint64(e.Bits))
}

// Is makes errors.Is(err, ErrUnknown) true.
func (e *UnknownError) Is(target error) bool { return target == ErrUnknown }

// Name returns the documented name of a single intent bit, such as
// "GUILD_MESSAGES", and false if i is not exactly one documented bit.
func Name(i Intent) (string, bool) {
	for _, b := range bitNames {
		if b.bit == i {
			return b.name, true
		}
	}
	return "", false
}

// Lookup returns the intent for a documented name, or a former name such as
// GUILD_BANS. Names are matched without regard to case, and may carry an
// "INTENT_" prefix. ALL, NON_PRIVILEGED, PRIVILEGED and NONE name sets.
func Lookup(name string) (Intent, bool) {
	n := strings.ToUpper(strings.TrimSpace(name))
	n = strings.TrimPrefix(n, "INTENT_")
	i, ok := byName[n]
	return i, ok
}

// Parse reads intents written as names joined by "|" or "," (spaces
// allowed), as a decimal or 0x-prefixed number, or a mix of both. An unknown
// name or an undocumented bit is an error matching [ErrUnknown]; an empty
// string is zero intents.
func Parse(s string) (Intent, error) {
	var out Intent
	for part := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == '|' || r == ',' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if part[0] >= '0' && part[0] <= '9' {
			n, err := strconv.ParseUint(part, 0, 64)
			if err != nil {
				return 0, fmt.Errorf("intents: %q is neither a name nor a number: %w", part, err)
			}
			if err := Intent(n).Validate(); err != nil {
				return 0, err
			}
			out |= Intent(n)
			continue
		}
		i, ok := Lookup(part)
		if !ok {
			return 0, &UnknownError{Name: part}
		}
		out |= i
	}
	return out, nil
}

// Validate returns an error matching [ErrUnknown] if i has bits the gateway
// does not document; the gateway would close with 4013.
func (i Intent) Validate() error {
	if extra := i &^ All; extra != 0 {
		return &UnknownError{Bits: extra}
	}
	return nil
}

// Has reports whether every bit of want is set in i.
func (i Intent) Has(want Intent) bool { return i&want == want }

// Privileged returns the privileged intents in i.
func (i Intent) Privileged() Intent { return i & Privileged }

// Count returns the number of bits set.
func (i Intent) Count() int { return bits.OnesCount64(uint64(i)) }

// String returns the names of the bits joined by "|", in bit order, with
// any undocumented bits as a trailing hex number; "0" for none. Parse reads
// the result back.
func (i Intent) String() string {
	if i == 0 {
		return "0"
	}
	var sb strings.Builder
	for _, b := range bitNames {
		if i&b.bit != 0 {
			if sb.Len() > 0 {
				sb.WriteByte('|')
			}
			sb.WriteString(b.name)
		}
	}
	if extra := i &^ All; extra != 0 {
		if sb.Len() > 0 {
			sb.WriteByte('|')
		}
		sb.WriteString("0x" + strconv.FormatUint(uint64(extra), 16))
	}
	return sb.String()
}

// Names returns the names of the documented bits set in i, in bit order.
func (i Intent) Names() []string {
	var out []string
	for _, b := range bitNames {
		if i&b.bit != 0 {
			out = append(out, b.name)
		}
	}
	return out
}
