package gatewayutil

import (
	"errors"
	"fmt"
	"strings"
)

// Errors returned by Shard methods.
var (
	// ErrShardRunning is returned by Run when the shard is already running.
	ErrShardRunning = errors.New("gatewayutil: shard already running")
	// ErrShardClosed is returned by Run and Send after Close.
	ErrShardClosed = errors.New("gatewayutil: shard closed")
)

// Why a connection ended, when it was not a close frame from the server.
var (
	// ErrZombie is why a connection ended when a heartbeat went
	// unanswered: nothing at all arrived for a whole interval after it.
	// The shard closes with a non-1000 code and resumes.
	ErrZombie = errors.New("gatewayutil: heartbeat not acknowledged (zombie connection)")
	// ErrHelloTimeout: no HELLO within Config.HelloTimeout.
	ErrHelloTimeout = errors.New("gatewayutil: no HELLO within the timeout")
	// ErrReadyTimeout: no READY (or no progress towards RESUMED) within
	// Config.ReadyTimeout.
	ErrReadyTimeout = errors.New("gatewayutil: no READY or RESUMED within the timeout")
	// ErrReconnectRequested: the gateway sent op 7; the shard resumes.
	ErrReconnectRequested = errors.New("gatewayutil: gateway asked to reconnect (op 7)")
)

// InvalidSessionError is why a connection ended after op 9 Invalid
// Session. Resumable is op 9's d: true resumes at once, false identifies
// again after a random pause.
type InvalidSessionError struct{ Resumable bool }

// Error says whether the invalidated session may be resumed.
func (e *InvalidSessionError) Error() string {
	return fmt.Sprintf("gatewayutil: session invalidated (op 9, resumable %v)", e.Resumable)
}

// errTransportWrite marks errors of the connection's writer, so the read
// loop can tell them from the protocol Client's complaints about a message.
var errTransportWrite = errors.New("gatewayutil: write failed")

// errShardStopping is why a connection ended when the shard was stopped
// (Close or the end of Run's context).
var errShardStopping = errors.New("gatewayutil: shard stopping")

// redactSecret returns err, unless its text contains the token (a hostile
// gateway may echo it in a close reason): then an error with the same
// chain whose text has the token replaced, so that logs and Status never
// show it.
func redactSecret(err error, token string) error {
	if err == nil {
		return nil
	}
	raw := strings.TrimSpace(token)
	if len(raw) > 4 && strings.EqualFold(raw[:4], "bot ") {
		raw = strings.TrimSpace(raw[4:])
	}
	msg := err.Error()
	if raw == "" || !strings.Contains(msg, raw) {
		return err
	}
	return &redactedError{err: err, msg: strings.ReplaceAll(msg, raw, "[REDACTED]")}
}

// redactedError is an error whose text had the token taken out.
type redactedError struct {
	err error
	msg string
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
