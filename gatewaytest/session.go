package gatewaytest

import (
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/intents"
)

// ErrNotConnected is returned by a fault injected into a session that has
// no connection at the moment.
var ErrNotConnected = errors.New("gatewaytest: session has no connection")

// ErrClosed is returned by a fault injected into a connection that is
// already closed.
var ErrClosed = errors.New("gatewaytest: connection closed")

// trafficBacklog is how many unwritten events a session may have before
// built-in traffic skips it: the per-session flow control that keeps a
// slow client from making memory grow.
const trafficBacklog = 128

// Session is a gateway session: what IDENTIFY starts and RESUME continues
// on a new connection. It holds the sequence numbers, the replay buffer and
// the shard; it outlives its connections until it is invalidated or stays
// without a connection longer than the resume window.
type Session struct {
	srv        *Server
	id         string
	token      string
	shardID    int
	shardCount int
	shardSent  bool
	intents    intents.Intent
	created    time.Time

	mu       sync.Mutex
	ring     replayRing
	seq      int64 // last sequence number assigned
	written  int64 // last sequence number handed to a connection's writer
	conn     *Conn
	dead     bool
	detached time.Time // when the last connection went away; zero while attached
	resumes  int
	rng      *rand.Rand
	// The identify burst (READY and the GUILD_CREATEs) may exceed the
	// replay bounds on its own; the overflow checks allow for it.
	bursting           bool // still queueing the identify burst
	stalling           bool // the connection is being closed for not reading
	burstN, burstBytes int
	fullSince          time.Time // when the unwritten events went over the bounds; zero when under
}

// ID returns the session_id sent in READY.
func (s *Session) ID() string { return s.id }

// Shard returns [shard_id, num_shards]; [0, 1] when identify had no shard.
func (s *Session) Shard() (id, count int) { return s.shardID, s.shardCount }

// Intents returns the intents the session identified with.
func (s *Session) Intents() intents.Intent { return s.intents }

// Seq returns the last sequence number the session assigned.
func (s *Session) Seq() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seq
}

// Conn returns the session's current connection, or nil.
func (s *Session) Conn() *Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn
}

// Alive reports whether the session can still be resumed or is connected.
func (s *Session) Alive() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.dead
}

// Resumes returns how many times the session was resumed.
func (s *Session) Resumes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resumes
}

// current returns the connection faults go to.
func (s *Session) current() (*Conn, error) {
	c := s.Conn()
	if c == nil {
		return nil, ErrNotConnected
	}
	return c, nil
}

// InjectReconnect sends op 7 on the session's connection.
func (s *Session) InjectReconnect() error {
	c, err := s.current()
	if err != nil {
		return err
	}
	return c.InjectReconnect()
}

// InjectInvalidSession sends op 9 on the session's connection.
func (s *Session) InjectInvalidSession(resumable bool) error {
	c, err := s.current()
	if err != nil {
		return err
	}
	return c.InjectInvalidSession(resumable)
}

// InjectClose closes the session's connection with code.
func (s *Session) InjectClose(code closecode.Code) error {
	c, err := s.current()
	if err != nil {
		return err
	}
	return c.InjectClose(code)
}

// Inject injects a fault of kind k into the session's connection.
func (s *Session) Inject(k FaultKind) error {
	c, err := s.current()
	if err != nil {
		return err
	}
	return c.Inject(k)
}

// DropTCP drops the session's connection without a close frame.
func (s *Session) DropTCP() error {
	c, err := s.current()
	if err != nil {
		return err
	}
	return c.DropTCP()
}

// deliver appends a dispatch to the session and wakes its writer. A
// droppable event (built-in traffic) is skipped when the session already
// has trafficBacklog unwritten events. It reports whether the event was
// taken.
func (s *Session) deliver(t string, d []byte, droppable bool) bool {
	c, ok := s.queue(t, d, droppable)
	if ok && c != nil {
		c.kick()
	}
	return ok
}

// queue is deliver without waking the writer; it returns the connection to
// wake.
func (s *Session) queue(t string, d []byte, droppable bool) (*Conn, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead || (droppable && s.seq-s.written >= trafficBacklog) {
		return nil, false
	}
	s.seq++
	s.ring.push(replayEntry{seq: s.seq, t: t, d: d})
	now := time.Now()
	s.trimLocked(now, s.conn != nil)
	if s.conn != nil && !s.bursting && s.noteFullLocked(now, hardOverflow) && !s.stalling {
		// Far over the bounds: the client is not keeping up at all. The
		// event stays queued; closing invalidates the session (and frees
		// the ring). Not under s.mu: closing takes the session's lock.
		s.stalling = true
		go s.conn.stalled("unwritten events far over the replay bounds")
	}
	return s.conn, true
}

// hardOverflow is how many times the replay bounds a connected session's
// unwritten events may reach before its connection is closed at once;
// over the bounds themselves it is closed after PeerTimeout.
const hardOverflow = 4

// noteFullLocked tracks whether the unwritten events of a connected
// session exceed the replay bounds (beyond the identify burst) and reports
// whether they exceed hardOverflow times the bounds.
func (s *Session) noteFullLocked(now time.Time, factor int) bool {
	cfg := &s.srv.cfg
	over := func(f int) bool {
		return s.ring.n > f*cfg.ReplayLimit+s.burstN || s.ring.bytes > f*cfg.ReplayBytes+s.burstBytes
	}
	if !over(1) {
		s.fullSince = time.Time{}
		return false
	}
	if s.fullSince.IsZero() {
		s.fullSince = now
	}
	return over(factor)
}

// endBurst marks the end of the identify burst.
func (s *Session) endBurst() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bursting = false
	s.burstN, s.burstBytes = s.ring.n, s.ring.bytes
}

// stalledConn returns the session's connection when its unwritten events
// have stayed over the replay bounds for longer than timeout.
func (s *Session) stalledConn(now time.Time, timeout time.Duration) *Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil || s.fullSince.IsZero() || now.Sub(s.fullSince) <= timeout {
		return nil
	}
	return s.conn
}

// backlog returns the number of unwritten events.
func (s *Session) backlog() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seq - s.written
}

// take appends up to max unwritten entries to dst for connection c and
// marks them written. It returns nothing unless c is the session's
// connection.
func (s *Session) take(c *Conn, dst []replayEntry, max int) []replayEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != c || s.dead || s.written >= s.seq {
		return dst
	}
	first := s.ring.firstSeq(s.seq + 1)
	if s.written+1 < first {
		// Unreachable while attached (unwritten entries are kept), but
		// never index before the ring.
		s.written = first - 1
	}
	now := time.Now().UnixNano()
	for i := int(s.written + 1 - first); i < s.ring.len() && len(dst) < max; i++ {
		e := s.ring.at(i)
		e.at = now
		dst = append(dst, *e)
	}
	if n := len(dst); n > 0 {
		s.written = dst[n-1].seq
		if !s.fullSince.IsZero() {
			s.trimLocked(time.Now(), true)
			s.noteFullLocked(time.Time{}, hardOverflow)
		}
	}
	return dst
}

// detach is called when connection c ends without invalidating the
// session: the session waits for a resume.
func (s *Session) detach(c *Conn, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != c {
		return
	}
	s.conn = nil
	s.detached = now
	s.fullSince, s.stalling = time.Time{}, false
	s.trimLocked(now, false)
}

// trimLocked applies the replay bounds: ReplayLimit and ReplayBytes, and
// the retention of written events, which are kept for the resume window
// after they were written. A client resumes from the last event it
// received, which was written moments before its connection ended, so
// older events are dead weight: without this an idle session would hold
// its GUILD_CREATEs forever.
func (s *Session) trimLocked(now time.Time, keepUnwritten bool) {
	cfg := &s.srv.cfg
	s.ring.trim(cfg.ReplayLimit, cfg.ReplayBytes, s.written, keepUnwritten, now.Add(-cfg.scale(cfg.ResumeWindow)).UnixNano())
}

// expireWritten drops events written longer ago than the resume window;
// the housekeeper calls it for sessions that receive nothing new.
func (s *Session) expireWritten(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ring.len() > 0 {
		s.trimLocked(now, s.conn != nil)
	}
}

// detachedSince returns when the session lost its connection; zero while
// attached.
func (s *Session) detachedSince() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead {
		return time.Time{}
	}
	return s.detached
}

// expired reports whether the session has had no connection for longer
// than window.
func (s *Session) expired(now time.Time, window time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.dead && s.conn == nil && !s.detached.IsZero() && now.Sub(s.detached) > window
}

// kill invalidates the session and forgets it. It returns the connection
// that was attached, if any (the caller decides what happens to it).
func (s *Session) kill() *Conn {
	s.mu.Lock()
	if s.dead {
		s.mu.Unlock()
		return nil
	}
	s.dead = true
	c := s.conn
	s.conn = nil
	s.ring.clear()
	s.mu.Unlock()
	s.srv.removeSession(s)
	return c
}
