package gateway

import (
	"io"

	"github.com/gatewaykit/gateway/encoding"
)

// State is where a Client is in the session lifecycle.
type State int32

const (
	// StateHello waits for the server's HELLO.
	StateHello State = iota
	// StateIdentify has sent (or, deferred, is about to send) Identify and
	// waits for READY.
	StateIdentify
	// StateResume has sent Resume and receives the replay until RESUMED.
	StateResume
	// StateConnected receives events.
	StateConnected
	// StateClosed is final.
	StateClosed
)

var stateNames = [...]string{"hello", "identify", "resume", "connected", "closed"}

// String returns a lower-case name for the state.
func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "state?"
}

// state is one state of the Client's state machine. handle consumes a
// message that the Client's common handling (heartbeats, op 7, op 9) did not
// already take, and may move the Client to another state.
type state interface {
	id() State
	handle(c *Client, env *encoding.Envelope, w io.Writer) (Result, error)
}

// The states hold no data of their own, so one value of each serves every
// Client.
var (
	helloState     state = stateHelloT{}
	identifyState  state = stateIdentifyT{}
	resumeState    state = stateResumeT{}
	connectedState state = stateConnectedT{}
	closedState    state = stateClosedT{}
)
