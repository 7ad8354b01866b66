package gateway

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/gatewaykit/gateway/encoding"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/opcode"
)

// stateIdentifyT has identified and waits for READY.
type stateIdentifyT struct{}

func (stateIdentifyT) id() State { return StateIdentify }

type readyData struct {
	SessionID        string `json:"session_id"`
	ResumeGatewayURL string `json:"resume_gateway_url"`
}

func (stateIdentifyT) handle(c *Client, env *encoding.Envelope, w io.Writer) (Result, error) {
	if env.Op != opcode.Dispatch || env.T != event.Ready {
		return Result{Op: env.Op, Type: env.T}, unexpected(env.Op, env.T, StateIdentify)
	}
	var r readyData
	if err := json.Unmarshal(env.D, &r); err != nil || r.SessionID == "" {
		return Result{Op: env.Op, Type: env.T}, fmt.Errorf("%w: READY without a session_id", encoding.ErrMalformed)
	}
	c.sessionID, c.resumeURL, c.hasSession = r.SessionID, r.ResumeGatewayURL, true
	c.setState(connectedState)
	c.cfg.logger.Info("gateway session ready", "shard", c.cfg.shardID, "session", r.SessionID)
	return dispatchResult(KindReady, env), nil
}
