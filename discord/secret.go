package discord

import (
	"errors"
	"fmt"
	"log/slog"
	"unsafe"

	"github.com/gatewaykit/gateway/encoding"
	"github.com/gatewaykit/gateway/internal/secret"
)

// Secret is a credential Discord hands out inside an event: an
// interaction's token, a voice server's token. It is kept masked in memory,
// so nothing that prints a value can show it: fmt's verbs and slog print
// "[REDACTED]" (also through a containing struct, its unexported fields
// included, and through testify's dumps), and encoding/json and
// encoding.TextMarshaler write "[REDACTED]" too. Only Reveal gives the
// clear text back, for the HTTP call that needs it.
//
// The discord types that hold a Secret write it in clear when they encode
// themselves (AppendJSON, MarshalJSON), since they re-encode the payload
// Discord sent; a Secret on its own, or in a type of yours, never does.
// Secrets compare equal (==) when they hold the same text.
type Secret struct {
	s secret.String
}

// NewSecret masks clear.
func NewSecret(clear string) Secret { return Secret{s: secret.Seal(clear)} }

// Reveal returns the clear text.
func (s Secret) Reveal() string { return s.s.Open() }

// IsZero reports whether s holds "" (missing, null or empty).
func (s Secret) IsZero() bool { return s.s.IsZero() }

// String returns "[REDACTED]" (use Reveal for the value).
func (Secret) String() string { return redactedSecret }

// GoString returns "[REDACTED]".
func (Secret) GoString() string { return redactedSecret }

// Format prints "[REDACTED]" for every verb.
func (Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redactedSecret)) }

// LogValue keeps the value out of log/slog output (slog.LogValuer).
func (Secret) LogValue() slog.Value { return slog.StringValue(redactedSecret) }

// MarshalText returns "[REDACTED]".
func (Secret) MarshalText() ([]byte, error) { return []byte(redactedSecret), nil }

// MarshalJSON returns "[REDACTED]" as a JSON string.
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redactedSecret + `"`), nil }

// UnmarshalJSON reads a JSON string (null is the zero Secret), so that a
// type of yours decoded with encoding/json can hold a Secret.
func (s *Secret) UnmarshalJSON(b []byte) error {
	if s == nil {
		return errors.New("discord: UnmarshalJSON on nil *Secret")
	}
	return decode(b, s, "Secret")
}

// redactedSecret is what every printing method of a Secret shows.
const redactedSecret = "[REDACTED]"

func (s Secret) appendJSON(dst []byte) []byte {
	return encoding.AppendQuoted(dst, s.s.Open())
}

// decodeJSON masks the string straight from the input, so that its clear
// text is never copied into the decoder's string block, where it would
// outlive the value.
func (s *Secret) decodeJSON(d *decoder) {
	if d.r.Null() {
		*s = Secret{}
		return
	}
	raw, escaped, valid := d.r.StringChecked()
	if !escaped && valid {
		if len(raw) == 0 {
			*s = Secret{}
			return
		}
		s.s = secret.Seal(unsafe.String(&raw[0], len(raw)))
		return
	}
	text := encoding.AppendUnquoted(nil, raw)
	if len(text) == 0 {
		*s = Secret{}
		return
	}
	s.s = secret.Seal(unsafe.String(&text[0], len(text)))
	clear(text)
}
