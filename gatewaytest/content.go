package gatewaytest

import (
	"bytes"

	"github.com/gatewaykit/gateway/event"
)

// Message content gating (docs/protocol.md §6.3): without the MESSAGE_CONTENT
// intent, message objects arrive with content, embeds, attachments and
// components empty and poll removed, except in DMs, for messages the bot
// sent and for messages that mention it. AUTO_MODERATION_ACTION_EXECUTION
// loses content and matched_content the same way.

// contentRule tells how stripping rewrites one key: a replacement value, or
// removal when the replacement is nil.
type contentRule struct {
	key string
	val []byte
}

var messageContentRules = []contentRule{
	{"content", []byte(`""`)},
	{"embeds", []byte(`[]`)},
	{"attachments", []byte(`[]`)},
	{"components", []byte(`[]`)},
	{"poll", nil},
}

var automodContentRules = []contentRule{
	{"content", []byte(`""`)},
	{"matched_content", []byte(`null`)},
}

// contentRules returns the stripping rules for an event type, or nil when
// the event carries no gated content.
func contentRules(t string) []contentRule {
	switch t {
	case event.MessageCreate, event.MessageUpdate:
		return messageContentRules
	case event.AutoModerationActionExecution:
		return automodContentRules
	}
	return nil
}

// stripContent returns d with the rules applied. Keys that are absent stay
// absent. On malformed input it returns d unchanged.
func stripContent(d []byte, rules []contentRule) []byte {
	out := make([]byte, 0, len(d))
	out = append(out, '{')
	first := true
	err := walkJSONObject(d, func(key, val []byte) bool {
		for _, r := range rules {
			if string(key) == r.key {
				if r.val == nil {
					return true
				}
				val = r.val
				break
			}
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		out = append(out, '"')
		out = append(out, key...)
		out = append(out, '"', ':')
		out = append(out, val...)
		return true
	})
	if err != nil {
		return d
	}
	return append(out, '}')
}

// contentExempt reports whether a message keeps its content for a bot
// without MESSAGE_CONTENT: DMs, the bot's own messages, messages that
// mention it. quotedBotID is the bot's id as a JSON string, with quotes.
func contentExempt(d []byte, guildID uint64, quotedBotID []byte) bool {
	if guildID == 0 || len(quotedBotID) == 0 {
		return true
	}
	if author := jsonField(d, "author"); author != nil {
		if bytes.Equal(jsonField(author, "id"), quotedBotID) {
			return true
		}
	}
	if mentions := jsonField(d, "mentions"); len(mentions) > 2 {
		needle := make([]byte, 0, len(quotedBotID)+5)
		needle = append(needle, `"id":`...)
		needle = append(needle, quotedBotID...)
		if bytes.Contains(mentions, needle) {
			return true
		}
	}
	return false
}
