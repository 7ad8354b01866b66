package gatewayutil

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/encoding"
	"github.com/gatewaykit/gateway/ratelimit"
)

// connResult is how one connection ended.
type connResult struct {
	err       error           // why it ended; never nil
	helloSeen bool            // HELLO arrived
	connected bool            // READY or RESUMED arrived
	stable    bool            // and the connection then lasted StableAfter
	session   gateway.Session // the session after it
}

// shardConn is one connection of a Shard: its socket, its protocol Client
// and the goroutines that serve it.
type shardConn struct {
	s      *Shard
	ws     *wsConn
	client *gateway.Client
	dec    messageDecoder // nil without compression
	json   *shardJSON     // the Client's codec, nil for ETF
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // a pending or running heartbeat, the identify goroutine
	hb     heartbeater

	connected     atomic.Bool
	everConnected bool         // READY or RESUMED arrived; read goroutine only
	connectedAt   time.Time    // when it arrived; read goroutine only
	beatSent      atomic.Int64 // when the unanswered heartbeat went out (unix ns), 0 if none

	mu     sync.Mutex
	ending bool  // abort or shutdown started: leave the read deadline alone
	endErr error // why we are ending the connection
	ticket ratelimit.Ticket

	resuming bool // read goroutine only: each replayed event extends the READY deadline
	pend     pendingStats
}

// pendingStats are counters the reader keeps in plain fields while it
// reads a burst of messages, and publishes to the shard's atomic counters
// (flushStats) every 64 dispatches and whenever the socket ran dry, before
// a read that may block: Status lags a busy reader by at most one read's
// worth of messages, and is exact whenever the reader waits.
type pendingStats struct {
	messages, bytes, dispatches int64
	seq                         int64 // of the last dispatch, 0 if none
}

// flushStats publishes the pending counters. With dispatches among them it
// stamps Status.LastDispatch: the last dispatch of a burst, to within the
// time it took to handle the burst.
func (sc *shardConn) flushStats() {
	p, st := &sc.pend, &sc.s.stats
	if p.messages != 0 {
		st.messages.Add(p.messages)
		st.bytesDecoded.Add(p.bytes)
		p.messages, p.bytes = 0, 0
	}
	if p.dispatches != 0 {
		st.dispatches.Add(p.dispatches)
		st.lastDispatch.Store(time.Now().UnixNano())
		p.dispatches = 0
	}
	if p.seq > 0 {
		st.seq.Store(p.seq)
		p.seq = 0
	}
}

// connect runs one connection from dial to close and sets a.res. Like
// loop, it keeps its own frame small while the connection is read.
func (s *Shard) connect(r *runState, a *attempt) {
	sc := s.open(r, a)
	if sc == nil {
		return
	}
	err, hello := sc.readLoop()
	s.teardown(r, sc, a, err, hello)
}

// open dials and prepares a connection. On failure it returns a nil
// shardConn and why.
//
//go:noinline
func (s *Shard) open(r *runState, a *attempt) *shardConn {
	sess, rawURL := a.sess, a.rawURL
	a.res = connResult{session: sess}
	res := &a.res
	s.stats.setState(ShardConnecting)
	client, err := s.newClient(sess)
	if err != nil {
		res.err = err
		return nil
	}
	s.log.Debug("dialing", "url", redactURL(rawURL), "resume", client.Resuming())
	c, err := s.dialer.dial(r.ctx, rawURL, client.Codec().Binary(), &s.stats.bytesWire)
	if err != nil {
		res.err = err
		return nil
	}
	s.stats.connections.Add(1)
	sc := &shardConn{s: s, ws: c, client: client}
	sc.json, _ = client.Codec().(*shardJSON)
	c.onPong = client.MarkAlive
	switch s.cfg.Compression {
	case CompressZlibStream:
		sc.dec = newZlibStream()
	case CompressZstdStream:
		sc.dec, err = newZstdStream(s.cfg.MaxZstdWindow)
	case CompressPayload:
		sc.dec = payloadInflater{}
	}
	if err != nil {
		c.close()
		res.err = err
		return nil
	}
	sc.ctx, sc.cancel = context.WithCancel(r.ctx)
	s.limiter.Reset()
	s.limiter.SetHeartbeatInterval(0)

	s.mu.Lock()
	r.conn = sc
	stopping, code := r.stopped, r.stopCode
	s.mu.Unlock()
	if stopping {
		sc.shutdown(code)
	}
	sc.setReadDeadline(time.Now().Add(s.cfg.HelloTimeout))
	return sc
}

// teardown tears down a connection whose reader stopped with readErr.
//
//go:noinline
func (s *Shard) teardown(r *runState, sc *shardConn, a *attempt, readErr error, hello bool) {
	sc.flushStats()
	a.res = connResult{helloSeen: hello, connected: sc.everConnected}
	a.res.stable = sc.everConnected && time.Since(sc.connectedAt) >= s.stableAfter(sc.hb.interval)
	res := &a.res
	s.setConnected(false)
	sc.connected.Store(false)
	res.err = sc.finish(readErr)
	s.mu.Lock()
	r.conn = nil
	s.mu.Unlock()
	res.session = sc.client.Session()
}

// setReadDeadline sets the socket's read deadline, unless the connection is
// ending (its deadline then belongs to shutdown or abort).
func (sc *shardConn) setReadDeadline(t time.Time) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if !sc.ending {
		_ = sc.ws.nc.SetReadDeadline(t)
	}
}

// abort ends the connection from our side for err: the Client is closed
// with a resumable code, a close frame goes out and the reader stops at
// once. The first reason wins.
func (sc *shardConn) abort(code closecode.Code, err error) {
	sc.mu.Lock()
	if sc.ending {
		sc.mu.Unlock()
		return
	}
	sc.ending, sc.endErr = true, err
	sc.mu.Unlock()
	sc.client.Close(code)
	_ = sc.ws.sendClose(int(code), "")
	sc.ws.interrupt(0)
}

// shutdown closes the connection because the shard stops: the Client is
// closed with code (1000 ends the session), the close frame goes out, and
// the reader drains what still arrives until the server's close frame or
// the close timeout.
func (sc *shardConn) shutdown(code closecode.Code) {
	sc.mu.Lock()
	if sc.ending {
		sc.mu.Unlock()
		return
	}
	sc.ending, sc.endErr = true, errShardStopping
	sc.mu.Unlock()
	sc.client.Close(code)
	_ = sc.ws.sendClose(int(code), "")
	sc.ws.interrupt(sc.s.cfg.CloseTimeout)
}

// readLoop reads and processes messages until the connection ends, and
// returns why, and whether HELLO arrived. It waits for the socket itself,
// in a small frame, and leaves the rest to readOne, whose bigger frame is
// gone while the connection is quiet: see loop.
func (sc *shardConn) readLoop() (error, bool) {
	var st readState
	defer st.release()
	for {
		if st.wire == nil && sc.ws.rd.r == sc.ws.rd.w {
			sc.flushStats()
			if err := sc.ws.rd.fill(1); err != nil {
				return err, st.hello
			}
		}
		if err := sc.readOne(&st); err != nil {
			return err, st.hello
		}
	}
}

// readState is what readLoop carries from one message to the next.
type readState struct {
	wire  *buffer // the current WebSocket message(s), when not read in place
	hello bool    // HELLO arrived
}

func (st *readState) release() {
	putBuffer(st.wire)
	st.wire = nil
}

// readOne reads and processes one WebSocket message. A message that arrived
// in one frame is processed where it lies in the read buffer; others are
// gathered in a buffer borrowed when the message starts arriving, and
// decompressed messages in one borrowed for the output; both go back once
// the message is processed, so a shard waiting for its next message holds
// none.
//
//go:noinline
func (sc *shardConn) readOne(st *readState) error {
	limit := sc.s.cfg.MaxMessageSize
	view, bin, err := sc.ws.readMessage(&st.wire, limit)
	if err != nil {
		return err
	}
	msg := view
	if st.wire != nil {
		msg = st.wire.B
	}
	var out *buffer
	if sc.dec != nil {
		out = getBuffer()
		complete, err := sc.dec.decode(msg, bin, out, limit)
		if err != nil {
			putBuffer(out)
			return err
		}
		if !complete {
			// zlib-stream: the message goes on in the next WebSocket
			// message, appended to wire.
			putBuffer(out)
			if st.wire == nil {
				st.wire = getBuffer()
				st.wire.B = append(st.wire.B, view...)
			}
			return nil
		}
		msg = out.B
	}
	sc.pend.messages++
	sc.pend.bytes += int64(len(msg))
	err = sc.process(msg, &st.hello)
	if sc.json != nil {
		sc.json.forget()
	}
	putBuffer(out)
	st.release()
	return err
}

// process hands one gateway message to the Client and acts on the result.
func (sc *shardConn) process(msg []byte, hello *bool) error {
	s := sc.s
	res, err := sc.client.Process(msg, &sc.ws.pw)
	if err != nil {
		switch {
		case errors.Is(err, gateway.ErrClosed):
			// We are closing: what still arrives is drained, not
			// delivered (the session's seq stays where it was).
			return nil
		case errors.Is(err, errTransportWrite):
			return err
		case errors.Is(err, gateway.ErrPayloadTooLarge):
			// Our Identify or Resume is too big: configuration.
			return err
		case errors.Is(err, encoding.ErrMalformed), errors.Is(err, gateway.ErrUnexpected):
			s.log.Warn("ignoring a gateway message", "err", err, "kind", res.Kind.String())
			return nil
		default:
			return err
		}
	}
	switch res.Kind {
	case gateway.KindDispatch, gateway.KindReady, gateway.KindResumed:
		sc.dispatch(&res)
	case gateway.KindHello:
		*hello = true
		return sc.onHello()
	case gateway.KindHeartbeatRequest:
		sc.requestHeartbeat()
	case gateway.KindHeartbeatAck:
		s.stats.acks.Add(1)
		now := time.Now().UnixNano()
		if sent := sc.beatSent.Swap(0); sent != 0 {
			s.stats.addLatency(time.Duration(now - sent))
		}
		sc.idleCheck(now)
	case gateway.KindReconnect:
		sc.abort(closecode.Resumable, ErrReconnectRequested)
	case gateway.KindInvalidSession:
		s.stats.invalidSessions.Add(1)
		sc.abort(closecode.Resumable, &InvalidSessionError{Resumable: res.Resumable})
	}
	return nil
}

// idler is a messageDecoder that can shed memory between two messages of
// an idle connection (zlib-stream's detach).
type idler interface{ idle() }

// idleCheck runs after each heartbeat ACK: if no dispatch arrived for a
// whole heartbeat interval, the connection is idle and its decompressor
// sheds what it can until the next message. The reader goroutine runs it,
// between two messages, so the decompressor is not in use.
func (sc *shardConn) idleCheck(now int64) {
	id, ok := sc.dec.(idler)
	if !ok || sc.hb.interval <= 0 {
		return
	}
	sc.flushStats()
	if last := sc.s.stats.lastDispatch.Load(); now-last >= int64(sc.hb.interval) {
		id.idle()
	}
}

// dispatch delivers one dispatch to the sink.
func (sc *shardConn) dispatch(res *gateway.Result) {
	s := sc.s
	if res.Seq > 0 {
		sc.pend.seq = res.Seq
	}
	if sc.pend.dispatches++; sc.pend.dispatches >= 64 || sc.ws.rd.r == sc.ws.rd.w {
		// Reading the clock (and the shared counters) for every event of
		// a fast stream would cost more than the rest of the bookkeeping:
		// publish after the last event of what the socket delivered (the
		// socket may go quiet after it), and every 64 events while data
		// keeps flowing.
		sc.flushStats()
	}
	switch res.Kind {
	case gateway.KindReady:
		sc.onConnected(false)
	case gateway.KindResumed:
		sc.onConnected(true)
	default:
		if sc.resuming {
			// Replayed event: the resume is making progress.
			sc.setReadDeadline(time.Now().Add(s.cfg.ReadyTimeout))
		}
	}
	if s.cfg.Sink == nil {
		s.observe(res.Type, res.Data)
		return
	}
	// One Event for every dispatch; its route cache survives between
	// them (see Dispatcher.Dispatch), its data does not.
	e := &s.event
	e.Shard, e.ShardCount, e.Type, e.Seq, e.Data, e.keys = s.cfg.ShardID, s.cfg.ShardCount, res.Type, res.Seq, res.Data, topicKeys{}
	if err := s.cfg.Sink.Dispatch(sc.ctx, e); err != nil {
		s.stats.handlerErrors.Add(1)
		s.log.Debug("event sink returned an error", "event", res.Type, "seq", res.Seq, "err", err)
	}
	e.Data = nil
	s.observe(res.Type, res.Data) // after the sink: "guilds ready" means the sink has them
}

// onHello starts heartbeating, and identifies (after the identify limiter
// allows it) unless the Client already sent Resume.
func (sc *shardConn) onHello() error {
	s := sc.s
	interval := sc.client.HeartbeatInterval()
	s.limiter.SetHeartbeatInterval(interval)
	sc.setReadDeadline(time.Time{})
	sc.startHeartbeats(sc.client.FirstHeartbeatDelay(), interval)
	s.log.Debug("hello", "heartbeat_interval", interval, "resume", sc.client.Resuming())
	if sc.client.Resuming() {
		// The Client sent Resume while processing HELLO.
		s.stats.setState(ShardResuming)
		_ = s.limiter.WaitPriority(sc.ctx)
		sc.resuming = true
		sc.setReadDeadline(time.Now().Add(s.cfg.ReadyTimeout))
		return nil
	}
	s.stats.setState(ShardIdentifying)
	if s.cfg.IdentifyLimiter == nil {
		return sc.identify()
	}
	// Waiting for a slot can take long (other shards of the bucket go
	// first); the reader must go on reading heartbeat ACKs meanwhile.
	sc.wg.Add(1)
	go func() {
		defer sc.wg.Done()
		t, err := s.cfg.IdentifyLimiter.Acquire(sc.ctx, s.cfg.ShardID)
		if err != nil {
			if sc.ctx.Err() == nil {
				sc.abort(closecode.Resumable, fmt.Errorf("gatewayutil: identify limiter: %w", err))
			}
			return
		}
		sc.mu.Lock()
		sc.ticket = t
		sc.mu.Unlock()
		if err := sc.identify(); err != nil {
			sc.abort(closecode.Resumable, err)
			return
		}
		// The bucket's next identify waits a window from now.
		t.Sent()
	}()
	return nil
}

// identify sends Identify and starts the READY timeout.
func (sc *shardConn) identify() error {
	s := sc.s
	// Before the write: READY may arrive before Identify returns.
	sc.setReadDeadline(time.Now().Add(s.cfg.ReadyTimeout))
	if err := s.limiter.WaitPriority(sc.ctx); err != nil {
		return err
	}
	if err := sc.client.Identify(&sc.ws.pw); err != nil {
		return err
	}
	s.stats.identifies.Add(1)
	s.log.Debug("identify sent")
	return nil
}

// onConnected handles READY (resumed false) and RESUMED.
func (sc *shardConn) onConnected(resumed bool) {
	s := sc.s
	sc.setReadDeadline(time.Time{})
	sc.resuming = false
	sc.mu.Lock()
	t := sc.ticket
	sc.ticket = nil
	sc.mu.Unlock()
	if t != nil {
		t.Done(true)
	}
	if resumed {
		s.stats.resumes.Add(1)
	} else {
		s.mu.Lock()
		s.badResume = ""
		s.mu.Unlock()
	}
	if !sc.everConnected {
		sc.connectedAt = time.Now()
	}
	sc.everConnected = true
	sc.connected.Store(true)
	s.stats.setState(ShardConnected)
	s.stats.stalled.Store(false)
	s.setConnected(true)
	s.reportSession()
	s.noteConnected(resumed)
}

// finish tears the connection down once the reader stopped, and returns the
// reason it ended: ours if we ended it, the server's close code if it sent
// one, a dropped connection otherwise. The Client learns the same, so its
// Session says whether a session is left to resume.
func (sc *shardConn) finish(readErr error) error {
	sc.mu.Lock()
	ending, endErr := sc.ending, sc.endErr
	sc.ending = true
	sc.mu.Unlock()

	var cf *closeFrameError
	isClose := errors.As(readErr, &cf)
	var err error
	switch {
	case ending && endErr != errShardStopping:
		// We ended it (zombie, op 7, op 9, limiter): the Client is
		// already closed with a resumable code, unless op 7/9 closed it.
		err = endErr
		if isClose && !cf.echo {
			err = sc.client.HandleClose(closecode.Code(cf.code), cf.reason)
		}
	case ending:
		err = errShardStopping
	case isClose:
		code := closecode.Code(cf.code)
		if cf.code == 0 {
			code = 1005
		}
		err = sc.client.HandleClose(code, cf.reason)
	default:
		err = sc.readFailure(readErr)
	}

	_ = sc.ws.nc.Close()
	sc.cancel()
	sc.hb.stop()
	sc.wg.Wait()
	sc.mu.Lock()
	t := sc.ticket
	sc.ticket = nil
	sc.mu.Unlock()
	if t != nil {
		t.Done(false)
	}
	sc.ws.close()
	if sc.dec != nil {
		sc.dec.release()
	}
	return err
}

// readFailure classifies a read error that was not a close frame: a
// timeout of the HELLO or READY deadline, or a broken connection. The
// Client is closed accordingly (a dropped connection keeps the session).
func (sc *shardConn) readFailure(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		switch sc.client.State() {
		case gateway.StateHello:
			err = ErrHelloTimeout
		case gateway.StateIdentify, gateway.StateResume:
			err = ErrReadyTimeout
		}
		sc.client.Close(closecode.Resumable)
		_ = sc.ws.sendClose(int(closecode.Resumable), "")
		return err
	}
	if errors.Is(err, gateway.ErrMessageTooLarge) || errors.Is(err, ErrProtocol) || errors.Is(err, ErrDecompress) {
		sc.client.Close(closecode.Resumable)
		_ = sc.ws.sendClose(failCloseCode(err), "")
		return err
	}
	ce := sc.client.HandleClose(closecode.Abnormal, "")
	return fmt.Errorf("%w: %w", ce, err)
}
