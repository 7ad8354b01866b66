package gatewayutil

import (
	"fmt"
	"log/slog"
)

// A Manager's configuration holds the bot token in an unexported field, and
// fmt prints unexported fields by reflection, bypassing the redaction of
// [gateway.Token]. So every way of printing a Manager goes through String,
// which reads only the configuration (fixed by NewManager) and takes no
// lock, so logging a Manager never waits for a Start in progress.

// String describes the manager without its token.
func (m *Manager) String() string {
	if m == nil {
		return "gatewayutil.Manager(nil)"
	}
	ids := "all"
	if m.cfg.ShardIDs != nil {
		ids = fmt.Sprint(len(m.cfg.ShardIDs))
	}
	count := "from GET /gateway/bot"
	if m.cfg.ShardCount > 0 {
		count = fmt.Sprint(m.cfg.ShardCount)
	}
	return fmt.Sprintf("gatewayutil.Manager{shards %s, shard count %s}", ids, count)
}

// GoString describes the manager for %#v without its token.
func (m *Manager) GoString() string { return m.String() }

// Format prints the manager's description for every fmt verb (%v, %+v,
// %#v, %s, %q, %x, %d...), never its fields.
func (m *Manager) Format(f fmt.State, verb rune) { formatDescription(f, verb, m.String()) }

// LogValue lets a Manager be logged with log/slog without its token.
func (m *Manager) LogValue() slog.Value { return slog.StringValue(m.String()) }
