package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/ratelimit"
)

// shard runs one shard: one connection at a time, and a new one, resuming
// when it can, whenever a connection ends.
type shard struct {
	id, count  int
	token      gateway.Token
	gatewayURL string
	limiter    ratelimit.IdentifyLimiter
	log        *slog.Logger
}

// run connects again and again until ctx ends (nil) or the gateway says
// stop (a fatal close code, returned).
func (s *shard) run(ctx context.Context) error {
	var session gateway.Session // empty: the first connection identifies
	for ctx.Err() == nil {
		var err error
		session, err = s.connect(ctx, session)
		var ce *gateway.CloseError
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.As(err, &ce) && ce.Fatal():
			return err
		case !session.Resumable():
			// A new session: Discord asks for a random 1-5 s wait first.
			s.log.Info("identifying again", "after", err)
			sleep(ctx, time.Second+rand.N(4*time.Second))
		default:
			s.log.Info("resuming", "after", err)
			sleep(ctx, 500*time.Millisecond)
		}
	}
	return nil
}

// connect runs one connection from dial to close and returns the session to
// resume next (empty if there is none) and why the connection ended.
func (s *shard) connect(ctx context.Context, session gateway.Session) (gateway.Session, error) {
	client, err := gateway.NewClient(
		gateway.WithToken(s.token.Reveal()),
		gateway.WithIntents(intents.Guilds|intents.GuildMessages),
		gateway.WithShard(s.id, s.count),
		gateway.WithSession(session), // resume it if it is resumable
		gateway.WithDeferredIdentify(),
	)
	if err != nil {
		return gateway.Session{}, err
	}

	// Resume on the session's resume_gateway_url, identify on the main URL.
	target := s.gatewayURL
	if client.Resuming() && s.trusted(session.ResumeURL) {
		target = session.ResumeURL
	}
	u, err := url.Parse(target)
	if err != nil {
		return gateway.Session{}, err
	}
	u.RawQuery = url.Values{"v": {"10"}, "encoding": {"json"}}.Encode()
	conn, br, _, err := ws.Dial(ctx, u.String())
	if err != nil {
		return session, fmt.Errorf("dial: %w", err)
	}
	defer conn.Close()
	w := &socket{conn: conn}
	// Frames that arrived with the handshake wait in br; read them first.
	// gobwas/ws answers pings and close frames through controlWriter.
	var in io.Reader = conn
	if br != nil {
		in = br
	}
	rw := struct {
		io.Reader
		io.Writer
	}{in, controlWriter{w}}

	// When ctx ends (SIGINT), close with a code that keeps the session
	// resumable; the read below then fails and connect returns.
	stopOnCancel := context.AfterFunc(ctx, func() {
		client.Close(closecode.Resumable)
		w.close(closecode.Resumable)
	})
	defer stopOnCancel()

	heartbeatCtx, stopHeartbeats := context.WithCancel(ctx)
	defer stopHeartbeats()
	var ticket ratelimit.Ticket // held from identify to READY
	defer func() {
		if ticket != nil {
			ticket.Done(false)
		}
	}()

	for {
		msg, _, err := wsutil.ReadServerData(rw)
		if err != nil {
			if ctx.Err() != nil {
				return client.Session(), ctx.Err()
			}
			// The server closed the connection (with a code), or it dropped.
			code, reason := closecode.Abnormal, err.Error()
			var closed wsutil.ClosedError
			if errors.As(err, &closed) {
				code, reason = closecode.Code(closed.Code), closed.Reason
			}
			err := client.HandleClose(code, reason) // decides resume, identify or stop
			return client.Session(), err
		}

		// The Client reads the message and writes any reply to w.
		res, err := client.Process(msg, w)
		if err != nil {
			s.log.Warn("bad message", "err", err)
			continue
		}
		switch res.Kind {
		case gateway.KindHello:
			if !client.Resuming() {
				// Wait for this shard's identify slot, then identify.
				if ticket, err = s.limiter.Acquire(ctx, s.id); err != nil {
					return client.Session(), err
				}
				if err := client.Identify(w); err != nil {
					return client.Session(), err
				}
				ticket.Sent()
			}
			go heartbeat(heartbeatCtx, client, w)
		case gateway.KindReconnect, gateway.KindInvalidSession:
			// The Client is closed; close the socket without ending the
			// session, and connect again.
			w.close(closecode.Resumable)
			return client.Session(), client.Err()
		}
		if res.IsDispatch() {
			if res.Kind == gateway.KindReady && ticket != nil {
				ticket.Done(true)
				ticket = nil
			}
			fmt.Printf("shard %d: %s seq %d\n", s.id, res.Type, res.Seq)
		}
	}
}

// heartbeat sends the Client's heartbeats on the schedule HELLO set: a
// random part of the interval first, then every interval.
func heartbeat(ctx context.Context, client *gateway.Client, w *socket) {
	t := time.NewTimer(client.FirstHeartbeatDelay())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := client.Heartbeat(w); err != nil {
			// ErrZombie: nothing arrived since the last heartbeat. Close
			// without ending the session; the read loop then reconnects.
			w.close(closecode.Resumable)
			return
		}
		t.Reset(client.HeartbeatInterval())
	}
}

// trusted reports whether a resume_gateway_url may be dialed: Discord's
// gateway, or the host the shard was told to use (an emulator). Never send
// the token to a host READY names without checking it.
func (s *shard) trusted(resumeURL string) bool {
	u, err := url.Parse(resumeURL)
	if err != nil {
		return false
	}
	base, err := url.Parse(s.gatewayURL)
	if err != nil {
		return false
	}
	return (u.Scheme == "wss" && u.Hostname() == "gateway.discord.gg") || u.Hostname() == base.Hostname()
}

// socket is the io.Writer the Client writes its payloads to: each Write is
// one whole payload, sent as one text frame. The lock keeps the heartbeat
// goroutine's frames and the read loop's apart.
type socket struct {
	mu   sync.Mutex
	conn net.Conn
}

func (s *socket) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := wsutil.WriteClientText(s.conn, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// controlWriter writes the control frames gobwas/ws answers with (pong,
// close), each in one Write call, under the socket's lock.
type controlWriter struct{ s *socket }

func (c controlWriter) Write(p []byte) (int, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.s.conn.Write(p)
}

// close sends a close frame with code and closes the connection.
func (s *socket) close(code closecode.Code) {
	s.mu.Lock()
	defer s.mu.Unlock()
	body := ws.NewCloseFrameBody(ws.StatusCode(code), "")
	_ = ws.WriteFrame(s.conn, ws.MaskFrame(ws.NewCloseFrame(body)))
	_ = s.conn.Close()
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
