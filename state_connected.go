package gateway

import (
	"io"

	"github.com/gatewaykit/gateway/encoding"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/opcode"
)

// stateConnectedT receives events.
type stateConnectedT struct{}

func (stateConnectedT) id() State { return StateConnected }

// A RESUMED here is an event like any other: RESUMED is a sequenced
// dispatch, so a later resume from before it replays it, and that stale
// RESUMED ends the resume state early; the real one then arrives here.
// Refusing it would skip its sequence number, which the audit of a
// session sees as a lost dispatch.
func (stateConnectedT) handle(c *Client, env *encoding.Envelope, w io.Writer) (Result, error) {
	if env.Op != opcode.Dispatch || env.T == event.Ready {
		return Result{Op: env.Op, Type: env.T}, unexpected(env.Op, env.T, StateConnected)
	}
	return dispatchResult(KindDispatch, env), nil
}
