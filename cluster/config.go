package cluster

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrConfig is matched by the errors for a configuration the cluster cannot
// use.
var ErrConfig = errors.New("cluster: invalid configuration")

// Defaults of Config.
const (
	DefaultPrefix         = "gateway"
	DefaultIdentifyWindow = 5 * time.Second
	DefaultMemberTTL      = 15 * time.Second
	DefaultLeaseTTL       = 15 * time.Second
	DefaultSessionTTL     = 15 * time.Minute
	DefaultOpTimeout      = 2 * time.Second
)

// Config names a bot's buckets and sets their timings. Every process of a bot
// must use the same values: the TTLs are properties of the buckets, fixed by
// whichever process creates them first.
type Config struct {
	// App is the bot's application id (or any name unique to the bot);
	// every key starts with it. Required; letters, digits, '-' and '_'.
	App string
	// Prefix names the buckets, Prefix_identify and so on. Default
	// DefaultPrefix.
	Prefix string
	// IdentifyWindow is Discord's identify window per bucket, 5 s. Scale
	// it only against a time-scaled emulator.
	IdentifyWindow time.Duration
	// IdentifyMargin is added to the window to make the identify slot's
	// TTL, covering the time between the slot's creation and the identify
	// reaching Discord. Default a tenth of the window.
	IdentifyMargin time.Duration
	// MemberTTL is how long a node stays in the live set after its last
	// renewal; it renews every third of it. Default 15 s.
	MemberTTL time.Duration
	// LeaseTTL is how long a shard lease lasts after its last renewal;
	// holders renew every third of it and stop the shard once
	// LeaseTTL - LeaseMargin has passed since the last renewal that
	// succeeded. Default 15 s.
	LeaseTTL time.Duration
	// LeaseMargin is how long before the lease could expire a holder that
	// failed to renew stops its shard. Default a fifth of LeaseTTL.
	LeaseMargin time.Duration
	// SessionTTL is how long a stored session survives its last write.
	// Discord's resume window is a few minutes; default 15 min.
	SessionTTL time.Duration
	// OpTimeout bounds every KV operation. Default 2 s.
	OpTimeout time.Duration
	// Replicas is the replication of every bucket (1 on a single server,
	// 3 for a production cluster). Default 1.
	Replicas int
	// Storage is where buckets keep their data. Default file storage,
	// which survives a NATS restart.
	Storage jetstream.StorageType
}

func (c Config) withDefaults() (Config, error) {
	if c.App == "" || !validToken(c.App) {
		return c, fmt.Errorf("%w: App %q must be non-empty letters, digits, '-' or '_'", ErrConfig, c.App)
	}
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if !validToken(c.Prefix) {
		return c, fmt.Errorf("%w: Prefix %q must be letters, digits, '-' or '_'", ErrConfig, c.Prefix)
	}
	if c.IdentifyWindow <= 0 {
		c.IdentifyWindow = DefaultIdentifyWindow
	}
	if c.IdentifyMargin <= 0 {
		c.IdentifyMargin = c.IdentifyWindow / 10
	}
	if c.MemberTTL <= 0 {
		c.MemberTTL = DefaultMemberTTL
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = DefaultLeaseTTL
	}
	if c.LeaseMargin <= 0 {
		c.LeaseMargin = c.LeaseTTL / 5
	}
	if c.LeaseMargin >= c.LeaseTTL/2 {
		return c, fmt.Errorf("%w: LeaseMargin %v must be under half of LeaseTTL %v", ErrConfig, c.LeaseMargin, c.LeaseTTL)
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = DefaultSessionTTL
	}
	if c.OpTimeout <= 0 {
		c.OpTimeout = DefaultOpTimeout
	}
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	for _, d := range []time.Duration{c.IdentifyWindow + c.IdentifyMargin, c.MemberTTL, c.LeaseTTL, c.SessionTTL} {
		if d < 100*time.Millisecond {
			return c, fmt.Errorf("%w: bucket TTL %v is under NATS's 100 ms minimum", ErrConfig, d)
		}
	}
	return c, nil
}

// validToken reports whether s can be one token of a subject or key: no '.',
// '*', '>' or spaces, and nothing a bucket name refuses.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
		default:
			return false
		}
	}
	return true
}

func (c Config) bucket(what string) string { return c.Prefix + "_" + what }

func (c Config) key(parts ...string) string {
	return c.App + "." + strings.Join(parts, ".")
}
