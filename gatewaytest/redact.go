package gatewaytest

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
)

// Values that hold bot tokens in plain strings (Config.Tokens, and the
// Server and its Sessions in unexported fields, which fmt prints by
// reflection) print only descriptions without them, whatever the verb or
// encoder.

// Format prints String for every fmt verb (%v, %+v, %#v, %s, %q, %x,
// %d...), never the fields.
func (c Config) Format(f fmt.State, verb rune) { formatDescription(f, verb, c.String()) }

// MarshalJSON encodes the configuration with every token replaced by
// "[REDACTED]" (so their number still shows).
func (c Config) MarshalJSON() ([]byte, error) {
	type plain Config // without the methods, so no recursion
	p := plain(c)
	if p.Tokens != nil {
		p.Tokens = make([]string, len(c.Tokens))
		for i := range p.Tokens {
			p.Tokens[i] = redacted
		}
	}
	return json.Marshal(p)
}

// MarshalText returns "[REDACTED]", for encoders that take an
// encoding.TextMarshaler (encoding/xml, encoding/gob, msgpack).
func (Token) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// MarshalBinary returns "[REDACTED]", for encoding/gob and other encoders
// that take an encoding.BinaryMarshaler.
func (Token) MarshalBinary() ([]byte, error) { return []byte(redacted), nil }

// String describes the server without its tokens.
func (s *Server) String() string {
	if s == nil {
		return "gatewaytest.Server(nil)"
	}
	return fmt.Sprintf("gatewaytest.Server{url %s, tokens %d}", s.url, len(s.cfg.Tokens))
}

// GoString is String, for %#v.
func (s *Server) GoString() string { return s.String() }

// Format prints String for every fmt verb.
func (s *Server) Format(f fmt.State, verb rune) { formatDescription(f, verb, s.String()) }

// LogValue makes slog print String.
func (s *Server) LogValue() slog.Value { return slog.StringValue(s.String()) }

// String describes the session without its token.
func (s *Session) String() string {
	if s == nil {
		return "gatewaytest.Session(nil)"
	}
	// No lock taken: the fields shown never change, and the emulator may
	// log a Session while it holds the Session's lock.
	return fmt.Sprintf("gatewaytest.Session{id %s, shard [%d, %d]}", s.id, s.shardID, s.shardCount)
}

// GoString is String, for %#v.
func (s *Session) GoString() string { return s.String() }

// Format prints String for every fmt verb.
func (s *Session) Format(f fmt.State, verb rune) { formatDescription(f, verb, s.String()) }

// LogValue makes slog print String.
func (s *Session) LogValue() slog.Value { return slog.StringValue(s.String()) }

// formatDescription writes desc for any verb, quoted for %q.
func formatDescription(f fmt.State, verb rune, desc string) {
	if verb == 'q' {
		desc = strconv.Quote(desc)
	}
	_, _ = f.Write([]byte(desc))
}
