package gatewayutil

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/opcode"
)

// Command is a typed gateway command: its op code and a way to append its
// d as JSON (validating it first). The discord package's UpdatePresence,
// UpdateVoiceState, RequestGuildMembers, RequestSoundboardSounds and
// RequestChannelInfo implement it; so can a bot's own types. The interface
// lives here so that running shards never depends on typed data: any type
// with these two methods goes through.
type Command interface {
	Op() opcode.Opcode
	AppendPayload(dst []byte) ([]byte, error)
}

// GuildCommand is a Command about one guild (voice state, guild members,
// channel info): a Manager sends it on the shard that owns the guild.
type GuildCommand interface {
	Command
	Guild() uint64
}

// Why a command was refused, matched with errors.Is on the error of
// SendCommand and the request methods (which wrap them in a
// *CommandError).
var (
	// ErrCommandLimited: the connection's command limit (Config.CommandLimit
	// per Config.CommandWindow, less the room kept for heartbeats) had no
	// slot before ctx ended.
	ErrCommandLimited = errors.New("gatewayutil: command limit reached")
	// ErrShardNotConnected: the shard was not connected (not READY or
	// RESUMED) before ctx ended.
	ErrShardNotConnected = errors.New("gatewayutil: shard not connected")
	// ErrInvalidCommand: the command's AppendPayload refused it, or its op
	// code is not a command's.
	ErrInvalidCommand = errors.New("gatewayutil: invalid command")
)

// CommandError is why a typed command was not sent or not answered: the
// shard, the op code, the shard's state at the time, and the cause, which
// errors.Is matches against ErrCommandLimited, ErrShardNotConnected,
// ErrInvalidCommand, ErrShardClosed, gateway.ErrPayloadTooLarge and the
// context's error.
type CommandError struct {
	Shard int           // the shard id
	Op    opcode.Opcode // the command's op code
	State ShardState    // the shard's state when the command was refused
	Err   error         // the cause
}

// Error names the shard, the command, the shard's state and the cause.
func (e *CommandError) Error() string {
	return fmt.Sprintf("gatewayutil: shard %d: %v (op %d), shard %v: %v", e.Shard, e.Op, int(e.Op), e.State, e.Err)
}

// Unwrap returns the cause.
func (e *CommandError) Unwrap() error { return e.Err }

// SendCommand validates and encodes cmd, then sends it like Send: once the
// shard is connected and its command limiter has a slot, or until ctx
// ends. Errors are *CommandError, saying which limit or state refused the
// command.
func (s *Shard) SendCommand(ctx context.Context, cmd Command) error {
	if err := s.sendCommand(ctx, cmd); err != nil {
		return s.commandError(cmd.Op(), err)
	}
	return nil
}

func (s *Shard) commandError(op opcode.Opcode, err error) error {
	var ce *CommandError
	if errors.As(err, &ce) {
		return err
	}
	return &CommandError{Shard: s.cfg.ShardID, Op: op, State: ShardState(s.stats.state.Load()), Err: err}
}

// sendCommand is SendCommand's body, which tells the refusals apart: the
// connection wait and the limiter wait each end with a cause of their own.
func (s *Shard) sendCommand(ctx context.Context, cmd Command) error {
	op := cmd.Op()
	if !op.Command() {
		return fmt.Errorf("%w: %w: %v", ErrInvalidCommand, gateway.ErrNotCommand, op)
	}
	d, err := cmd.AppendPayload(nil)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidCommand, err)
	}
	if len(d)+len(`{"op":43,"d":}`) > gateway.MaxPayloadSize {
		return fmt.Errorf("%w: %d bytes of data", gateway.ErrPayloadTooLarge, len(d))
	}
	switch stage, err := s.sendWhenConnected(ctx, op, d); stage {
	case sendStageConnect:
		return fmt.Errorf("%w: %w", ErrShardNotConnected, context.Cause(ctx))
	case sendStageLimit:
		return fmt.Errorf("%w (%d per %v): %w", ErrCommandLimited, s.cfg.CommandLimit, s.cfg.CommandWindow, err)
	default:
		return err
	}
}

// SendGuildCommand sends cmd on the shard that owns its guild,
// (guild_id >> 22) % shard_count: an UpdateVoiceState, say. It fails
// with ErrShardNotHere when this process does not run that shard.
func (m *Manager) SendGuildCommand(ctx context.Context, cmd GuildCommand) error {
	sh, err := m.guildShard(cmd.Guild())
	if err != nil {
		return err
	}
	return sh.SendCommand(ctx, cmd)
}

// guildShard returns the running shard that owns a guild.
func (m *Manager) guildShard(guildID uint64) (*Shard, error) {
	id := m.ShardForGuild(guildID)
	sh := m.Shard(id)
	if sh == nil {
		if !m.isStarted() {
			return nil, ErrManagerNotStarted
		}
		return nil, fmt.Errorf("%w: guild %d is on shard %d", ErrShardNotHere, guildID, id)
	}
	return sh, nil
}

// Broadcast sends cmd on every shard this Manager runs, concurrently (each
// shard has its own command limit), such as an UpdatePresence for the
// whole bot. It returns once every shard sent it or gave up; the error
// joins each shard's *CommandError.
func (m *Manager) Broadcast(ctx context.Context, cmd Command) error {
	shards, err := m.runningShards()
	if err != nil {
		return err
	}
	errs := make([]error, len(shards))
	done := make(chan struct{}, len(shards))
	for i, sh := range shards {
		go func() {
			errs[i] = sh.SendCommand(ctx, cmd)
			done <- struct{}{}
		}()
	}
	for range shards {
		<-done
	}
	return errors.Join(errs...)
}
