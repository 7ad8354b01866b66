package cluster

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// ownedShard is one shard a Node holds the lease of: a goroutine renews the
// lease, writes the session behind, watches the lease's SafeUntil and stops
// the shard when it must.
type ownedShard struct {
	n     *Node
	id    int
	lease *Lease

	shard    *gatewayutil.Shard
	handover chan struct{}
	changed  chan struct{}

	connMu   sync.Mutex
	conns    []net.Conn // this shard's sockets, for a hard stop
	stopping bool       // set by stop: no new socket may open

	// expired is closed by the deadline timer when SafeUntil passes with
	// no renewal, after it cut the sockets. The timer runs on its own, not
	// in run's loop: a renewal or session write stuck in the NATS client
	// (whose writes to a silently partitioned server hold the connection's
	// lock for up to its one-minute flusher timeout, whatever the
	// context says) must not keep the shard connected past its lease.
	deadline   *time.Timer
	expired    chan struct{}
	expireOnce sync.Once

	sessRev     uint64
	written     gateway.Session
	writtenAt   time.Time
	takeover    bool
	takenFrom   gateway.Session // the stored session a takeover started from
	identCounts bool

	stopCommands func()          // set while the node answers the shard's commands
	pub          *ShardPublisher // the shard's events publisher, if any
}

func (o *ownedShard) handOver() {
	select {
	case <-o.handover:
	default:
		close(o.handover)
	}
}

// errShardStopping refuses a socket to a shard its node is stopping.
var errShardStopping = errors.New("cluster: shard is being stopped")

// stopReason says how an owned shard ends.
type stopReason int

const (
	stopHandover stopReason = iota // drain or rebalance: resumable, session written, lease released
	stopLost                       // lease or session changed hands: stop at once, write nothing
	stopDeadline                   // could not renew by SafeUntil: stop, write nothing
	stopKilled                     // the node was killed: write nothing
	stopFatal                      // the gateway refused the shard for good
)

func (o *ownedShard) run() {
	n := o.n
	defer n.release(o)
	log := n.log.With("shard", o.id)
	o.expired = make(chan struct{})
	o.deadline = time.AfterFunc(time.Until(o.lease.SafeUntil()), o.expire)
	defer o.deadline.Stop()

	ctx, cancel := o.opContext()
	sess, rev, err := n.b.loadSession(ctx, o.id, n.cfg.ShardCount)
	cancel()
	if err != nil && rev == 0 {
		// Without knowing whether a session is stored, starting would risk
		// an identify where a resume was possible: give the lease back.
		log.Warn("cannot read the stored session; giving the shard back", "err", err)
		n.startErrors.Add(1)
		o.releaseLease()
		return
	}
	o.sessRev, o.written, o.writtenAt = rev, sess, time.Now()
	if sess.Resumable() {
		o.takeover, o.takenFrom = true, sess
		n.takeovers.Add(1)
		if n.cfg.OnTakeover != nil {
			n.cfg.OnTakeover(o.id, sess)
		}
		log.Info("taking over shard", "session_seq", sess.Seq, "lease_rev", o.lease.Revision())
	} else {
		log.Info("starting shard", "lease_rev", o.lease.Revision())
	}

	cfg := n.cfg.Shard
	cfg.ShardID, cfg.ShardCount = o.id, n.cfg.ShardCount
	cfg.Session = sess
	cfg.IdentifyLimiter = n.cfg.Limiter
	cfg.NetDial = o.dial
	cfg.OnSession = func(gateway.Session) {
		select {
		case o.changed <- struct{}{}:
		default:
		}
	}
	if n.cfg.Events != nil {
		sp := n.cfg.Events.ForShard(o.id)
		sp.startFrom(sess)
		if n.cfg.Events.Mode() == Live {
			// Fencing: a later owner's events carry a higher epoch.
			sp.setEpoch(o.lease.Revision())
			sp.takeOver(sess)
		}
		o.pub = sp
		cfg.Sink = teeSink{pub: sp, next: cfg.Sink}
		changed := cfg.OnSession
		cfg.OnSession = func(s gateway.Session) {
			sp.SetSession(s)
			changed(s)
		}
	}
	sh, err := gatewayutil.NewShard(cfg)
	if err != nil {
		log.Error("cannot build shard", "err", err)
		n.startErrors.Add(1)
		o.releaseLease()
		return
	}
	n.mu.Lock()
	o.shard = sh
	n.mu.Unlock()
	runDone := make(chan error, 1)
	go func() { runDone <- sh.Run(context.Background()) }()
	if n.cfg.ServeCommands {
		stopCommands, err := o.serveCommands(n.b.js.Conn())
		if err != nil {
			log.Warn("cannot serve commands", "err", err)
		} else {
			o.stopCommands = stopCommands
		}
	}

	// Renew every third of the TTL; after a failure, retry quickly, so a
	// short NATS outage (a restart) costs no shard.
	renewEvery := n.b.cfg.LeaseTTL / 3
	retryEvery := min(n.b.cfg.LeaseTTL/20, 250*time.Millisecond)
	renew := time.NewTicker(renewEvery)
	defer renew.Stop()
	flush := time.NewTicker(n.cfg.FlushInterval)
	defer flush.Stop()
	var pubBroken <-chan struct{}
	if o.pub != nil {
		pubBroken = o.pub.Broken()
	}

	for {
		select {
		case <-renew.C:
			start := time.Now()
			err := o.lease.Renew(n.ctx)
			switch {
			case err == nil:
				n.renewLatency.Observe(time.Since(start))
				o.extendDeadline()
				renew.Reset(renewEvery)
			case errors.Is(err, ErrLeaseLost):
				log.Warn("lease lost; stopping shard", "err", err)
				n.leaseLost.Add(1)
				o.stop(stopLost, runDone)
				return
			default:
				log.Warn("lease renewal failed", "err", err, "safe_for", time.Until(o.lease.SafeUntil()).Round(time.Millisecond))
				renew.Reset(retryEvery)
			}
		case <-o.expired:
			log.Warn("lease not renewed in time; stopped shard before it could expire")
			n.watchdogStops.Add(1)
			o.stop(stopDeadline, runDone)
			return
		case <-flush.C:
			if err := o.flush(false); errors.Is(err, ErrFenced) {
				n.fenced.Add(1)
				log.Warn("fenced out of the session; stopping shard", "err", err)
				o.stop(stopLost, runDone)
				return
			}
		case <-o.changed:
			if err := o.flush(false); errors.Is(err, ErrFenced) {
				n.fenced.Add(1)
				o.stop(stopLost, runDone)
				return
			}
		case <-o.handover:
			n.handovers.Add(1)
			o.stop(stopHandover, runDone)
			return
		case <-pubBroken:
			// Durable events in flight at a NATS reconnect were not
			// confirmed: hand the shard over (to this node again,
			// usually) so that it resumes from the stored session and
			// the gateway replays them in order.
			log.Warn("resuming the shard from its stored session to republish unconfirmed events")
			n.handovers.Add(1)
			o.stop(stopHandover, runDone)
			return
		case <-n.ctx.Done():
			if n.killed.Load() {
				o.stop(stopKilled, runDone)
			} else {
				o.stop(stopHandover, runDone)
			}
			return
		case err := <-runDone:
			// Run returned by itself: a fatal close code or the budget.
			log.Error("shard stopped", "err", err)
			var ce *gateway.CloseError
			if errors.As(err, &ce) {
				n.cancel(err)
			}
			runDone <- err
			o.stop(stopFatal, runDone)
			return
		}
	}
}

// expire runs when SafeUntil passes without a renewal: it cuts the shard's
// sockets at once, bars new ones, and tells run's loop to finish the stop.
func (o *ownedShard) expire() {
	o.expireOnce.Do(func() {
		o.connMu.Lock()
		o.stopping = true
		o.connMu.Unlock()
		o.cut()
		close(o.expired)
	})
}

// extendDeadline moves the deadline timer to the lease's SafeUntil after a
// successful renewal. Once the timer has fired the shard is cut for good:
// a renewal that lands later does not bring it back (run's loop sees
// expired and stops it).
func (o *ownedShard) extendDeadline() {
	select {
	case <-o.expired:
		return
	default:
	}
	if !o.deadline.Stop() {
		return // fired, or firing: expire will close expired
	}
	o.deadline.Reset(time.Until(o.lease.SafeUntil()))
}

// flush writes the shard's session if it changed since the last write, or
// if the stored copy is getting old (so it does not expire from the bucket).
func (o *ownedShard) flush(final bool) error {
	cur := o.shard.Session()
	if o.pub != nil && cur.Resumable() {
		// Never store a sequence number past what reached NATS: a
		// node dying after the write but before the publish would
		// otherwise leave a gap nobody replays.
		if err := o.pub.confirm(o.n.b.cfg.OpTimeout, &cur); err != nil {
			return err
		}
	}
	if !cur.Resumable() {
		if !o.written.Resumable() {
			return nil
		}
		// The gateway ended the session (op 9 that cannot be resumed):
		// forget the stored one, so that a node taking the shard over
		// now does not try to resume it.
		ctx, cancel := o.opContext()
		defer cancel()
		if err := o.n.b.forgetSession(ctx, o.id, o.n.cfg.ShardCount, o.sessRev); err != nil {
			return err
		}
		o.sessRev, o.written, o.writtenAt = 0, gateway.Session{}, time.Now()
		return nil
	}
	if !final && cur == o.written && time.Since(o.writtenAt) < o.n.b.cfg.SessionTTL/3 {
		return nil
	}
	ctx, cancel := o.opContext()
	defer cancel()
	rev, err := o.n.b.writeSession(ctx, cur, o.sessRev, o.lease, o.n.cfg.Instance)
	if err != nil {
		return err
	}
	o.sessRev, o.written, o.writtenAt = rev, cur, time.Now()
	o.countTakeoverIdentify()
	return nil
}

// countTakeoverIdentify counts a taken-over shard that identified instead
// of resuming (its session was gone): once per takeover.
func (o *ownedShard) countTakeoverIdentify() {
	if !o.takeover || o.identCounts {
		return
	}
	st := o.shard.Status()
	switch {
	case st.Resumes > 0:
		// Resumed as it should; a later identify (an op 9 that cannot
		// be resumed) is the gateway's doing, not the takeover's.
		o.identCounts = true
	case st.Identifies > 0:
		o.identCounts = true
		o.n.takeoverIdentifies.Add(1)
		if f := o.n.cfg.OnTakeoverIdentify; f != nil {
			f(o.id, o.takenFrom)
		}
	}
}

// dial opens one of the shard's sockets through the node, and remembers it.
func (o *ownedShard) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	o.connMu.Lock()
	stopping := o.stopping
	o.connMu.Unlock()
	if stopping {
		return nil, errShardStopping
	}
	c, err := o.n.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	o.connMu.Lock()
	if o.stopping {
		o.connMu.Unlock()
		_ = c.Close()
		return nil, errShardStopping
	}
	live := o.conns[:0]
	for _, old := range o.conns {
		if !old.(*trackedConn).closed.Load() {
			live = append(live, old)
		}
	}
	o.conns = append(live, c)
	o.connMu.Unlock()
	return c, nil
}

// cut closes the shard's sockets at once, without a close handshake: the
// gateway sees a dropped connection, and the session stays resumable.
func (o *ownedShard) cut() {
	o.connMu.Lock()
	conns := o.conns
	o.conns = nil
	o.connMu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// stop ends the shard as reason says. Whatever the reason, the socket is
// gone by the lease's SafeUntil: a close handshake that would outlast it is
// cut short.
func (o *ownedShard) stop(reason stopReason, runDone chan error) {
	n := o.n
	// Whatever happens to the current socket, the shard must not dial a
	// new one (a dropped socket makes it resume at once).
	o.connMu.Lock()
	o.stopping = true
	o.connMu.Unlock()
	if reason != stopHandover {
		// The deadline is near or past, or someone else owns the
		// shard: cut first, before anything that talks to NATS.
		o.cut()
	}
	if o.stopCommands != nil {
		// The next owner answers from now on.
		o.stopCommands()
	}
	var closeBy time.Time
	if reason == stopHandover {
		// A fresh renewal gives the handshake and the final write the
		// most room.
		if o.lease.Renew(n.ctx) == nil {
			o.extendDeadline()
		}
		closeBy = time.Now().Add(n.b.cfg.OpTimeout + time.Second)
	} else {
		// No close handshake: the socket is cut already.
		closeBy = time.Now().Add(n.b.cfg.LeaseMargin)
	}
	if safe := o.lease.SafeUntil(); reason == stopHandover && safe.Before(closeBy) {
		closeBy = safe
	}
	closeCtx, cancel := context.WithDeadline(context.Background(), closeBy)
	_, err := o.shard.Close(closeCtx, closecode.Resumable)
	cancel()
	if err != nil {
		o.cut()
	}
	// Run has returned (or is about to, its socket closed).
	select {
	case <-runDone:
	case <-time.After(n.b.cfg.LeaseMargin):
	}
	o.countTakeoverIdentify()
	switch reason {
	case stopHandover:
		if err := o.flush(true); err != nil {
			n.log.Warn("cannot write the final session", "shard", o.id, "err", err)
		}
		o.releaseLease()
	case stopFatal:
		o.releaseLease()
	}
}

func (o *ownedShard) releaseLease() {
	ctx, cancel := context.WithTimeout(context.Background(), o.n.b.cfg.OpTimeout)
	defer cancel()
	if err := o.lease.Release(ctx); err != nil {
		o.n.log.Warn("cannot release lease", "shard", o.id, "err", err)
	}
}

// opContext bounds a KV operation by OpTimeout and by the lease's SafeUntil.
func (o *ownedShard) opContext() (context.Context, context.CancelFunc) {
	return o.lease.opContext(o.n.ctx)
}
