package gateway

import (
	"errors"
	"fmt"

	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/opcode"
)

// Errors returned by the Client. Match them with errors.Is.
var (
	// ErrClosed is returned by every call on a Client after it closed.
	ErrClosed = errors.New("gateway: client is closed")
	// ErrZombie is returned by Heartbeat when nothing at all arrived since
	// the previous heartbeat: the connection is zombied and must be closed
	// with a non-1000 code and resumed.
	ErrZombie = errors.New("gateway: no frame received since the last heartbeat (zombie connection)")
	// ErrUnexpected is returned when the server sends a message that makes
	// no sense in the Client's current state. The message is ignored.
	ErrUnexpected = errors.New("gateway: unexpected message")
	// ErrNotConnected is returned by Send before READY or RESUMED.
	ErrNotConnected = errors.New("gateway: session not connected")
	// ErrPayloadTooLarge is returned for a payload over MaxPayloadSize.
	ErrPayloadTooLarge = errors.New("gateway: payload over 4096 bytes")
	// ErrNotCommand is returned by Send for an op code that is not an
	// ordinary command (see opcode.Opcode.Command).
	ErrNotCommand = errors.New("gateway: op code is not a command")
	// ErrConfig is matched by every configuration error from NewClient.
	ErrConfig = errors.New("gateway: invalid configuration")
	// ErrSessionMismatch is returned by NewClient when the session to resume
	// belongs to another shard or shard count: it must not be resumed,
	// because its events would be routed for another shard layout.
	ErrSessionMismatch = errors.New("gateway: session belongs to another shard layout")
)

// MaxPayloadSize is the largest payload a client may send (docs/protocol.md §8).
const MaxPayloadSize = 4096

// CloseError reports that the gateway closed the connection with a code.
// Fatal codes (4004, 4010–4014) mean reconnecting cannot succeed. Match it
// with errors.As, or test for one code with errors.Is(err, CodeError(4004)).
type CloseError struct {
	Code   closecode.Code
	Reason string
}

// Error gives the close code, what it calls for, and the reason the
// gateway sent.
func (e *CloseError) Error() string {
	msg := fmt.Sprintf("gateway: closed with %v (%v)", e.Code, e.Code.Action())
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// Fatal reports whether the code forbids reconnecting.
func (e *CloseError) Fatal() bool { return e.Code.Fatal() }

// Is makes errors.Is(err, CodeError(c)) true for a CloseError with code c.
func (e *CloseError) Is(target error) bool {
	if c, ok := target.(closeCodeError); ok {
		return closecode.Code(c) == e.Code
	}
	return false
}

// closeCodeError is the errors.Is target made by CodeError.
type closeCodeError closecode.Code

func (c closeCodeError) Error() string { return closecode.Code(c).String() }

// CodeError returns a value that errors.Is matches against any CloseError
// with code c: errors.Is(err, gateway.CodeError(4004)).
func CodeError(c closecode.Code) error { return closeCodeError(c) }

// unexpected builds an ErrUnexpected error naming the op, event and state.
func unexpected(op opcode.Opcode, t string, s State) error {
	if t != "" {
		return fmt.Errorf("%w: %v %s in state %v", ErrUnexpected, op, t, s)
	}
	return fmt.Errorf("%w: %v in state %v", ErrUnexpected, op, s)
}
