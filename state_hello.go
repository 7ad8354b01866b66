package gateway

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/gatewaykit/gateway/encoding"
	"github.com/gatewaykit/gateway/opcode"
)

// stateHelloT waits for HELLO, then identifies or resumes.
type stateHelloT struct{}

func (stateHelloT) id() State { return StateHello }

type helloData struct {
	HeartbeatInterval *float64 `json:"heartbeat_interval"`
}

// Bounds on what a HELLO may ask for; Discord uses ~41 s. Below a
// millisecond a heartbeat timer would spin (and a fraction of a nanosecond
// rounds to 0); a time-scaled emulator still asks for tens of milliseconds.
const (
	minHeartbeatInterval = time.Millisecond
	maxHeartbeatInterval = 10 * time.Minute
)

func (stateHelloT) handle(c *Client, env *encoding.Envelope, w io.Writer) (Result, error) {
	if env.Op != opcode.Hello {
		return Result{Op: env.Op}, unexpected(env.Op, env.T, StateHello)
	}
	var h helloData
	if err := json.Unmarshal(env.D, &h); err != nil || h.HeartbeatInterval == nil {
		return Result{Op: env.Op}, fmt.Errorf("%w: HELLO without a valid heartbeat_interval", encoding.ErrMalformed)
	}
	ms := *h.HeartbeatInterval
	if !(ms >= float64(minHeartbeatInterval)/float64(time.Millisecond)) || ms > float64(maxHeartbeatInterval/time.Millisecond) {
		return Result{Op: env.Op}, fmt.Errorf("%w: HELLO heartbeat_interval %v ms out of range [%v, %v]", encoding.ErrMalformed, ms, minHeartbeatInterval, maxHeartbeatInterval)
	}
	c.interval = time.Duration(ms * float64(time.Millisecond))
	j := c.cfg.jitter()
	if !(j >= 0 && j < 1) {
		j = 0
	}
	c.firstDelay = time.Duration(float64(c.interval) * j)
	res := Result{Kind: KindHello, Op: env.Op}
	if c.hasSession {
		c.setState(resumeState)
		return res, c.sendResume(w)
	}
	c.setState(identifyState)
	if c.cfg.deferIdentify {
		return res, nil
	}
	return res, c.sendIdentify(w)
}
