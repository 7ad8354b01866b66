// Package secret keeps a string, such as a bot token, in memory masked with
// a key drawn at random when the process starts. A value holding a
// [String] shows only noise to anything that prints by reflection (fmt on
// unexported fields, deep dumpers such as the one testify uses for its
// diffs), not just to what calls its methods; only [String.Open] gives the
// clear text back.
//
// The masking keeps a secret out of logs and printed values by accident. It
// is not encryption against anyone who can read the process's memory.
package secret

import (
	"crypto/rand"
	"fmt"
	"log/slog"
)

// key masks every String of the process. It is not reachable from any
// String value, so a dump of the value cannot unmask it.
var key = func() (k [64]byte) {
	_, _ = rand.Read(k[:]) // never fails (crypto/rand panics if it cannot read)
	for i, b := range k {
		if b == 0 { // a zero byte would leave its positions in clear
			k[i] = byte(i) | 0x80
		}
	}
	return k
}()

// redacted is what every printing method shows.
const redacted = "[REDACTED]"

// String is a masked string. The zero value holds "". Strings compare
// equal (==) when they hold the same text, so a String may be a map key.
type String struct {
	masked string
}

// Seal masks s.
func Seal(s string) String {
	if s == "" {
		return String{}
	}
	b := make([]byte, len(s))
	for i := range len(s) {
		b[i] = s[i] ^ key[i%len(key)]
	}
	return String{masked: string(b)}
}

// Open returns the clear text.
func (s String) Open() string {
	b := make([]byte, len(s.masked))
	for i := range len(s.masked) {
		b[i] = s.masked[i] ^ key[i%len(key)]
	}
	return string(b)
}

// IsZero reports whether s holds "".
func (s String) IsZero() bool { return len(s.masked) == 0 }

// String returns "[REDACTED]".
func (String) String() string { return redacted }

// GoString returns "[REDACTED]".
func (String) GoString() string { return redacted }

// Format prints "[REDACTED]" for every verb.
func (String) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue makes slog print "[REDACTED]".
func (String) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText returns "[REDACTED]".
func (String) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// MarshalBinary returns "[REDACTED]".
func (String) MarshalBinary() ([]byte, error) { return []byte(redacted), nil }
