package discord

import "fmt"

// Secret is a credential Discord hands out inside an event: an
// interaction's token, a voice server's token. It is an ordinary string to
// code that uses it, but printing it (fmt's %v, %s, %q, %#v, or slog)
// shows "[REDACTED]", so it never ends up in a log by accident.
type Secret string

// String returns "[REDACTED]" (use string(s) for the value).
func (s Secret) String() string { return "[REDACTED]" }

// GoString returns "[REDACTED]".
func (s Secret) GoString() string { return "[REDACTED]" }

// Format prints "[REDACTED]" for every verb.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte("[REDACTED]")) }

// LogValue keeps the value out of log/slog output (slog.LogValuer).
func (s Secret) LogValue() string { return "[REDACTED]" }
