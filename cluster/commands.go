package cluster

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/opcode"
	"github.com/nats-io/nats.go"
)

// Command errors, as a Commander returns them (match with errors.Is).
var (
	// ErrNoOwner: no node answered for the shard before the context ended.
	ErrNoOwner = errors.New("cluster: no node owns the shard")
	// ErrShardNotConnected: the owner's shard did not connect before the
	// command's deadline.
	ErrShardNotConnected = errors.New("cluster: shard not connected")
	// ErrCommandRateLimited: the owner's command limiter had no room
	// before the command's deadline.
	ErrCommandRateLimited = errors.New("cluster: command rate limited")
	// ErrCommandRefused: the owner refused the command for another reason
	// (the message says which).
	ErrCommandRefused = errors.New("cluster: command refused by the shard's owner")
)

// Command headers.
const (
	headerOp        = "Gateway-Op"
	headerError     = "Gateway-Error"
	headerTimeoutMs = "Gateway-Timeout-Ms"
)

// Error codes in a command reply.
const (
	codeNotConnected = "not_connected"
	codeRateLimited  = "rate_limited"
	codeTooLarge     = "payload_too_large"
	codeNotCommand   = "not_command"
	codeOther        = "refused"
	codeGone         = "gone"
)

// CommandSubject is the subject of a shard's commands:
// <prefix>.<app>.cmd.<shard>.
func (c Config) CommandSubject(shard int) string {
	return c.Prefix + "." + c.App + ".cmd." + strconv.Itoa(shard)
}

// maxCommandTimeout bounds how long an owner works on one command.
const maxCommandTimeout = 30 * time.Second

// serveCommands answers the shard's command requests until the returned
// function is called (the shard stops or is handed over).
func (o *ownedShard) serveCommands(nc *nats.Conn) (stop func(), err error) {
	sub, err := nc.Subscribe(o.n.b.cfg.CommandSubject(o.id), func(m *nats.Msg) {
		reply := nats.NewMsg(m.Reply)
		code, msg := o.runCommand(m)
		if code == codeGone {
			// Stopping: stay silent, the requester retries and reaches
			// the next owner.
			return
		}
		if code != "" {
			reply.Header.Set(headerError, code)
			reply.Data = []byte(msg)
		}
		_ = m.RespondMsg(reply)
	})
	if err != nil {
		return nil, err
	}
	return func() { _ = sub.Unsubscribe() }, nil
}

func (o *ownedShard) runCommand(m *nats.Msg) (code, msg string) {
	op, err := strconv.Atoi(m.Header.Get(headerOp))
	if err != nil {
		return codeNotCommand, "missing or bad " + headerOp + " header"
	}
	timeout := 2 * time.Second
	if ms, err := strconv.Atoi(m.Header.Get(headerTimeoutMs)); err == nil && ms > 0 {
		timeout = min(time.Duration(ms)*time.Millisecond, maxCommandTimeout)
	}
	ctx, cancel := context.WithTimeout(o.n.ctx, timeout)
	defer cancel()
	err = o.shard.Send(ctx, opcode.Opcode(op), m.Data)
	switch {
	case err == nil:
		return "", ""
	case errors.Is(err, gatewayutil.ErrShardClosed):
		return codeGone, ""
	case errors.Is(err, gateway.ErrPayloadTooLarge):
		return codeTooLarge, err.Error()
	case errors.Is(err, gateway.ErrNotCommand):
		return codeNotCommand, err.Error()
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		if o.shard.Status().State != gatewayutil.ShardConnected {
			return codeNotConnected, "shard " + strconv.Itoa(o.id) + " not connected"
		}
		return codeRateLimited, "shard " + strconv.Itoa(o.id) + " command limiter full"
	default:
		return codeOther, err.Error()
	}
}

// Commander sends gateway commands (op 3, 4, 8, 31, 43) to whichever node
// owns a shard, over request/reply.
type Commander struct {
	nc         *nats.Conn
	cfg        Config
	shardCount int
}

// NewCommander returns a Commander for a bot of shardCount shards.
func NewCommander(nc *nats.Conn, cfg Config, shardCount int) (*Commander, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if shardCount < 1 {
		return nil, fmt.Errorf("%w: shard count %d", ErrConfig, shardCount)
	}
	return &Commander{nc: nc, cfg: cfg, shardCount: shardCount}, nil
}

// ShardOf returns the shard of a guild: (guild >> 22) % shards.
func (c *Commander) ShardOf(guildID uint64) int {
	return int((guildID >> 22) % uint64(c.shardCount))
}

// Send sends a command to a shard's owner and waits for its answer. While no
// node owns the shard (it is moving) it retries until ctx ends, then returns
// an error matching ErrNoOwner. The owner's refusal comes back matching
// ErrShardNotConnected, ErrCommandRateLimited, gateway.ErrPayloadTooLarge,
// gateway.ErrNotCommand or ErrCommandRefused.
func (c *Commander) Send(ctx context.Context, shard int, op opcode.Opcode, d []byte) error {
	if shard < 0 || shard >= c.shardCount {
		return fmt.Errorf("%w: shard %d not in [0, %d)", ErrConfig, shard, c.shardCount)
	}
	if len(d) > gateway.MaxPayloadSize {
		return fmt.Errorf("cluster: command to shard %d: %w", shard, gateway.ErrPayloadTooLarge)
	}
	subj := c.cfg.CommandSubject(shard)
	wait := 20 * time.Millisecond
	var last error
	for {
		attempt := 2 * time.Second
		if dl, ok := ctx.Deadline(); ok {
			attempt = min(attempt, time.Until(dl))
		}
		if attempt <= 0 {
			break
		}
		m := nats.NewMsg(subj)
		m.Header.Set(headerOp, strconv.Itoa(int(op)))
		// The owner gives up a little before the caller does, so its
		// reason arrives in time.
		m.Header.Set(headerTimeoutMs, strconv.FormatInt(max(1, (attempt*9/10).Milliseconds()), 10))
		m.Data = d
		actx, cancel := context.WithTimeout(ctx, attempt)
		r, err := c.nc.RequestMsgWithContext(actx, m)
		cancel()
		if err == nil {
			return replyError(shard, r)
		}
		last = err
		if errors.Is(err, nats.ErrConnectionClosed) {
			return fmt.Errorf("cluster: command to shard %d: %w", shard, err)
		}
		// No responders (the shard is moving), a timeout, or NATS
		// reconnecting: try again while ctx lasts.
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: shard %d (last attempt: %v)", ErrNoOwner, shard, last)
		case <-time.After(wait):
		}
		wait = min(wait*2, 250*time.Millisecond)
	}
	return fmt.Errorf("%w: shard %d (last attempt: %v)", ErrNoOwner, shard, last)
}

func replyError(shard int, r *nats.Msg) error {
	code := r.Header.Get(headerError)
	msg := string(r.Data)
	switch code {
	case "":
		return nil
	case codeNotConnected:
		return fmt.Errorf("%w: shard %d: %s", ErrShardNotConnected, shard, msg)
	case codeRateLimited:
		return fmt.Errorf("%w: shard %d: %s", ErrCommandRateLimited, shard, msg)
	case codeTooLarge:
		return fmt.Errorf("cluster: shard %d: %w", shard, gateway.ErrPayloadTooLarge)
	case codeNotCommand:
		return fmt.Errorf("cluster: shard %d: %w", shard, gateway.ErrNotCommand)
	default:
		return fmt.Errorf("%w: shard %d: %s", ErrCommandRefused, shard, msg)
	}
}

// SendToGuild sends a command to the shard of a guild (op 8, request guild
// members; op 4, voice state).
func (c *Commander) SendToGuild(ctx context.Context, guildID uint64, op opcode.Opcode, d []byte) error {
	return c.Send(ctx, c.ShardOf(guildID), op, d)
}

// Broadcast sends a command to every shard (op 3, presence), in parallel,
// and returns the errors of the shards that failed, joined.
func (c *Commander) Broadcast(ctx context.Context, op opcode.Opcode, d []byte) error {
	errs := make([]error, c.shardCount)
	done := make(chan struct{}, c.shardCount)
	sem := make(chan struct{}, 64)
	for s := range c.shardCount {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; done <- struct{}{} }()
			errs[s] = c.Send(ctx, s, op, d)
		}()
	}
	for range c.shardCount {
		<-done
	}
	return errors.Join(errs...)
}
