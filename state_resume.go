package gateway

import (
	"io"

	"github.com/gatewaykit/gateway/encoding"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/opcode"
)

// stateResumeT has sent Resume and receives the replayed events until
// RESUMED.
type stateResumeT struct{}

func (stateResumeT) id() State { return StateResume }

func (stateResumeT) handle(c *Client, env *encoding.Envelope, w io.Writer) (Result, error) {
	if env.Op != opcode.Dispatch || env.T == event.Ready {
		return Result{Op: env.Op, Type: env.T}, unexpected(env.Op, env.T, StateResume)
	}
	if env.T == event.Resumed {
		c.setState(connectedState)
		c.cfg.logger.Info("gateway session resumed", "shard", c.cfg.shardID, "session", c.sessionID, "seq", c.seq)
		return dispatchResult(KindResumed, env), nil
	}
	return dispatchResult(KindDispatch, env), nil
}
