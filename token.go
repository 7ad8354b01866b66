package gateway

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/gatewaykit/gateway/internal/secret"
)

// Token is a bot token. Make one with [NewToken]; the zero value holds no
// token.
//
// A Token cannot leak through printing, logging or encoding by accident:
// every fmt verb, slog, encoding/json (as a value or as a map key),
// encoding/xml, gob and msgpack show "[REDACTED]", and the value itself is
// kept masked in memory with a key drawn at random when the process starts,
// so printers that dump a value by reflection without calling its methods
// (fmt on unexported fields, the dumper testify uses for its diffs) show
// only noise. Only [Token.Reveal] gives the clear text back, and only the
// Identify and Resume payloads carry it on the wire.
//
// Tokens compare equal (==) when they hold the same token, so a Token may
// be a map key.
type Token struct {
	masked secret.String
}

// redacted is what every way of printing a Token shows.
const redacted = "[REDACTED]"

// errRedactedToken refuses to decode a Token from a redacted placeholder,
// which an encoded Token holds instead of the token.
var errRedactedToken = errors.New("gateway: the token is " + redacted + ", a placeholder printed in its place, not a token")

// NewToken returns a Token holding token, with or without its "Bot "
// prefix.
func NewToken(token string) Token { return Token{masked: secret.Seal(token)} }

// Reveal returns the token in clear text, as given to [NewToken], for
// passing it on (to [WithToken], or an Authorization header). Never print
// or log what it returns.
func (t Token) Reveal() string { return t.masked.Open() }

// IsZero reports whether t holds no token.
func (t Token) IsZero() bool { return t.masked.IsZero() }

// String returns a redacted placeholder, never the token.
func (Token) String() string { return redacted }

// GoString returns a redacted placeholder for %#v.
func (Token) GoString() string { return `gateway.Token("` + redacted + `")` }

// LogValue redacts the token in log/slog output.
func (Token) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText redacts the token in encoding/xml, encoding/gob, msgpack,
// encoding/json map keys and every other encoder that asks for an
// encoding.TextMarshaler.
func (Token) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// MarshalBinary redacts the token in encoding/gob and other encoders that
// ask for an encoding.BinaryMarshaler.
func (Token) MarshalBinary() ([]byte, error) { return []byte(redacted), nil }

// MarshalJSON redacts the token in encoding/json.
func (Token) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// UnmarshalText sets t to the token text holds, so a configuration file
// can carry one. It refuses "[REDACTED]": an encoded Token holds that
// placeholder, never the token, so decoding what was encoded cannot
// silently yield a wrong token.
func (t *Token) UnmarshalText(text []byte) error {
	if strings.TrimSpace(string(text)) == redacted {
		return errRedactedToken
	}
	*t = NewToken(string(text))
	return nil
}

// Format redacts the token for every fmt verb, including %s, %v, %q, %x
// and %d. (%#v goes through Format too, not GoString.)
func (Token) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// bareToken returns token without surrounding space and without its "Bot "
// prefix, as Identify and Resume want it.
func bareToken(token string) string {
	s := strings.TrimSpace(token)
	if len(s) >= 3 && strings.EqualFold(s[:3], "Bot") && (len(s) == 3 || s[3] == ' ') {
		s = strings.TrimSpace(s[3:])
	}
	return s
}
