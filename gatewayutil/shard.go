package gatewayutil

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/encoding"
	"github.com/gatewaykit/gateway/internal/secret"
	"github.com/gatewaykit/gateway/opcode"
	"github.com/gatewaykit/gateway/ratelimit"
)

// EventSink receives a shard's dispatches. *Dispatcher implements it.
//
// Dispatch is called on the shard's read goroutine, one event at a time in
// sequence order; the shard reads nothing else until it returns (a slow
// sink is backpressure on the socket). e and e.Data are reused for the
// next event once it returns. An error is counted in Status.HandlerErrors
// and logged at debug level; the shard goes on. A panic is not recovered
// (a *Dispatcher recovers its handlers' panics).
type EventSink interface {
	Dispatch(ctx context.Context, e *Event) error
}

// EventSinkFunc adapts a function to EventSink.
type EventSinkFunc func(ctx context.Context, e *Event) error

// Dispatch calls f(ctx, e).
func (f EventSinkFunc) Dispatch(ctx context.Context, e *Event) error { return f(ctx, e) }

// Shard keeps one gateway session alive over real connections: it dials,
// identifies (or resumes), heartbeats, detects zombie connections, resumes
// or re-identifies after every disconnect with backoff, and hands every
// dispatch to its EventSink. It drives the sans-I/O gateway.Client, one per
// connection.
//
// Build it with NewShard, then call Run, which blocks until the shard stops.
// Send, Close, Session and Status are safe to call from any goroutine while
// it runs. A running shard uses one goroutine, the one that called Run,
// which reads; heartbeats run on a timer whose callback gets a goroutine of
// its own only while it sends a beat (and a short-lived goroutine waits for
// an identify slot).
type Shard struct {
	cfg     Config        // its Token is blank: the token is in token
	token   secret.String // masked, so no dump of a Shard shows it
	log     *slog.Logger
	dialer  dialer
	baseURL string // cfg.URL with the query
	stats   counters
	limiter *ratelimit.CommandLimiter
	event   Event    // reused for every dispatch, on the read goroutine
	replies replyTap // answers to commands, guilds ready (replies.go)

	mu          sync.Mutex
	session     gateway.Session // as of the end of the last connection
	reported    gateway.Session // what OnSession last saw
	run         *runState       // nil when Run is not running
	closed      bool            // Close was called
	closedCh    chan struct{}   // closed by Close
	badResume   string          // a resume URL that failed to connect
	warnedURL   string          // a resume URL the policy refused, already logged
	connectedCh chan struct{}   // closed while a connection is connected
}

// runState is one call of Run.
type runState struct {
	ctx      context.Context // cancelled when the run stops
	cancel   context.CancelCauseFunc
	stopping chan struct{} // closed by stop
	stopped  bool
	stopCode closecode.Code
	stopErr  error // what Run returns after a stop: nil for Close, the context's cause otherwise
	conn     *shardConn
	done     chan struct{} // closed when Run returns
}

// NewShard validates cfg and returns a shard ready to Run.
func NewShard(cfg Config) (*Shard, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Shard{
		cfg:         cfg,
		token:       secret.Seal(cfg.Token.Reveal()),
		log:         cfg.Logger.With("shard", cfg.ShardID),
		connectedCh: make(chan struct{}),
		closedCh:    make(chan struct{}),
	}
	s.cfg.Token = gateway.Token{}
	s.baseURL, _ = gatewayURL(cfg.URL, cfg.Encoding, cfg.Compression, cfg.AllowPlainWS)
	s.dialer = dialer{
		handshakeTimeout: cfg.HandshakeTimeout,
		writeTimeout:     cfg.WriteTimeout,
		tlsConfig:        cfg.TLSConfig,
		netDial:          cfg.NetDial,
		userAgent:        cfg.UserAgent,
	}
	s.limiter, err = ratelimit.NewCommandLimiter(ratelimit.WithCommandLimit(cfg.CommandLimit, paddedWindow(cfg.CommandWindow)))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", gateway.ErrConfig, err)
	}
	if cfg.IdentifyLimiter == nil {
		if s.cfg.IdentifyLimiter, err = ownIdentifyLimiter(cfg); err != nil {
			return nil, fmt.Errorf("%w: %w", gateway.ErrConfig, err)
		}
	}
	if sess := cfg.Session; sess.Resumable() {
		if err := sess.Validate(); err != nil {
			s.log.Warn("not resuming an unusable session; identifying", "err", err)
		} else if sess.CanResume(cfg.ShardID, cfg.ShardCount) {
			s.session = sess
		} else {
			s.log.Warn("not resuming a session of another shard layout", "session", sess.String())
		}
	}
	s.reported = s.session
	s.stats.setSession(s.session.ID, s.session.Seq)
	// Build a client once so that configuration errors surface here, not
	// on the first connection.
	if _, err := s.newClient(gateway.Session{}); err != nil {
		return nil, err
	}
	return s, nil
}

// ownIdentifyLimiter is the identify limiter of a shard that was given
// none: one bucket, cfg.IdentifyWindow, cfg.IdentifyBudget a day.
func ownIdentifyLimiter(cfg Config) (ratelimit.IdentifyLimiter, error) {
	opts := []ratelimit.IdentifyOption{ratelimit.WithIdentifyWindow(cfg.IdentifyWindow)}
	if n := cfg.IdentifyBudget; n > 0 {
		opts = append(opts, ratelimit.WithSessionStartLimit(ratelimit.SessionStartLimit{
			Total: n, Remaining: n, ResetAfter: ratelimit.DefaultBudgetPeriod, MaxConcurrency: 1,
		}))
	}
	return ratelimit.NewLocalIdentifyLimiter(1, opts...)
}

// ID returns the shard id.
func (s *Shard) ID() int { return s.cfg.ShardID }

// String describes the shard without its token.
func (s *Shard) String() string {
	return fmt.Sprintf("gatewayutil.Shard{shard [%d, %d], state %v}", s.cfg.ShardID, s.cfg.ShardCount, ShardState(s.stats.state.Load()))
}

// paddedWindow is the command limiter's window: the configured one plus 5%.
// The limiter counts a command when it lets it through, the gateway when it
// arrives; network and scheduling delays between the two can bunch commands
// together at the gateway's end, so a limiter run exactly at the limit would
// sometimes see 121 in a window there. The slack costs 5% of the peak rate.
func paddedWindow(w time.Duration) time.Duration { return w + w/20 }

// newClient builds the protocol Client for one connection.
func (s *Shard) newClient(sess gateway.Session) (*gateway.Client, error) {
	codec, err := encoding.New(s.cfg.Encoding)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", gateway.ErrConfig, err)
	}
	if codec.Name() == "json" {
		codec = newShardJSON()
	}
	opts := make([]gateway.Option, 0, len(s.cfg.ClientOptions)+8)
	opts = append(opts, s.cfg.ClientOptions...)
	opts = append(opts,
		gateway.WithToken(s.token.Open()),
		gateway.WithIntents(s.cfg.Intents),
		gateway.WithCodec(codec),
		gateway.WithLogger(s.cfg.Logger),
		gateway.WithDeferredIdentify(),
		gateway.WithDeferredHeartbeatRequests(),
		gateway.WithPayloadCompression(s.cfg.Compression == CompressPayload),
	)
	if s.cfg.ShardCount > 1 || s.cfg.ShardID != 0 {
		opts = append(opts, gateway.WithShard(s.cfg.ShardID, s.cfg.ShardCount))
	}
	if sess.Resumable() {
		opts = append(opts, gateway.WithSession(sess))
	}
	return gateway.NewClient(opts...)
}

// Run connects and keeps the session alive until ctx ends, Close is
// called, or the gateway closes with a fatal code. It returns nil after
// Close; the context's cause (errors.Is(err, context.Canceled) and so on)
// when ctx ends, after closing the connection with a resumable code; and for
// a fatal close an error that errors.As turns into a *gateway.CloseError
// with the code (4004, 4010–4014). An identify limiter refusing for good
// (ratelimit.ErrBudgetExhausted) also stops it.
//
// Run may be called again after it returned, unless Close was called: it
// then resumes the last session if it can.
func (s *Shard) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrShardClosed
	}
	if s.run != nil {
		s.mu.Unlock()
		return ErrShardRunning
	}
	r := &runState{stopping: make(chan struct{}), done: make(chan struct{})}
	r.ctx, r.cancel = context.WithCancelCause(ctx)
	s.run = r
	s.mu.Unlock()

	stopOnCancel := context.AfterFunc(ctx, func() { s.stop(r, closecode.Resumable, context.Cause(ctx)) })
	err := s.loop(r)
	stopOnCancel()
	r.cancel(nil)

	s.mu.Lock()
	s.run = nil
	s.mu.Unlock()
	s.stats.setState(ShardStopped)
	s.reportSession()
	close(r.done)
	return err
}

// loop is Run's body: one connection after another. It keeps a small
// stack frame, its state on the heap and its work done by helpers that
// return before the next connection blocks: the goroutine running Run
// sits in a read for days, and the runtime can only shrink an idle
// goroutine's stack to half its size while it uses less than a quarter
// of it (minus some 800 bytes kept for the runtime itself), so a parked
// reader whose frames take less than about 1.2 KB fits in 4 KiB.
func (s *Shard) loop(r *runState) error {
	a := new(attempt)
	for {
		if s.pause(r, &a.plan) {
			return r.stopErr
		}
		s.target(a)
		s.noteConnecting(a)
		s.connect(r, a)
		err, stop := s.afterConnection(r, a)
		s.noteEnded(r, a, err, stop)
		if stop {
			return err
		}
	}
}

// attempt is loop's state: the plan for the next connection attempt and
// what the last one was and did.
type attempt struct {
	plan      retryPlan
	sess      gateway.Session // the session to resume, if any
	rawURL    string          // where to connect
	viaResume bool            // rawURL is the session's resume URL
	res       connResult      // how the connection ended
}

// retryPlan is how loop paces its connection attempts.
type retryPlan struct {
	failures int           // consecutive connections that were not stable
	wait     time.Duration // before the next attempt
	warned   time.Time     // when failures were last logged as a warning
}

// pause waits as planned before the next attempt, and reports whether the
// run is stopping.
//
//go:noinline
func (s *Shard) pause(r *runState, p *retryPlan) bool {
	if p.wait > 0 {
		s.stats.setState(ShardWaiting)
		s.log.Debug("waiting before reconnecting", "wait", p.wait)
		t := time.NewTimer(p.wait)
		select {
		case <-t.C:
		case <-r.stopping:
		}
		t.Stop()
	}
	return s.isStopping(r)
}

// target sets the session to resume (if any) and the URL to dial.
//
//go:noinline
func (s *Shard) target(a *attempt) {
	s.mu.Lock()
	a.sess = s.session
	s.mu.Unlock()
	a.rawURL, a.viaResume = s.pickURL(a.sess)
}

// afterConnection records how a connection ended and decides what comes
// next: stop (a fatal close code, a refused identify, a stop request) or
// reconnect after p.wait.
//
//go:noinline
func (s *Shard) afterConnection(r *runState, a *attempt) (error, bool) {
	p, res, sess, viaResume := &a.plan, &a.res, a.sess, a.viaResume
	s.mu.Lock()
	s.session = res.session
	if viaResume && !res.helloSeen && !s.isStoppingLocked(r) {
		// The resume URL did not get us as far as HELLO: use the
		// original URL for the next attempt (docs/protocol.md §4.4).
		s.badResume = sess.ResumeURL
	}
	s.mu.Unlock()
	s.reportSession()
	res.err = redactSecret(res.err, s.token.Open())
	s.stats.setLastError(res.err)

	if s.isStopping(r) {
		return r.stopErr, true
	}
	var ce *gateway.CloseError
	switch {
	case errors.As(res.err, &ce) && ce.Fatal():
		s.log.Error("gateway closed with a fatal code; not reconnecting", "code", int(ce.Code), "reason", ce.Reason)
		return fmt.Errorf("gatewayutil: shard %d: %w", s.cfg.ShardID, res.err), true
	case errors.Is(res.err, ratelimit.ErrBudgetExhausted), errors.Is(res.err, gateway.ErrPayloadTooLarge), errors.Is(res.err, gateway.ErrConfig):
		s.log.Error("cannot identify; stopping", "err", res.err)
		return fmt.Errorf("gatewayutil: shard %d: %w", s.cfg.ShardID, res.err), true
	}
	var inv *InvalidSessionError
	if res.stable {
		p.failures = 0
		p.wait = 0
	} else {
		p.wait = s.cfg.Backoff.Delay(p.failures)
		p.failures++
	}
	if errors.As(res.err, &inv) && !inv.Resumable {
		// Discord asks for a random pause of 1-5 s before identifying again;
		// a session ended young waits for the backoff too.
		p.wait = max(p.wait, jitterBetween(s.cfg.ReidentifyDelayMin, s.cfg.ReidentifyDelayMax))
	}
	s.stats.failures.Store(int64(p.failures))
	s.logEnd(p, res)
	return nil, false
}

// stableAfter is how long a connection with this heartbeat interval must
// stay connected to count as a success: Config.StableAfter, or the interval
// within [1 s, 2 min].
func (s *Shard) stableAfter(interval time.Duration) time.Duration {
	if s.cfg.StableAfter > 0 {
		return s.cfg.StableAfter
	}
	return min(max(interval, time.Second), 2*time.Minute)
}

// failureWarnEvery is how often, at most, a shard whose connections keep
// failing logs a warning about it.
const failureWarnEvery = time.Minute

// logEnd logs how a connection ended: at info level while things are
// normal (a stable connection lost, a first failure), and as a warning
// with the cause once failures repeat, at most once per failureWarnEvery,
// so that a wrong URL or a refusing server shows at the default level
// without a storm flooding the logs.
func (s *Shard) logEnd(p *retryPlan, res *connResult) {
	switch {
	case res.stable:
		s.log.Info("connection lost; reconnecting", "err", res.err, "resume", res.session.Resumable())
		return
	case p.failures < 2:
		s.log.Info("connection ended early; reconnecting after a pause", "err", res.err, "connected", res.connected, "attempt", p.failures, "wait", p.wait)
		return
	}
	now := time.Now()
	if !p.warned.IsZero() && now.Sub(p.warned) < failureWarnEvery {
		s.log.Info("connection ended early again", "err", res.err, "connected", res.connected, "failures", p.failures, "wait", p.wait)
		return
	}
	p.warned = now
	s.log.Warn("gateway connections keep failing; backing off", "err", res.err, "connected", res.connected, "failures", p.failures, "wait", p.wait)
}

// pickURL chooses where to connect: the session's resume URL when there is
// a session to resume, the policy allows the URL and it has not failed;
// the configured URL otherwise.
func (s *Shard) pickURL(sess gateway.Session) (string, bool) {
	if !sess.Resumable() || sess.ResumeURL == "" {
		return s.baseURL, false
	}
	s.mu.Lock()
	bad := s.badResume == sess.ResumeURL
	warned := s.warnedURL == sess.ResumeURL
	s.mu.Unlock()
	if bad {
		return s.baseURL, false
	}
	if !resumeURLAllowed(sess.ResumeURL, s.cfg.ResumeURLPolicy) {
		if !warned {
			s.log.Warn("not following resume_gateway_url refused by the resume URL policy; resuming on the original URL", "resume_url", redactURL(sess.ResumeURL))
			s.mu.Lock()
			s.warnedURL = sess.ResumeURL
			s.mu.Unlock()
		}
		return s.baseURL, false
	}
	u, err := gatewayURL(sess.ResumeURL, s.cfg.Encoding, s.cfg.Compression, true)
	if err != nil {
		s.log.Warn("unusable resume_gateway_url; resuming on the original URL", "err", err)
		return s.baseURL, false
	}
	return u, true
}

func (s *Shard) isStopping(r *runState) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.isStoppingLocked(r)
}

func (s *Shard) isStoppingLocked(r *runState) bool { return r.stopped }

// stop ends run r: the current connection is closed with code (which
// decides whether the session survives) and Run returns err.
func (s *Shard) stop(r *runState, code closecode.Code, err error) {
	s.mu.Lock()
	if r.stopped {
		s.mu.Unlock()
		return
	}
	r.stopped, r.stopCode, r.stopErr = true, code, err
	close(r.stopping)
	conn := r.conn
	if code.InvalidatesWhenSent() {
		s.session = gateway.Session{}
	}
	s.mu.Unlock()
	if conn != nil {
		conn.shutdown(code)
	}
	r.cancel(errShardStopping)
}

// Close stops the shard for good and returns its session. With
// closecode.Normal (1000) or GoingAway (1001) the session ends on Discord's
// side and the returned Session is empty; with any other code, such as
// closecode.Resumable (4000), it stays resumable for a few minutes, so a new
// Shard (in this process or another) can resume it. Close waits for Run to
// return, or for ctx to end. Calling it again returns the same session.
//
// Do not call Close from the Sink without a deadline on ctx: Run's
// goroutine is the one running the sink, so Run cannot return before the
// sink does.
func (s *Shard) Close(ctx context.Context, code closecode.Code) (gateway.Session, error) {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.closedCh)
	}
	r := s.run
	if r == nil && code.InvalidatesWhenSent() {
		s.session = gateway.Session{}
	}
	s.mu.Unlock()
	if r != nil {
		s.stop(r, code, nil)
		if ctx == nil {
			ctx = context.Background()
		}
		select {
		case <-r.done:
		case <-ctx.Done():
			return s.Session(), fmt.Errorf("gatewayutil: shard %d: waiting for Run to return: %w", s.cfg.ShardID, ctx.Err())
		}
	}
	s.reportSession()
	return s.Session(), nil
}

// Session returns the current session: what a new Shard needs to resume
// it. Its ID is empty when there is none.
func (s *Shard) Session() gateway.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.run != nil && s.run.conn != nil {
		return s.run.conn.client.Session()
	}
	return s.session
}

// reportSession publishes the session to Status, and calls OnSession if it
// changed since the last call.
func (s *Shard) reportSession() {
	cur := s.Session()
	s.stats.setSession(cur.ID, cur.Seq)
	if s.cfg.OnSession == nil {
		return
	}
	s.mu.Lock()
	changed := cur != s.reported
	s.reported = cur
	s.mu.Unlock()
	if changed {
		s.cfg.OnSession(cur)
	}
}

// Status returns a snapshot of the shard's state and counters. It is safe
// to call from any goroutine, reads only atomics, and never waits for the
// shard.
func (s *Shard) Status() Status {
	st := Status{Shard: s.cfg.ShardID}
	s.stats.snapshot(&st)
	return st
}

// Send sends a command (op 3, 4, 8, 31 or 43) whose d is the given JSON.
// It waits until the shard is connected (also while Run has not started
// yet, or between two calls of Run) and the connection's command limiter
// has room (ordinary commands never use the slots kept for heartbeats), or
// until ctx ends. Payloads over 4096 bytes are refused with an error
// matching gateway.ErrPayloadTooLarge, other op codes with
// gateway.ErrNotCommand; after Close it returns ErrShardClosed.
func (s *Shard) Send(ctx context.Context, op opcode.Opcode, d []byte) error {
	if !op.Command() {
		return fmt.Errorf("gatewayutil: %w: %v", gateway.ErrNotCommand, op)
	}
	// {"op":NN,"d":...} around d: refuse before taking a limiter slot.
	if len(d)+len(`{"op":43,"d":}`) > gateway.MaxPayloadSize {
		return fmt.Errorf("gatewayutil: %w: %v with %d bytes of data", gateway.ErrPayloadTooLarge, op, len(d))
	}
	switch stage, err := s.sendWhenConnected(ctx, op, d); stage {
	case sendStageConnect:
		return fmt.Errorf("gatewayutil: waiting for the shard to connect: %w", err)
	default:
		return err
	}
}

// sendStage names the step of sendWhenConnected that ended it.
type sendStage uint8

const (
	sendStageSend    sendStage = iota // the connection sent it, or refused it
	sendStageClosed                   // the shard is closed: ErrShardClosed
	sendStageConnect                  // ctx ended while waiting for a connection
	sendStageLimit                    // the command limiter refused a slot
)

// sendWhenConnected is the wait behind Send and SendCommand: it sends op
// with d once the shard is connected and its command limiter has a slot,
// moving on to the next connection when the current one goes away
// meanwhile. It reports which step ended it, so callers can word the
// refusal their way; a nil ctx means context.Background.
func (s *Shard) sendWhenConnected(ctx context.Context, op opcode.Opcode, d []byte) (sendStage, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	for {
		s.mu.Lock()
		closed, ready, closing := s.closed, s.connectedCh, s.closedCh
		var sc *shardConn
		if r := s.run; r != nil && r.conn != nil && r.conn.connected.Load() {
			sc = r.conn
		}
		s.mu.Unlock()
		if closed {
			return sendStageClosed, ErrShardClosed
		}
		if sc == nil {
			select {
			case <-ready:
				continue
			case <-closing:
				return sendStageClosed, ErrShardClosed
			case <-ctx.Done():
				return sendStageConnect, ctx.Err()
			}
		}
		if err := s.limiter.Wait(ctx); err != nil {
			return sendStageLimit, err
		}
		err := sc.client.Send(&sc.ws.pw, op, d)
		if errors.Is(err, gateway.ErrClosed) || errors.Is(err, gateway.ErrNotConnected) {
			// The connection went away meanwhile: wait for the next.
			continue
		}
		return sendStageSend, err
	}
}

// setConnected publishes whether the current connection is connected, for
// Send.
func (s *Shard) setConnected(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.connectedCh:
		if !on {
			s.connectedCh = make(chan struct{})
		}
	default:
		if on {
			close(s.connectedCh)
		}
	}
}
