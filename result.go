package gateway

import "github.com/gatewaykit/gateway/opcode"

// Kind says what a processed message was, and so what the driver does next.
type Kind int

const (
	// KindUnknown is a message with an op code the gateway does not
	// document. It is ignored, as the docs ask.
	KindUnknown Kind = iota
	// KindHello is HELLO: start the heartbeat timer now (first beat after
	// FirstHeartbeatDelay, then every HeartbeatInterval). The Client has
	// already written Identify or Resume, unless identify is deferred.
	KindHello
	// KindDispatch is an event for the handlers.
	KindDispatch
	// KindReady is the READY dispatch: the session is connected. It is a
	// dispatch too; deliver it like the others.
	KindReady
	// KindResumed is the RESUMED dispatch: the replay is over and the
	// session is connected. It is a dispatch too.
	KindResumed
	// KindHeartbeatRequest is a server op 1; the Client already answered
	// it, unless WithDeferredHeartbeatRequests leaves that to the driver.
	KindHeartbeatRequest
	// KindHeartbeatAck is op 11.
	KindHeartbeatAck
	// KindReconnect is op 7: the Client is closed; close the socket with a
	// non-1000 code and resume on a new connection.
	KindReconnect
	// KindInvalidSession is op 9: the Client is closed. Result.Resumable
	// says whether the Session can still be resumed; if not, identify anew
	// after a random 1–5 s wait.
	KindInvalidSession
)

var kindNames = [...]string{"unknown", "hello", "dispatch", "ready", "resumed", "heartbeat request", "heartbeat ack", "reconnect", "invalid session"}

// String returns a lower-case name for the kind.
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind?"
}

// Result is what ProcessNext did with one message.
type Result struct {
	Kind Kind
	// Op is the message's op code.
	Op opcode.Opcode
	// Type, Seq and Data are the event name, sequence number and raw JSON
	// "d" of a dispatch. Data aliases the Client's buffer (or the message
	// given to Process): it is valid until the next call.
	Type string
	Seq  int64
	Data []byte
	// Resumable is op 9's "d" for KindInvalidSession.
	Resumable bool
}

// IsDispatch reports whether the message was an op 0 dispatch (including
// READY and RESUMED) to deliver to handlers.
func (r *Result) IsDispatch() bool {
	return r.Kind == KindDispatch || r.Kind == KindReady || r.Kind == KindResumed
}
