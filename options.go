package gateway

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"

	"github.com/gatewaykit/gateway/encoding"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/internal/secret"
)

// Properties are the connection properties sent in Identify.
type Properties struct {
	OS      string `json:"os"`
	Browser string `json:"browser"`
	Device  string `json:"device"`
}

// DefaultProperties are sent when no WithProperties option is given.
var DefaultProperties = Properties{OS: runtime.GOOS, Browser: "gatewaykit", Device: "gatewaykit"}

// Option configures a Client.
type Option func(*config) error

type config struct {
	token          secret.String // without "Bot ", masked so no dump of a Client shows it
	intents        intents.Intent
	intentsSet     bool
	shardID        int
	shardCount     int
	shardSet       bool
	properties     Properties
	compress       bool
	largeThreshold int
	presence       json.RawMessage
	codec          encoding.Codec
	session        *Session
	logger         *slog.Logger
	jitter         func() float64
	deferIdentify  bool
	deferBeatReqs  bool
}

// WithToken sets the bot token (with or without a "Bot " prefix). Required.
func WithToken(token string) Option {
	return func(c *config) error {
		c.token = secret.Seal(bareToken(token))
		return nil
	}
}

// WithIntents sets the gateway intents. Required: intents are mandatory
// since API v8. Undocumented bits are refused (the gateway closes with 4013).
func WithIntents(i intents.Intent) Option {
	return func(c *config) error {
		if err := i.Validate(); err != nil {
			return err
		}
		c.intents, c.intentsSet = i, true
		return nil
	}
}

// WithShard sets the shard [id, count] sent in Identify. Without it the
// Client identifies as shard [0, 1] and omits the field.
func WithShard(id, count int) Option {
	return func(c *config) error {
		if count < 1 || id < 0 || id >= count {
			return fmt.Errorf("shard [%d, %d]: id must be in [0, count) and count at least 1", id, count)
		}
		c.shardID, c.shardCount, c.shardSet = id, count, true
		return nil
	}
}

// WithProperties sets the connection properties (os, browser, device).
func WithProperties(p Properties) Option {
	return func(c *config) error {
		c.properties = p
		return nil
	}
}

// WithPayloadCompression asks for zlib-compressed payloads ("compress": true
// in Identify). JSON only; the driver must inflate binary messages. Do not
// combine with transport compression.
func WithPayloadCompression(on bool) Option {
	return func(c *config) error {
		c.compress = on
		return nil
	}
}

// WithLargeThreshold sets large_threshold, 50 to 250 (Discord's default is 50).
func WithLargeThreshold(n int) Option {
	return func(c *config) error {
		if n < 50 || n > 250 {
			return fmt.Errorf("large_threshold %d: must be between 50 and 250", n)
		}
		c.largeThreshold = n
		return nil
	}
}

// WithPresence sets the initial presence sent in Identify, as the JSON of an
// Update Presence object (docs/protocol.md §3.6).
func WithPresence(presence json.RawMessage) Option {
	return func(c *config) error {
		if !json.Valid(presence) {
			return fmt.Errorf("presence is not valid JSON")
		}
		c.presence = append(json.RawMessage(nil), presence...)
		return nil
	}
}

// WithCodec sets the wire encoding's codec; the default is encoding.JSON().
// Pass a fresh encoding.NewETF() per Client for ETF.
func WithCodec(codec encoding.Codec) Option {
	return func(c *config) error {
		if codec == nil {
			return fmt.Errorf("nil codec")
		}
		c.codec = codec
		return nil
	}
}

// WithSession makes the Client resume s instead of identifying. A session
// for another shard id or count is refused with ErrSessionMismatch, one
// that [Session.Validate] refuses with ErrBadSession; an empty session (no
// id) is ignored and the Client identifies.
func WithSession(s Session) Option {
	return func(c *config) error {
		c.session = &s
		return nil
	}
}

// WithLogger sets the logger (nil: slog.Default()). gatewayutil passes its shard's.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l != nil {
			c.logger = l
		}
		return nil
	}
}

// WithJitter sets the source of the first heartbeat's jitter factor, which
// must return values in [0, 1). The default is math/rand/v2.Float64.
func WithJitter(f func() float64) Option {
	return func(c *config) error {
		if f == nil {
			return fmt.Errorf("nil jitter source")
		}
		c.jitter = f
		return nil
	}
}

// WithDeferredIdentify makes the Client wait for an explicit call to
// Client.Identify after HELLO instead of identifying at once, for drivers
// that take an identify rate-limit slot only after the connection is up.
func WithDeferredIdentify() Option {
	return func(c *config) error {
		c.deferIdentify = true
		return nil
	}
}

// WithDeferredHeartbeatRequests makes the Client leave a server's op 1
// heartbeat request to the driver instead of answering it at once: Process
// returns KindHeartbeatRequest and the driver sends the heartbeat
// (Client.Heartbeat) when its command rate limiter allows, merging requests
// that arrive meanwhile, so a gateway flooding op 1 cannot push the
// connection over the send limit.
func WithDeferredHeartbeatRequests() Option {
	return func(c *config) error {
		c.deferBeatReqs = true
		return nil
	}
}

func newConfig(opts []Option) (*config, error) {
	c := &config{
		properties: DefaultProperties,
		codec:      encoding.JSON(),
		logger:     slog.Default(),
		jitter:     rand.Float64,
		shardCount: 1,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(c); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
	}
	if c.token.IsZero() {
		return nil, fmt.Errorf("%w: a token is required", ErrConfig)
	}
	if !c.intentsSet {
		return nil, fmt.Errorf("%w: intents are required (use WithIntents; 0 is allowed)", ErrConfig)
	}
	if c.compress && c.codec.Name() != "json" {
		return nil, fmt.Errorf("%w: payload compression needs the json encoding, not %s", ErrConfig, c.codec.Name())
	}
	if c.session != nil && c.session.Resumable() {
		if err := c.session.Validate(); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
	}
	if c.session != nil && c.session.Resumable() && !c.session.CanResume(c.shardID, c.shardCount) {
		return nil, fmt.Errorf("%w: %w: %v, client is shard [%d, %d]", ErrConfig, ErrSessionMismatch, c.session, c.shardID, c.shardCount)
	}
	return c, nil
}
