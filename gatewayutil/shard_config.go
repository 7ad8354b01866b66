package gatewayutil

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/encoding"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/ratelimit"
)

// DefaultGatewayURL is the gateway a Shard connects to when Config.URL is
// empty. A bot should rather use the URL from GET /gateway/bot.
const DefaultGatewayURL = "wss://gateway.discord.gg"

// DefaultShardIdentifyBudget is the daily identify budget of a Shard that
// has no IdentifyLimiter: a tenth of the 1,000 session starts a day Discord
// gives most bots. A healthy shard identifies a few times a day.
const DefaultShardIdentifyBudget = 100

// Config configures a Shard. Token and Intents are required; everything
// else has a working default.
type Config struct {
	// Token is the bot token, with or without "Bot ". Its type redacts it
	// in fmt and slog output, so printing a Config does not leak it.
	Token gateway.Token
	// Intents are sent in Identify.
	Intents intents.Intent
	// ShardID and ShardCount place the shard; a ShardCount of 0 means one
	// shard (and Identify carries no shard field).
	ShardID, ShardCount int

	// URL is the gateway URL (from GET /gateway/bot), without query: the
	// shard adds v, encoding and compress. Default DefaultGatewayURL.
	// wss:// is required, except ws:// to loopback (or with AllowPlainWS).
	URL string
	// Encoding is "json" (default) or "etf".
	Encoding string
	// Compression is the compression to ask for. Default CompressNone.
	// CompressPayload needs the json encoding.
	Compression Compression

	// Sink receives every dispatch, READY and RESUMED included, on the
	// shard's read goroutine; a *Dispatcher is one. Nil discards events
	// (they are still counted and the session still advances).
	Sink EventSink
	// IdentifyLimiter, if set, is asked for a slot before every Identify
	// and given it back on READY or failure. Share one among all shards of
	// a bot (a Manager does). Nil gives the shard a limiter of its own,
	// which keeps its identifies IdentifyWindow apart and at most
	// IdentifyBudget a day: a shard alone in a reconnect storm cannot
	// spend the bot's daily session starts (and get its token reset). A
	// Shard built anew starts a new budget: keep the Shard, or share a
	// limiter.
	IdentifyLimiter ratelimit.IdentifyLimiter
	// IdentifyWindow is the identify window of the shard's own limiter
	// (IdentifyLimiter nil): default 5.25 s, Discord's 5 s plus a twentieth
	// for network jitter. Scale it only against a time-scaled emulator.
	IdentifyWindow time.Duration
	// IdentifyBudget is the daily session start budget of the shard's own
	// limiter (IdentifyLimiter nil): once it is spent, Run stops with an
	// error matching ratelimit.ErrBudgetExhausted until a new Shard is
	// built. Default DefaultShardIdentifyBudget; negative enforces none.
	IdentifyBudget int
	// Session, if resumable and for this shard, is resumed instead of
	// identifying on the first connection.
	Session gateway.Session
	// OnSession, if set, is called whenever the session changes, from the
	// goroutine running Run (or from Close after Run returned): a new one (READY), a resume (RESUMED), the end of a
	// connection (the last sequence number), or its loss (an empty
	// Session). A session store saves it there.
	OnSession func(gateway.Session)
	// Logger receives the shard's logs (debug and info; warnings for
	// anomalies), each with a "shard" attribute, and its protocol client's
	// (gateway.WithLogger), and is the default of a *Dispatcher Sink that
	// has none. Default: the Manager's Logger, else slog.Default().
	Logger *slog.Logger
	// ClientOptions are extra options for the protocol core (properties,
	// presence, large_threshold, jitter source...). The shard sets the
	// token, intents, shard, codec, session and payload compression itself.
	ClientOptions []gateway.Option

	// HandshakeTimeout bounds the TCP connect, TLS and WebSocket handshake.
	// Default 10 s.
	HandshakeTimeout time.Duration
	// HelloTimeout bounds the wait for HELLO after the handshake. Default
	// 20 s.
	HelloTimeout time.Duration
	// ReadyTimeout bounds the wait for READY once Identify is sent, and
	// during a resume the wait for each replayed event or RESUMED. Default
	// 30 s.
	ReadyTimeout time.Duration
	// WriteTimeout bounds each frame written. Default 10 s.
	WriteTimeout time.Duration
	// CloseTimeout bounds the wait for the server's close frame when the
	// shard closes. Default 2 s.
	CloseTimeout time.Duration

	// MaxMessageSize bounds a message on the wire and after
	// decompression; bigger ones end the connection with an error matching
	// gateway.ErrMessageTooLarge (a decompression bomb cannot make the shard
	// allocate more). Default gateway.DefaultMaxMessageSize.
	MaxMessageSize int
	// MaxZstdWindow bounds the window (and so the memory) of a zstd-stream
	// connection. Default DefaultMaxZstdWindow.
	MaxZstdWindow uint64

	// Backoff spaces out reconnections that keep failing: connections
	// that fail before READY or RESUMED, and connections that end before
	// they were stable. Default DefaultBackoff.
	Backoff Backoff
	// StableAfter is how long a connection must stay connected after READY
	// or RESUMED to count as a success, which resets the backoff and lets
	// the next connection follow at once. One that ends sooner counts as a
	// failure, so a gateway that ends every session as soon as it starts
	// (a close, op 7, op 9 after each READY) is retried ever more slowly.
	// Default: the connection's heartbeat interval, within [1 s, 2 min].
	StableAfter time.Duration
	// ReidentifyDelayMin and ReidentifyDelayMax bound the random wait
	// before identifying again after an op 9 that cannot be resumed.
	// Default 1 s and 5 s.
	ReidentifyDelayMin, ReidentifyDelayMax time.Duration
	// CommandLimit and CommandWindow are the per-connection send limit.
	// Default 120 per 60 s (scale the window with a time-scaled emulator).
	// The shard's limiter uses a window 5% longer, as a margin for the
	// delays between sending a command and the gateway receiving it.
	CommandLimit  int
	CommandWindow time.Duration
	// HeartbeatLateness, if set, records how late every scheduled
	// heartbeat went out against its schedule (see Status.HeartbeatLate).
	// Share one among many shards to see the distribution over all of
	// them.
	HeartbeatLateness *Histogram
	// StallIntervals is how many heartbeat intervals of acknowledged
	// heartbeats without a single dispatch make Status report Stalled.
	// Default 5; negative disables the watchdog.
	StallIntervals int

	// ResumeURLPolicy decides whether READY's resume_gateway_url may be
	// followed. Default DiscordResumeURLs when URL is Discord's gateway;
	// for any other gateway, DiscordResumeURLs or SameHostResumeURLs(URL)
	// (the scheme, host and port of URL). Tests that resume on another
	// port of a local emulator use LoopbackResumeURLs.
	ResumeURLPolicy ResumeURLPolicy
	// AllowPlainWS permits ws:// to hosts that are not loopback (an
	// emulator on another machine), and for a Manager an http:// APIBase
	// to such a host. Never needed for Discord.
	AllowPlainWS bool
	// TLSConfig is used for wss://; nil verifies certificates against the
	// system roots.
	TLSConfig *tls.Config
	// NetDial replaces the TCP dialer.
	NetDial func(ctx context.Context, network, addr string) (net.Conn, error)
	// UserAgent is sent in the WebSocket handshake; default the library's
	// own, [UserAgent] (servers other than Discord may close a connection
	// without one).
	UserAgent string
}

// String describes the configuration without the token.
func (c Config) String() string {
	return fmt.Sprintf("gatewayutil.Config{shard [%d, %d], url %s, encoding %s, compression %v, intents %d}",
		c.ShardID, c.ShardCount, c.URL, c.Encoding, c.Compression, uint64(c.Intents))
}

// withDefaults validates c and fills in its defaults.
func (c Config) withDefaults() (Config, error) {
	if c.ShardCount == 0 {
		c.ShardCount = 1
	}
	if c.ShardCount < 1 || c.ShardID < 0 || c.ShardID >= c.ShardCount {
		return c, fmt.Errorf("%w: shard [%d, %d]: id must be in [0, count)", gateway.ErrConfig, c.ShardID, c.ShardCount)
	}
	if c.URL == "" {
		c.URL = DefaultGatewayURL
	}
	if c.Encoding == "" {
		c.Encoding = "json"
	}
	if _, err := encoding.New(c.Encoding); err != nil {
		return c, fmt.Errorf("%w: %w", gateway.ErrConfig, err)
	}
	if c.Compression < CompressNone || c.Compression > CompressPayload {
		return c, fmt.Errorf("%w: %v", gateway.ErrConfig, c.Compression)
	}
	if c.Compression == CompressPayload && c.Encoding != "json" {
		return c, fmt.Errorf("%w: payload compression needs the json encoding", gateway.ErrConfig)
	}
	if _, err := gatewayURL(c.URL, c.Encoding, c.Compression, c.AllowPlainWS); err != nil {
		return c, fmt.Errorf("%w: %w", gateway.ErrConfig, err)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if d, ok := c.Sink.(*Dispatcher); ok {
		d.inheritLogger(c.Logger)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.HandshakeTimeout, 10*time.Second)
	def(&c.HelloTimeout, 20*time.Second)
	def(&c.ReadyTimeout, 30*time.Second)
	def(&c.WriteTimeout, 10*time.Second)
	def(&c.CloseTimeout, 2*time.Second)
	if c.ReidentifyDelayMin <= 0 && c.ReidentifyDelayMax <= 0 {
		c.ReidentifyDelayMin, c.ReidentifyDelayMax = time.Second, 5*time.Second
	}
	c.ReidentifyDelayMax = max(c.ReidentifyDelayMax, c.ReidentifyDelayMin)
	if c.MaxMessageSize <= 0 {
		c.MaxMessageSize = gateway.DefaultMaxMessageSize
	}
	if c.MaxZstdWindow == 0 {
		c.MaxZstdWindow = DefaultMaxZstdWindow
	}
	c.Backoff = c.Backoff.withDefaults()
	if c.StableAfter < 0 {
		return c, fmt.Errorf("%w: StableAfter %v is negative", gateway.ErrConfig, c.StableAfter)
	}
	def(&c.IdentifyWindow, ratelimit.DefaultIdentifyWindow+ratelimit.DefaultIdentifyWindow/20)
	if c.IdentifyBudget == 0 {
		c.IdentifyBudget = DefaultShardIdentifyBudget
	}
	if c.CommandLimit <= 0 {
		c.CommandLimit = ratelimit.DefaultCommandLimit
	}
	def(&c.CommandWindow, ratelimit.DefaultCommandWindow)
	if c.StallIntervals == 0 {
		c.StallIntervals = 5
	}
	if c.ResumeURLPolicy == nil {
		c.ResumeURLPolicy = defaultResumeURLPolicy(c.URL)
	}
	if c.UserAgent == "" {
		c.UserAgent = UserAgent
	}
	return c, nil
}
