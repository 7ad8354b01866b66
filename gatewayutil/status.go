package gatewayutil

import (
	"fmt"
	"sync/atomic"
	"time"
)

// ShardState is where a Shard is in its life. It starts idle; every
// connection goes from connecting to identifying (a new session) or resuming
// (an old one) to connected; between connections it is waiting; once Run
// returns it is stopped for good:
//
//	ShardIdle         Run not called yet
//	ShardConnecting   dialing, WebSocket handshake, waiting for HELLO
//	ShardIdentifying  waiting for an identify slot, or Identify sent and waiting for READY
//	ShardResuming     Resume sent, missed events arriving until RESUMED
//	ShardConnected    receiving events
//	ShardWaiting      between connections: backoff, or the wait before identifying after op 9
//	ShardStopped      Run returned (final)
type ShardState int32

const (
	// ShardIdle has not started: Run was not called yet.
	ShardIdle ShardState = iota
	// ShardConnecting is dialing, in the WebSocket handshake, or waiting
	// for HELLO.
	ShardConnecting
	// ShardIdentifying waits for an identify slot or for READY.
	ShardIdentifying
	// ShardResuming has sent Resume and receives the missed events until
	// RESUMED.
	ShardResuming
	// ShardConnected receives events.
	ShardConnected
	// ShardWaiting is between connections: backing off after failures, or
	// waiting before a new identify after an invalid session.
	ShardWaiting
	// ShardStopped is final: Run returned.
	ShardStopped
)

var shardStateNames = [...]string{"idle", "connecting", "identifying", "resuming", "connected", "waiting", "stopped"}

// String returns a lower-case name for the state.
func (s ShardState) String() string {
	if s >= 0 && int(s) < len(shardStateNames) {
		return shardStateNames[s]
	}
	return fmt.Sprintf("ShardState(%d)", int32(s))
}

// latencyWindow is how many recent heartbeat round trips Status reports.
const latencyWindow = 8

// Status is a snapshot of a Shard, from Shard.Status.
type Status struct {
	// Shard is the shard id.
	Shard int
	// State is where the shard is.
	State ShardState
	// SessionID and Seq are the current session and the last sequence
	// number received ("" and 0 without a session).
	SessionID string
	Seq       int64
	// Latency is the round trip of the last acknowledged heartbeat.
	// Before the first ACK it is 0, meaning unknown: check HasLatency.
	// Latencies holds up to the last 8, oldest first.
	Latency   time.Duration
	Latencies []time.Duration
	// Stalled is the watchdog's verdict: heartbeats are acknowledged but no
	// dispatch arrived for Config.StallIntervals heartbeat intervals. The
	// connection is alive; the gateway has stopped sending events. The
	// shard keeps running; whether to act is the caller's decision.
	Stalled bool
	// LastDispatch is when the last dispatch arrived, to within a few
	// milliseconds while events stream in (zero if none yet).
	LastDispatch time.Time

	// BytesWire counts the bytes read from the socket (frames, before
	// decompression, after TLS); BytesDecoded the bytes of the gateway
	// messages after decompression.
	BytesWire    int64
	BytesDecoded int64
	// Messages counts gateway messages of every op code; Dispatches the op 0
	// ones delivered to the handler (READY and RESUMED included).
	Messages   int64
	Dispatches int64
	// Connections counts WebSocket connections opened; Reconnects those
	// after the first.
	Connections int64
	Reconnects  int64
	// Identifies counts Identify payloads sent, Resumes sessions resumed
	// (RESUMED received), InvalidSessions op 9 received, Zombies
	// connections closed because a heartbeat went unanswered.
	Identifies      int64
	Resumes         int64
	InvalidSessions int64
	Zombies         int64
	// HeartbeatsSent and HeartbeatAcks count op 1 sent (also on the
	// server's request) and op 11 received.
	HeartbeatsSent int64
	HeartbeatAcks  int64
	// HeartbeatLate is how late the last scheduled heartbeat went out
	// against its schedule: timer and scheduler delays, the wait for the
	// command limiter and the write. Config.HeartbeatLateness collects
	// every one.
	HeartbeatLate time.Duration
	// HandlerErrors counts dispatches the handler returned an error for.
	HandlerErrors int64
	// LastError is why the last connection (or connection attempt: a
	// refused dial, a failed handshake) ended, nil if none did yet;
	// LastErrorAt is when. Neither is cleared when a connection succeeds:
	// Failures says whether the shard is in trouble now.
	LastError   error
	LastErrorAt time.Time
	// Failures counts the consecutive connections that failed, or ended
	// before they were stable (Config.StableAfter): 0 while all is well,
	// 2 or more while the shard backs off from a gateway it cannot keep a
	// session with (a warning with the cause is logged then).
	Failures int
}

// String summarises the status on one line, without anything secret.
func (s Status) String() string {
	return fmt.Sprintf("shard %d %v session %q seq %d latency %v dispatches %d reconnects %d resumes %d identifies %d",
		s.Shard, s.State, s.SessionID, s.Seq, s.latencyText(), s.Dispatches, s.Reconnects, s.Resumes, s.Identifies)
}

// counters is the live, lock-free side of Status: every field is written by
// the shard's goroutines and read by Status from any goroutine.
type counters struct {
	state           atomic.Int32
	bytesWire       atomic.Int64
	bytesDecoded    atomic.Int64
	messages        atomic.Int64
	dispatches      atomic.Int64
	connections     atomic.Int64
	identifies      atomic.Int64
	resumes         atomic.Int64
	invalidSessions atomic.Int64
	zombies         atomic.Int64
	beats           atomic.Int64
	beatLate        atomic.Int64 // nanoseconds
	acks            atomic.Int64
	handlerErrors   atomic.Int64
	lastDispatch    atomic.Int64 // unix nanoseconds
	stalled         atomic.Bool
	lastErr         atomic.Pointer[errorBox]
	failures        atomic.Int64
	sessionID       atomic.Pointer[string]
	seq             atomic.Int64

	latencies [latencyWindow]atomic.Int64
	latencyN  atomic.Uint64 // latencies recorded so far
}

type errorBox struct {
	err error
	at  time.Time
}

func (c *counters) setState(s ShardState) { c.state.Store(int32(s)) }

// setSession publishes the session's id and sequence number for Status.
func (c *counters) setSession(id string, seq int64) {
	if p := c.sessionID.Load(); p == nil || *p != id {
		c.sessionID.Store(&id)
	}
	c.seq.Store(seq)
}

func (c *counters) addLatency(d time.Duration) {
	n := c.latencyN.Load()
	c.latencies[n%latencyWindow].Store(int64(d))
	c.latencyN.Store(n + 1)
}

func (c *counters) setLastError(err error) {
	if err != nil {
		c.lastErr.Store(&errorBox{err: err, at: time.Now()})
	}
}

// snapshot fills st.
func (c *counters) snapshot(st *Status) {
	st.State = ShardState(c.state.Load())
	if p := c.sessionID.Load(); p != nil {
		st.SessionID = *p
	}
	st.Seq = c.seq.Load()
	n := c.latencyN.Load()
	k := min(n, latencyWindow)
	if k > 0 {
		st.Latencies = make([]time.Duration, 0, k)
		for i := n - k; i < n; i++ {
			st.Latencies = append(st.Latencies, time.Duration(c.latencies[i%latencyWindow].Load()))
		}
		st.Latency = st.Latencies[len(st.Latencies)-1]
	}
	st.Stalled = c.stalled.Load()
	if t := c.lastDispatch.Load(); t != 0 {
		st.LastDispatch = time.Unix(0, t)
	}
	st.BytesWire = c.bytesWire.Load()
	st.BytesDecoded = c.bytesDecoded.Load()
	st.Messages = c.messages.Load()
	st.Dispatches = c.dispatches.Load()
	st.Connections = c.connections.Load()
	st.Reconnects = max(st.Connections-1, 0)
	st.Identifies = c.identifies.Load()
	st.Resumes = c.resumes.Load()
	st.InvalidSessions = c.invalidSessions.Load()
	st.Zombies = c.zombies.Load()
	st.HeartbeatsSent = c.beats.Load()
	st.HeartbeatAcks = c.acks.Load()
	st.HeartbeatLate = time.Duration(c.beatLate.Load())
	st.HandlerErrors = c.handlerErrors.Load()
	if b := c.lastErr.Load(); b != nil {
		st.LastError, st.LastErrorAt = b.err, b.at
	}
	st.Failures = int(c.failures.Load())
}
