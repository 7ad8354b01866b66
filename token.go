package gateway

import (
	"fmt"
	"log/slog"
	"strings"
)

// Token is a bot token. It formats, logs and marshals as a redacted
// placeholder, so it cannot leak through fmt, slog or encoding/json by
// accident; only the Identify and Resume payloads carry the real value.
type Token string

const redacted = "[REDACTED]"

// String returns a redacted placeholder, never the token.
func (Token) String() string { return redacted }

// GoString returns a redacted placeholder for %#v.
func (Token) GoString() string { return `gateway.Token("` + redacted + `")` }

// LogValue redacts the token in log/slog output.
func (Token) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText redacts the token in encoding/xml, encoding/gob, msgpack and
// every other encoder that asks for an encoding.TextMarshaler.
func (Token) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// MarshalBinary redacts the token in encoding/gob and other encoders that
// ask for an encoding.BinaryMarshaler.
func (Token) MarshalBinary() ([]byte, error) { return []byte(redacted), nil }

// MarshalJSON redacts the token in encoding/json.
func (Token) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// Format redacts the token for every fmt verb, including %s, %v, %q, %x
// and %d. (%#v goes through Format too, not GoString.)
func (t Token) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(redacted)) }

// reveal returns the raw token without a "Bot " prefix, as Identify and
// Resume want it.
func (t Token) reveal() string {
	s := strings.TrimSpace(string(t))
	if len(s) >= 3 && strings.EqualFold(s[:3], "Bot") && (len(s) == 3 || s[3] == ' ') {
		s = strings.TrimSpace(s[3:])
	}
	return s
}
