package gatewaytest

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/gatewaykit/gateway/intents"
)

// Config configures a [Server]. The zero value is a strict single-shard
// gateway on 127.0.0.1 with 16 generated guilds, no built-in traffic, no
// chaos, no privileged intents allowed and Discord's own timings.
//
// Durations are in Discord time: [Config.TimeScale] maps them to wall time,
// so HeartbeatInterval 41.25 s with TimeScale 0.01 sends a 412 ms interval.
type Config struct {
	// Addr is the TCP address to listen on; default "127.0.0.1:0". Only
	// loopback is used unless told otherwise.
	Addr string

	// Tokens are the accepted bot tokens (without the "Bot " prefix).
	// Empty accepts any non-empty token. Each token is its own bot with its
	// own session start limit and identify buckets.
	Tokens []string
	// Shards is the recommended shard count returned by GET /gateway/bot,
	// and the count the generated guilds are spread over. Default
	// max(1, ceil(Guilds/1000)).
	Shards int
	// MaxConcurrency is session_start_limit.max_concurrency: the number of
	// identify buckets (shard_id % MaxConcurrency), each allowing one
	// identify per 5 s. Default 1.
	MaxConcurrency int
	// SessionStartLimit is session_start_limit.total per token per 24 h.
	// Default 1000. An identify when none remain is refused with close 4004,
	// as Discord resets the token of a bot that exhausts it.
	SessionStartLimit int
	// ShardMultiple, if positive, makes shard counts that are not a multiple
	// of it invalid (close 4010), like Discord's large-bot sharding.
	ShardMultiple int
	// MaxGuildsPerShard is how many guilds one session may hold before
	// identify is refused with 4011. Default 2500.
	MaxGuildsPerShard int
	// Guilds is the number of generated guilds. 0 means 16; negative means
	// none.
	Guilds int
	// AllowedPrivileged are the privileged intents (GUILD_MEMBERS,
	// GUILD_PRESENCES, MESSAGE_CONTENT) the bot may request; an identify
	// asking for any other is closed with 4014, and READY's
	// application.flags report the allowed ones. The zero value allows
	// none, as Discord does for an application whose privileged intents
	// are not switched on in the developer portal: a test of a bot's
	// configuration sees the 4014 a real deployment would. Set it to
	// intents.Privileged to allow them all. cmd/emulator (-privileged) and
	// stressbot's embedded emulator allow all by default instead: they
	// serve bots to exercise, not configurations to check.
	AllowedPrivileged intents.Intent

	// HeartbeatInterval is the heartbeat_interval sent in HELLO. Default
	// 41.25 s.
	HeartbeatInterval time.Duration
	// HeartbeatGrace is how late a heartbeat may be before the connection
	// is closed with 4009: the deadline is interval + grace after the
	// previous heartbeat (or HELLO). Default a quarter of the interval.
	HeartbeatGrace time.Duration
	// ResumeWindow is how long a session without a connection stays
	// resumable, and how long events stay in its replay buffer after they
	// were written to a connection. Default 2 minutes.
	ResumeWindow time.Duration
	// ReconnectGrace is how long the server keeps a connection open after
	// it sent op 7 Reconnect before closing it with 4000. Default 5 s.
	ReconnectGrace time.Duration

	// ReplayLimit and ReplayBytes bound each session's replay buffer, in
	// events and bytes of data. Defaults 4096 events and 4 MiB. Events
	// already written to the client are dropped oldest first (and anyway a
	// resume window after they were written); a resume from a sequence
	// number older than what remains gets op 9.
	ReplayLimit int
	ReplayBytes int

	// World holds further knobs of the generated world and traffic (huge
	// guilds, users, event mix, DM share, start time, a mutable world);
	// its Seed, Guilds and ShardCount are ignored and taken from Seed,
	// Guilds and Shards. With World.Mutable the built-in traffic changes
	// the world as it is sent: such events are never skipped for a slow
	// session, a new session gets every change made after its
	// GUILD_CREATEs and none made before, and [Server.GuildCreate] is the
	// world as it is now. Off by default (a fixed world).
	World TrafficConfig

	// Traffic turns on the built-in event stream from [Traffic], routed
	// through the same path as [Server.Publish].
	Traffic bool
	// Rate is the built-in traffic in dispatches per second per shard
	// (per [shard_id, num_shards] that has sessions; every session holding
	// that shard receives the same stream, so with one session per shard it
	// is per session). Intent filtering then drops what a session did not
	// ask for. 0 sends as fast as the clients read: a shard's stream runs
	// while one of its sessions has fewer than a small backlog of unwritten
	// events, so a slow client does not make memory grow.
	Rate float64

	// Chaos is the mean number of random faults per session per second of
	// wall time (exponential inter-arrival times); 0 turns chaos off.
	Chaos float64
	// ChaosFaults are the faults chaos picks from, uniformly; default
	// [SurvivableFaults].
	ChaosFaults []FaultKind
	// Hostile makes the server end every session as soon as it starts, or
	// flood clients with heartbeat requests (hostile.go).
	Hostile Hostile
	// Seed seeds everything random: generated traffic, session ids, chaos
	// timing and choices. The same seed and the same client behaviour give
	// the same run.
	Seed int64

	// TimeScale multiplies every protocol duration: heartbeat interval and
	// grace, the 5 s identify window, the 60 s command window, the resume
	// window, reconnect grace, the 24 h session start reset and the 30 s
	// member request limit. Default 1.
	TimeScale float64

	// PayloadCompressMin is the smallest payload compressed when a client
	// identifies with compress:true (and uses no transport compression);
	// smaller ones go out as text, as Discord does. Default 1024 bytes.
	PayloadCompressMin int

	// History is how many closed connections [Server.Conns] remembers.
	// Default 10000.
	History int

	// HostileReady makes READY carry oversized or malformed session values.
	HostileReady HostileReady

	// Logger receives the server's logs; default discards them. Tokens are
	// never logged.
	Logger *slog.Logger

	// PeerTimeout is how long the server waits on a peer that stopped
	// taking part, in wall time (TimeScale does not apply): a write to a
	// client that does not read, a session whose unwritten events stay
	// over the replay bounds, a connection that neither identifies nor
	// resumes (at least interval + grace), an HTTP request's headers and
	// an idle keep-alive connection. Such a WebSocket client is closed
	// with 4009 (session timed out). Default 10 s.
	PeerTimeout time.Duration
	// StateLimit bounds each table the server keeps about what clients
	// send: the tokens it tracks (when Tokens is empty any token is a new
	// bot), the sessions waiting for a resume, the shards it generates
	// traffic for. A full table forgets its least recently used entry: a
	// token's budget and buckets start afresh, a waiting session is
	// invalidated (its resume gets op 9). State nobody uses expires
	// anyway (a token idle past its windows, a session past its resume
	// window). Default 10000.
	StateLimit int
}

// Discord's fixed protocol constants (docs/protocol.md §8).
const (
	identifyWindow    = 5 * time.Second
	commandWindow     = 60 * time.Second
	commandLimit      = 120
	maxPayloadBytes   = 4096
	sessionStartReset = 24 * time.Hour
	memberRequestGap  = 30 * time.Second
)

// ErrConfig is matched by every error NewServer returns for a bad Config.
var ErrConfig = errors.New("gatewaytest: invalid config")

func configErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...)
}

// withDefaults validates c and fills in its defaults.
func (c Config) withDefaults() (Config, error) {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:0"
	}
	for _, t := range c.Tokens {
		if t == "" {
			return c, configErr("empty token in Tokens")
		}
	}
	switch {
	case c.Guilds == 0:
		c.Guilds = 16
	case c.Guilds < 0:
		c.Guilds = 0
	}
	if c.Shards < 0 {
		return c, configErr("Shards %d is negative", c.Shards)
	}
	if c.Shards == 0 {
		c.Shards = max(1, (c.Guilds+999)/1000)
	}
	if c.MaxConcurrency < 0 || c.SessionStartLimit < 0 || c.ShardMultiple < 0 || c.MaxGuildsPerShard < 0 {
		return c, configErr("negative limit")
	}
	if c.MaxConcurrency == 0 {
		c.MaxConcurrency = 1
	}
	if c.SessionStartLimit == 0 {
		c.SessionStartLimit = 1000
	}
	if c.MaxGuildsPerShard == 0 {
		c.MaxGuildsPerShard = 2500
	}
	if c.AllowedPrivileged&^intents.Privileged != 0 {
		return c, configErr("AllowedPrivileged %v holds non-privileged intents", c.AllowedPrivileged)
	}
	if c.HeartbeatInterval < 0 || c.HeartbeatGrace < 0 || c.ResumeWindow < 0 || c.ReconnectGrace < 0 {
		return c, configErr("negative duration")
	}
	if c.HeartbeatInterval == 0 {
		c.HeartbeatInterval = 41250 * time.Millisecond
	}
	if c.HeartbeatGrace == 0 {
		c.HeartbeatGrace = c.HeartbeatInterval / 4
	}
	if c.ResumeWindow == 0 {
		c.ResumeWindow = 2 * time.Minute
	}
	if c.ReconnectGrace == 0 {
		c.ReconnectGrace = 5 * time.Second
	}
	if c.ReplayLimit < 0 || c.ReplayBytes < 0 {
		return c, configErr("negative replay bound")
	}
	if c.ReplayLimit == 0 {
		c.ReplayLimit = 4096
	}
	if c.ReplayBytes == 0 {
		c.ReplayBytes = 4 << 20
	}
	if c.Rate < 0 || math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0) {
		return c, configErr("Rate %v is not a non-negative number", c.Rate)
	}
	if c.Chaos < 0 || math.IsNaN(c.Chaos) || math.IsInf(c.Chaos, 0) {
		return c, configErr("Chaos %v is not a non-negative number", c.Chaos)
	}
	if c.ChaosFaults == nil {
		c.ChaosFaults = SurvivableFaults
	}
	for _, k := range c.ChaosFaults {
		if !k.valid() {
			return c, configErr("unknown fault kind %d in ChaosFaults", int(k))
		}
	}
	if c.Chaos > 0 && len(c.ChaosFaults) == 0 {
		return c, configErr("Chaos is on but ChaosFaults is empty")
	}
	var err error
	if c.Hostile, err = c.Hostile.withDefaults(); err != nil {
		return c, err
	}
	if c.TimeScale < 0 || math.IsNaN(c.TimeScale) || math.IsInf(c.TimeScale, 0) {
		return c, configErr("TimeScale %v is not a positive number", c.TimeScale)
	}
	if c.TimeScale == 0 {
		c.TimeScale = 1
	}
	if c.PayloadCompressMin < 0 {
		return c, configErr("negative PayloadCompressMin")
	}
	if c.PayloadCompressMin == 0 {
		c.PayloadCompressMin = 1024
	}
	if c.History <= 0 {
		c.History = 10000
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.PeerTimeout < 0 || c.StateLimit < 0 {
		return c, configErr("negative PeerTimeout or StateLimit")
	}
	if c.PeerTimeout == 0 {
		c.PeerTimeout = 10 * time.Second
	}
	if c.StateLimit == 0 {
		c.StateLimit = 10000
	}
	return c, nil
}

// String describes the configuration without its tokens (only their
// number), so printing a Config never leaks one.
func (c Config) String() string {
	return fmt.Sprintf("gatewaytest.Config{Addr:%q Tokens:%d Shards:%d MaxConcurrency:%d SessionStartLimit:%d Guilds:%d Traffic:%v Rate:%v Chaos:%v Seed:%d TimeScale:%v}",
		c.Addr, len(c.Tokens), c.Shards, c.MaxConcurrency, c.SessionStartLimit, c.Guilds, c.Traffic, c.Rate, c.Chaos, c.Seed, c.TimeScale)
}

// GoString is String, for %#v.
func (c Config) GoString() string { return c.String() }

// LogValue makes slog print String.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// scale maps a Discord-time duration to wall time; never less than 1 ms.
func (c *Config) scale(d time.Duration) time.Duration {
	s := time.Duration(float64(d) * c.TimeScale)
	if s < time.Millisecond {
		s = time.Millisecond
	}
	return s
}
