package gatewayutil

import (
	"errors"
	"fmt"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
)

// LifecycleKind is what happened to a shard's connection.
type LifecycleKind uint8

// The lifecycle notifications, in the order a connection goes through
// them.
const (
	// LifecycleConnecting: a connection attempt starts (Resume tells
	// whether it will resume a session).
	LifecycleConnecting LifecycleKind = iota + 1
	// LifecycleReady: READY arrived; a new session began.
	LifecycleReady
	// LifecycleResumed: RESUMED arrived; the session goes on, nothing lost.
	LifecycleResumed
	// LifecycleGuildsReady: every guild READY listed as unavailable has had
	// its GUILD_CREATE (see Shard.WaitGuildsReady).
	LifecycleGuildsReady
	// LifecycleDisconnected: the connection (or the attempt) ended; Code is
	// the close code if there was one, Err why.
	LifecycleDisconnected
	// LifecycleReconnecting: the shard connects again after Wait.
	LifecycleReconnecting
	// LifecycleFatal: the shard stopped for good with Err (a fatal close
	// code such as 4004 or 4011, the identify budget spent, ...).
	LifecycleFatal
)

var lifecycleNames = [...]string{
	LifecycleConnecting:   "connecting",
	LifecycleReady:        "ready",
	LifecycleResumed:      "resumed",
	LifecycleGuildsReady:  "guilds ready",
	LifecycleDisconnected: "disconnected",
	LifecycleReconnecting: "reconnecting",
	LifecycleFatal:        "fatal",
}

// String returns the kind's name, or LifecycleKind(n) for an unknown one.
func (k LifecycleKind) String() string {
	if int(k) < len(lifecycleNames) && lifecycleNames[k] != "" {
		return lifecycleNames[k]
	}
	return fmt.Sprintf("LifecycleKind(%d)", uint8(k))
}

// Lifecycle is one notification about a shard's connection, given to
// Config.OnLifecycle.
//
// Lifecycle notifications are hooks, not events through the Dispatcher, on
// purpose: they are not gateway dispatches (no sequence number, no d, no
// guild to route by), and the Dispatcher's machinery would hurt them: its
// overload policy may drop events and a reshard's gate holds a shard set's
// events back, while "disconnected" or "fatal" must never be dropped, nor
// queued behind the backlog it explains. A hook is called at once, in
// order, on the shard's own goroutine, and costs nothing when unset.
type Lifecycle struct {
	Shard int           // the shard id
	Kind  LifecycleKind // what happened
	// Resume: for LifecycleConnecting, whether the attempt resumes a
	// session.
	Resume bool
	// Code is the close code that ended the connection (0 if it ended
	// without one), for LifecycleDisconnected and LifecycleFatal.
	Code closecode.Code
	// Err is why the connection ended, for LifecycleDisconnected and
	// LifecycleFatal (never holds the token).
	Err error
	// Wait is the pause before the next attempt, for LifecycleReconnecting.
	Wait time.Duration
}

// String describes the notification in one line: shard, kind, close code
// and error.
func (l Lifecycle) String() string {
	s := fmt.Sprintf("shard %d %v", l.Shard, l.Kind)
	if l.Code != 0 {
		s += fmt.Sprintf(" (close %d)", int(l.Code))
	}
	if l.Err != nil {
		s += ": " + l.Err.Error()
	}
	return s
}

// notify calls Config.OnLifecycle, if set.
func (s *Shard) notify(l Lifecycle) {
	if f := s.cfg.OnLifecycle; f != nil {
		l.Shard = s.cfg.ShardID
		f(l)
	}
}

// noteConnecting reports a connection attempt.
//
//go:noinline
func (s *Shard) noteConnecting(a *attempt) {
	s.notify(Lifecycle{Kind: LifecycleConnecting, Resume: a.sess.Resumable()})
}

// noteConnected reports READY or RESUMED.
func (s *Shard) noteConnected(resumed bool) {
	if resumed {
		s.notify(Lifecycle{Kind: LifecycleResumed})
		return
	}
	s.notify(Lifecycle{Kind: LifecycleReady})
}

// noteEnded reports how a connection ended and what comes next, from
// afterConnection's verdict: stop with err, or reconnect after a.plan.wait.
//
//go:noinline
func (s *Shard) noteEnded(r *runState, a *attempt, err error, stop bool) {
	if s.cfg.OnLifecycle == nil {
		return
	}
	var code closecode.Code
	var ce *gateway.CloseError
	if errors.As(a.res.err, &ce) {
		code = ce.Code
	}
	s.notify(Lifecycle{Kind: LifecycleDisconnected, Code: code, Err: a.res.err})
	switch {
	case !stop:
		s.notify(Lifecycle{Kind: LifecycleReconnecting, Wait: a.plan.wait})
	case err != nil && !s.isStopping(r):
		s.notify(Lifecycle{Kind: LifecycleFatal, Code: code, Err: err})
	}
}
