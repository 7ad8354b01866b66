package gatewayutil

import (
	"fmt"
	"log/slog"
	"strconv"
)

// A Shard's configuration holds the bot token in an unexported field, and
// fmt prints unexported fields by reflection, bypassing the redaction of
// [gateway.Token]. So every way of printing a Shard goes through String.

// GoString describes the shard for %#v (testify's failure messages use it)
// without its token.
func (s *Shard) GoString() string { return s.String() }

// Format prints the shard's description for every fmt verb (%v, %+v, %#v,
// %s, %q, %x, %d...), never its fields.
func (s *Shard) Format(f fmt.State, verb rune) {
	if s == nil {
		formatDescription(f, verb, "gatewayutil.Shard(nil)")
		return
	}
	formatDescription(f, verb, s.String())
}

// LogValue lets a Shard be logged with log/slog without its token.
func (s *Shard) LogValue() slog.Value {
	if s == nil {
		return slog.StringValue("gatewayutil.Shard(nil)")
	}
	return slog.GroupValue(
		slog.Int("shard_id", s.cfg.ShardID),
		slog.Int("shard_count", s.cfg.ShardCount),
		slog.String("state", ShardState(s.stats.state.Load()).String()),
	)
}

// formatDescription writes desc for any verb: quoted for %q, plain
// otherwise. A value that formats itself this way shows nothing but what
// its String method chose to show.
func formatDescription(f fmt.State, verb rune, desc string) {
	if verb == 'q' {
		desc = strconv.Quote(desc)
	}
	_, _ = f.Write([]byte(desc))
}
