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
	c.setState(connectedState)
	if err := (Session{ID: r.SessionID}).Validate(); err != nil {
		// A protocol violation, but the connection itself works: deliver
		// READY and keep nothing to resume, so the next connection
		// identifies rather than sending a Resume that cannot be sent.
		c.dropSession()
		c.cfg.logger.Warn("gateway READY set an unusable session id; the session will not be resumed", "shard", c.cfg.shardID, "err", err)
		return dispatchResult(KindReady, env), nil
	}
	resumeURL := r.ResumeGatewayURL
	if err := (Session{ID: r.SessionID, ResumeURL: resumeURL}).Validate(); err != nil {
		// The session is fine; only the URL cannot be right. A resume
		// goes to the original gateway URL, as when a resume URL is
		// absent.
		resumeURL = ""
		c.cfg.logger.Warn("gateway READY set an unusable resume_gateway_url; resuming on the original URL", "shard", c.cfg.shardID, "err", err)
	}
	c.sessionID, c.resumeURL, c.hasSession = r.SessionID, resumeURL, true
	c.cfg.logger.Info("gateway session ready", "shard", c.cfg.shardID, "session", r.SessionID)
	return dispatchResult(KindReady, env), nil
}
