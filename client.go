package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/encoding"
	"github.com/gatewaykit/gateway/opcode"
)

// Client is the sans-I/O state machine of one gateway session on one
// connection. Build it with NewClient, feed it every message the connection
// receives with ProcessNext, and let it write its replies.
//
// A Client is safe for concurrent use: a driver typically calls ProcessNext
// from its read loop and Heartbeat and Send from other goroutines. Each
// method holds the Client's lock while it writes, so payloads never
// interleave on the writer.
type Client struct {
	mu  sync.Mutex
	cfg *config
	st  state
	// stateID mirrors st for lock-free reads by State.
	stateID atomic.Int32

	env  encoding.Envelope
	rbuf []byte            // ProcessNext's message buffer
	wbuf []byte            // encoded outgoing payload
	wenv encoding.Envelope // the outgoing envelope, kept so it does not escape per write
	dbuf [24]byte          // a heartbeat's "d"

	sessionID  string
	resumeURL  string
	seq        int64
	hasSession bool

	interval     time.Duration
	firstDelay   time.Duration
	beatPending  bool // a heartbeat was sent and nothing has arrived since
	acked        bool // the last heartbeat was acknowledged
	identifySent bool

	closeErr error
}

// shrinkAbove is the capacity above which ProcessNext drops its buffer
// before reading the next message, so one huge message does not keep a
// shard's memory high for good.
const shrinkAbove = 256 << 10

// DefaultMaxMessageSize is the largest message ProcessNext reads by default.
// Discord's largest messages are GUILD_CREATEs of big guilds.
const DefaultMaxMessageSize = 64 << 20

// ErrMessageTooLarge is returned by ProcessNext for a message over the limit.
var ErrMessageTooLarge = errors.New("gateway: message over the size limit")

// NewClient validates its options and returns a Client waiting for HELLO.
// WithToken and WithIntents are required. With WithSession, the Client
// resumes that session instead of identifying.
func NewClient(opts ...Option) (*Client, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, acked: true}
	if s := cfg.session; s != nil && s.Resumable() {
		c.sessionID, c.resumeURL, c.seq, c.hasSession = s.ID, s.ResumeURL, s.Seq, true
	}
	c.setState(helloState)
	return c, nil
}

func (c *Client) setState(s state) {
	if c.st != nil && c.st.id() != s.id() {
		c.cfg.logger.Debug("gateway state", "shard", c.cfg.shardID, "from", c.st.id().String(), "to", s.id().String())
	}
	c.st = s
	c.stateID.Store(int32(s.id()))
}

// State returns the current state. It does not take the Client's lock.
func (c *Client) State() State { return State(c.stateID.Load()) }

// ProcessNext reads one whole message from r (until io.EOF) and processes
// it like Process. r is typically the reader of one WebSocket message after
// transport decompression.
func (c *Client) ProcessNext(r io.Reader, w io.Writer) (Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cap(c.rbuf) > shrinkAbove {
		c.rbuf = nil
	}
	buf := c.rbuf[:0]
	for {
		if len(buf) == cap(buf) {
			if len(buf) >= DefaultMaxMessageSize {
				c.rbuf = nil
				return Result{}, fmt.Errorf("%w (%d bytes)", ErrMessageTooLarge, DefaultMaxMessageSize)
			}
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			c.rbuf = buf
			return Result{}, fmt.Errorf("gateway: reading message: %w", err)
		}
	}
	c.rbuf = buf
	return c.process(buf, w)
}

// Process processes one whole message already in memory. Result.Data
// aliases msg (JSON) or the codec's buffer (ETF).
func (c *Client) Process(msg []byte, w io.Writer) (Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.process(msg, w)
}

func (c *Client) process(msg []byte, w io.Writer) (Result, error) {
	if c.st.id() == StateClosed {
		return Result{}, ErrClosed
	}
	env := &c.env
	if err := c.cfg.codec.Decode(msg, env); err != nil {
		return Result{}, fmt.Errorf("gateway: decoding message: %w", err)
	}
	// Any message proves the connection is alive.
	c.beatPending = false
	switch env.Op {
	case opcode.Heartbeat:
		if c.cfg.deferBeatReqs {
			return Result{Kind: KindHeartbeatRequest, Op: env.Op}, nil
		}
		if err := c.writeHeartbeat(w); err != nil {
			return Result{Kind: KindHeartbeatRequest, Op: env.Op}, err
		}
		return Result{Kind: KindHeartbeatRequest, Op: env.Op}, nil
	case opcode.HeartbeatACK:
		c.acked = true
		return Result{Kind: KindHeartbeatAck, Op: env.Op}, nil
	case opcode.Reconnect:
		c.cfg.logger.Info("gateway asked to reconnect", "shard", c.cfg.shardID)
		c.closeErr = errReconnect
		c.setState(closedState)
		return Result{Kind: KindReconnect, Op: env.Op}, nil
	case opcode.InvalidSession:
		resumable := string(env.D) == "true"
		c.cfg.logger.Info("gateway invalidated the session", "shard", c.cfg.shardID, "resumable", resumable)
		if !resumable {
			c.dropSession()
		}
		c.closeErr = errInvalidSession
		c.setState(closedState)
		return Result{Kind: KindInvalidSession, Op: env.Op, Resumable: resumable}, nil
	case opcode.Dispatch, opcode.Hello:
	default:
		c.cfg.logger.Debug("ignoring unknown op code", "shard", c.cfg.shardID, "op", int(env.Op))
		return Result{Kind: KindUnknown, Op: env.Op}, nil
	}
	res, err := c.st.handle(c, env, w)
	// s is tracked from accepted dispatches only: a dispatch the state
	// refused was not delivered, so a resume must replay it.
	if err == nil && res.IsDispatch() && env.HasS && env.S > c.seq {
		c.seq = env.S
	}
	return res, err
}

var (
	errReconnect      = errors.New("gateway: server asked to reconnect (op 7)")
	errInvalidSession = errors.New("gateway: session invalidated (op 9)")
)

func (c *Client) dropSession() {
	c.sessionID, c.resumeURL, c.seq, c.hasSession = "", "", 0, false
}

// dispatchResult builds the Result for a dispatch.
func dispatchResult(kind Kind, env *encoding.Envelope) Result {
	return Result{Kind: kind, Op: opcode.Dispatch, Type: env.T, Seq: env.S, Data: env.D}
}

// HeartbeatInterval is HELLO's heartbeat_interval, or 0 before HELLO.
func (c *Client) HeartbeatInterval() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.interval
}

// FirstHeartbeatDelay is how long after HELLO to send the first heartbeat:
// the interval times a jitter factor in [0, 1) drawn when HELLO arrived.
func (c *Client) FirstHeartbeatDelay() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.firstDelay
}

// HeartbeatAcked reports whether the last heartbeat sent was acknowledged
// (true before the first one).
func (c *Client) HeartbeatAcked() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.acked
}

// MarkAlive records that the connection delivered something the Client does
// not see, such as a WebSocket pong, so Heartbeat does not call it a zombie.
func (c *Client) MarkAlive() {
	c.mu.Lock()
	c.beatPending = false
	c.mu.Unlock()
}

// Heartbeat writes a heartbeat carrying the last sequence number. The
// driver calls it on its timer. If nothing at all arrived since the previous
// heartbeat it writes nothing and returns ErrZombie: close the connection
// with a non-1000 code and resume.
func (c *Client) Heartbeat(w io.Writer) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.st.id() == StateClosed {
		return ErrClosed
	}
	if c.beatPending {
		return ErrZombie
	}
	return c.writeHeartbeat(w)
}

func (c *Client) writeHeartbeat(w io.Writer) error {
	var d []byte
	if c.seq > 0 {
		d = appendInt(c.dbuf[:0], c.seq)
	} else {
		d = append(c.dbuf[:0], "null"...)
	}
	if err := c.write(w, opcode.Heartbeat, d); err != nil {
		return err
	}
	c.beatPending, c.acked = true, false
	return nil
}

func appendInt(b []byte, n int64) []byte {
	if n == 0 {
		return append(b, '0')
	}
	var tmp [20]byte
	i := len(tmp)
	neg := n < 0
	u := uint64(n)
	if neg {
		u = uint64(-n)
	}
	for u > 0 {
		i--
		tmp[i] = byte('0' + u%10)
		u /= 10
	}
	if neg {
		i--
		tmp[i] = '-'
	}
	return append(b, tmp[i:]...)
}

// write encodes one payload and writes it with one Write call.
func (c *Client) write(w io.Writer, op opcode.Opcode, d []byte) error {
	c.wenv = encoding.Envelope{Op: op, D: d}
	out, err := c.cfg.codec.Encode(c.wbuf[:0], &c.wenv)
	c.wenv.D = nil // d may be the caller's, or hold the token
	if err != nil {
		return fmt.Errorf("gateway: encoding %v: %w", op, err)
	}
	c.wbuf = out
	if len(out) > MaxPayloadSize {
		clear(out)
		return fmt.Errorf("%w: %v is %d bytes", ErrPayloadTooLarge, op, len(out))
	}
	_, err = w.Write(out)
	if op == opcode.Identify || op == opcode.Resume {
		clear(out) // the buffer held the token
	}
	if err != nil {
		return fmt.Errorf("gateway: writing %v: %w", op, err)
	}
	return nil
}

// Identify writes the Identify payload. It is needed only with
// WithDeferredIdentify, after ProcessNext returned KindHello; otherwise the
// Client identifies by itself.
func (c *Client) Identify(w io.Writer) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.st.id() != StateIdentify || c.identifySent {
		return fmt.Errorf("%w: Identify in state %v", ErrUnexpected, c.st.id())
	}
	return c.sendIdentify(w)
}

// Send writes an ordinary command (op 3, 4, 8, 31 or 43) whose "d" is the
// given JSON. It refuses other op codes, payloads over 4096 bytes, and
// sending before the session is connected. Rate limiting is the driver's
// job (package ratelimit).
func (c *Client) Send(w io.Writer, op opcode.Opcode, d []byte) error {
	if !op.Command() {
		return fmt.Errorf("%w: %v", ErrNotCommand, op)
	}
	if !json.Valid(d) {
		return fmt.Errorf("gateway: %v payload is not valid JSON", op)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.st.id() {
	case StateConnected:
	case StateClosed:
		return ErrClosed
	default:
		return fmt.Errorf("%w (state %v)", ErrNotConnected, c.st.id())
	}
	return c.write(w, op, d)
}

// HandleClose tells the Client the connection closed with code (use
// closecode.Abnormal when it dropped without a close frame). The Client is
// then closed. The returned error is always a *CloseError; its code's
// Action says what to do, and Session tells whether a session remains to
// resume.
func (c *Client) HandleClose(code closecode.Code, reason string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	ce := &CloseError{Code: code, Reason: reason}
	if code.Action() != closecode.Resume {
		c.dropSession()
	}
	c.closeErr = ce
	c.setState(closedState)
	c.cfg.logger.Info("gateway connection closed", "shard", c.cfg.shardID, "code", int(code), "action", code.Action().String())
	return ce
}

// Close closes the Client from the client side with the close code the
// driver sends. Closing with 1000 or 1001 ends the session on Discord's
// side, so the returned Session is empty; any other code (such as
// closecode.Resumable) keeps it resumable.
func (c *Client) Close(code closecode.Code) Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	if code.InvalidatesWhenSent() {
		c.dropSession()
	}
	if c.st.id() != StateClosed {
		c.closeErr = ErrClosed
		c.setState(closedState)
	}
	return c.session()
}

// Err returns why the Client closed, or nil while it is open: a
// *CloseError, an op 7 or op 9 error, or ErrClosed.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeErr
}

// Session returns what a new Client needs to resume this session. Its ID is
// empty when there is nothing to resume.
func (c *Client) Session() Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session()
}

func (c *Client) session() Session {
	return Session{ID: c.sessionID, Seq: c.seq, ResumeURL: c.resumeURL, ShardID: c.cfg.shardID, ShardCount: c.cfg.shardCount}
}

// Seq returns the last sequence number received in a dispatch.
func (c *Client) Seq() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seq
}

// Resuming reports whether the Client resumes a session rather than
// identifying.
func (c *Client) Resuming() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hasSession
}

// Codec returns the Client's wire codec.
func (c *Client) Codec() encoding.Codec { return c.cfg.codec }

// String describes the Client without its token.
func (c *Client) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprintf("gateway.Client{shard [%d, %d], state %v, session %q, seq %d}",
		c.cfg.shardID, c.cfg.shardCount, c.st.id(), c.sessionID, c.seq)
}

// LogValue lets a Client be logged with log/slog without its token.
func (c *Client) LogValue() slog.Value {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slog.GroupValue(
		slog.Int("shard", c.cfg.shardID),
		slog.Int("shards", c.cfg.shardCount),
		slog.String("state", c.st.id().String()),
		slog.String("session", c.sessionID),
		slog.Int64("seq", c.seq),
	)
}
