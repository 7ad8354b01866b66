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

func (stateConnectedT) handle(c *Client, env *encoding.Envelope, w io.Writer) (Result, error) {
	if env.Op != opcode.Dispatch || env.T == event.Ready || env.T == event.Resumed {
		return Result{Op: env.Op, Type: env.T}, unexpected(env.Op, env.T, StateConnected)
	}
	return dispatchResult(KindDispatch, env), nil
}
