package gatewaytest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"

	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/encoding"
	"github.com/gatewaykit/gateway/opcode"
)

// Server is an emulated Discord gateway and its REST endpoints, listening
// on a real TCP port. Create it with [NewServer], run it with
// [Server.Start], stop it with [Server.Close]. All methods are safe for
// concurrent use.
type Server struct {
	cfg Config
	log *slog.Logger

	ln        net.Listener
	httpSrv   *http.Server
	url       string
	apiURL    string
	resumeURL string

	traffic     *Traffic
	trafficMu   sync.Mutex
	guilds      []uint64
	guildSet    map[uint64]struct{}
	botUser     []byte
	botID       uint64
	quotedBotID []byte

	// streamMu orders a mutable world's changes with the GUILD_CREATEs a
	// new session receives: the pump holds it from generating a change to
	// publishing it, identify from taking the GUILD_CREATEs to making the
	// session routable, so a session gets every change made after its
	// GUILD_CREATEs and none made before.
	streamMu      sync.Mutex
	trafficPaused atomic.Bool

	worldMu         sync.Mutex
	guildCache      map[uint64]cachedGuild
	guildCacheBytes int
	channels        map[uint64]uint64

	botsMu sync.Mutex
	bots   map[string]*botState

	mu          sync.Mutex
	connSeq     uint64
	live        map[*Conn]struct{}
	history     []*Conn
	sessions    map[string]*Session
	sessionList []*Session
	sessionSeq  uint64
	shardSeq    map[[2]int]uint64
	changed     chan struct{} // closed and replaced on every change
	routes      routeTable

	stats serverStats
	pump  *pump

	withheld sync.Map // guild id → struct{}: GUILD_CREATEs left out (withhold.go)

	// beforeHandle, when set (by tests, before Start), runs on a
	// connection's reader between reading a message and handling it: it
	// stands for a machine too loaded to process messages as they arrive.
	beforeHandle func(c *Conn, msg []byte)

	startOnce sync.Once
	started   atomic.Bool
	closeOnce sync.Once
	done      chan struct{}
	wg        sync.WaitGroup
}

// NewServer validates cfg, generates the bot's guilds and binds the
// listener, so [Server.URL] is known; call [Server.Start] to serve.
func NewServer(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:        cfg,
		log:        cfg.Logger,
		guildSet:   make(map[uint64]struct{}),
		guildCache: make(map[uint64]cachedGuild),
		channels:   make(map[uint64]uint64),
		bots:       make(map[string]*botState),
		live:       make(map[*Conn]struct{}),
		sessions:   make(map[string]*Session),
		shardSeq:   make(map[[2]int]uint64),
		changed:    make(chan struct{}),
		done:       make(chan struct{}),
	}
	world := cfg.World
	world.Seed, world.Guilds, world.ShardCount = cfg.Seed, max(1, cfg.Guilds), cfg.Shards
	s.traffic = NewTraffic(world)
	if cfg.Guilds > 0 {
		s.guilds = s.traffic.Guilds()
	}
	for _, g := range s.guilds {
		s.guildSet[g] = struct{}{}
	}
	s.botUser = s.traffic.BotUser()
	s.botID = s.traffic.BotUserID()
	s.quotedBotID = []byte(`"` + strconv.FormatUint(s.botID, 10) + `"`)

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("gatewaytest: listen on %s: %w", cfg.Addr, err)
	}
	s.ln = ln
	host := ln.Addr().String()
	if ta, ok := ln.Addr().(*net.TCPAddr); ok && ta.IP.IsUnspecified() {
		host = net.JoinHostPort("127.0.0.1", strconv.Itoa(ta.Port))
	}
	s.url = "ws://" + host
	s.resumeURL = "ws://" + host + resumePath
	s.apiURL = "http://" + host + "/api/v10"
	s.httpSrv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: cfg.PeerTimeout,
		IdleTimeout:       cfg.PeerTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.pump = newPump(s)
	return s, nil
}

// resumePath is the path of resume_gateway_url: the same listener, so it
// really serves, but a different URL, so the record shows which one a
// client used.
const resumePath = "/resume"

// Start serves until ctx is done or Close is called. It returns at once.
func (s *Server) Start(ctx context.Context) error {
	err := errors.New("gatewaytest: server already started")
	s.startOnce.Do(func() {
		err = nil
		select {
		case <-s.done:
			err = errors.New("gatewaytest: server closed")
			return
		default:
		}
		s.started.Store(true)
		s.wg.Add(2)
		go func() {
			defer s.wg.Done()
			if err := s.httpSrv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.log.Error("gateway listener stopped", "err", err)
			}
		}()
		go func() {
			defer s.wg.Done()
			s.housekeep()
		}()
		if s.cfg.Traffic {
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.pump.run()
			}()
		}
		go func() {
			select {
			case <-ctx.Done():
				_ = s.Close()
			case <-s.done:
			}
		}()
		s.log.Info("gateway emulator serving", "gateway", s.url, "api", s.apiURL)
	})
	return err
}

// Close stops the server: it closes the listener, sends close 1001 to
// every connection, waits briefly for them to end and drops the rest. It
// is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		_ = s.httpSrv.Close()
		_ = s.ln.Close()
		conns := s.liveConns(nil)
		for _, c := range conns {
			c.closeWith(closecode.GoingAway, "gateway emulator shutting down")
		}
		deadline := time.After(2 * time.Second)
		for _, c := range conns {
			select {
			case <-c.done:
			case <-deadline:
				_ = c.nc.Close()
			}
		}
		s.wg.Wait()
	})
	return nil
}

// URL returns the gateway URL, ws://HOST:PORT, to which clients append
// their query (?v=10&encoding=json...).
func (s *Server) URL() string { return s.url }

// ResumeURL returns the resume_gateway_url sent in READY: the same server
// under another path.
func (s *Server) ResumeURL() string { return s.resumeURL }

// APIURL returns the REST base, http://HOST:PORT/api/v10.
func (s *Server) APIURL() string { return s.apiURL }

// Addr returns the listener's address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Config returns the configuration in effect, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// BotID returns the id of the emulated bot user (also the application id).
func (s *Server) BotID() uint64 { return s.botID }

// ServeHTTP routes REST requests under /api/ and WebSocket upgrades on any
// other path.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		s.serveAPI(w, r)
		return
	}
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusUpgradeRequired)
		_, _ = w.Write([]byte("gateway emulator: connect with a WebSocket client\n"))
		return
	}
	s.serveGateway(w, r)
}

// serveGateway accepts one WebSocket connection and runs it on this
// goroutine until it ends.
func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	encName := q.Get("encoding")
	if encName == "" {
		encName = "json"
	}
	var dec, enc encoding.Codec
	switch encName {
	case "json":
		dec, enc = encoding.JSON(), encoding.JSON()
	case "etf":
		// The server-side ETF codec writes what Discord writes (atom keys,
		// integer snowflakes) and refuses atom keys from clients.
		dec, enc = encoding.NewETFServer(), encoding.NewETFServer()
	default:
		http.Error(w, fmt.Sprintf("gateway emulator: encoding %q is not json or etf", encName), http.StatusBadRequest)
		return
	}
	compress := q.Get("compress")
	if compress != CompressNone && compress != CompressZlib && compress != CompressZstd {
		http.Error(w, fmt.Sprintf("gateway emulator: compress %q is not zlib-stream or zstd-stream", compress), http.StatusBadRequest)
		return
	}
	select {
	case <-s.done:
		http.Error(w, "gateway emulator: shutting down", http.StatusServiceUnavailable)
		return
	default:
	}
	nc, rw, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		s.log.Debug("websocket upgrade failed", "err", err)
		return
	}
	version, verr := strconv.Atoi(q.Get("v"))
	c := &Conn{
		srv:        s,
		nc:         nc,
		encName:    encName,
		compress:   compress,
		dec:        dec,
		enc:        enc,
		writerDone: make(chan struct{}),
		done:       make(chan struct{}),
	}
	c.fr = newFrameReader(nc, rw.Reader, &c.lastWritten, maxPayloadBytes, c.queuePong)
	now := time.Now()
	c.rec = Record{
		RemoteAddr: nc.RemoteAddr().String(),
		Path:       r.URL.Path,
		ResumeURL:  strings.HasPrefix(r.URL.Path, resumePath),
		Version:    version,
		Encoding:   encName,
		Compress:   compress,
		Opened:     now,
	}
	if !s.addConn(c) {
		_ = nc.Close()
		return
	}
	s.stats.connections.Add(1)
	s.log.Debug("connection accepted", "conn", c.id, "path", r.URL.Path, "query", r.URL.RawQuery)
	if verr != nil || (version != 9 && version != 10) {
		c.violation(closecode.InvalidAPIVersion, fmt.Sprintf("gateway version %q is not 9 or 10", q.Get("v")))
	} else {
		c.sendCtrl(ctrlMsg{op: opcode.Hello, d: s.helloData()})
		c.armHeartbeat(now)
	}
	c.serve()
}

// version returns the connection's v.
func (c *Conn) version() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rec.Version
}

// helloData is HELLO's d.
func (s *Server) helloData() []byte {
	ms := s.cfg.scale(s.cfg.HeartbeatInterval).Milliseconds()
	b := []byte(`{"heartbeat_interval":`)
	b = strconv.AppendInt(b, max(ms, 1), 10)
	return append(b, `,"_trace":["[\"gateway-emulator\",{\"micros\":0.0}]"]}`...)
}

// addConn registers a new connection; false when the server is closing.
func (s *Server) addConn(c *Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.done:
		return false
	default:
	}
	s.connSeq++
	c.id = s.connSeq
	c.rec.ID = c.id
	c.reorderRand = mixSeed(uint64(s.cfg.Seed), c.id, 0x5eed)
	s.live[c] = struct{}{}
	s.history = append(s.history, c)
	s.notifyLocked()
	return true
}

// connGone forgets a closed connection, keeping it in the history.
func (s *Server) connGone(c *Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.live, c)
	if extra := len(s.history) - s.cfg.History; extra > 0 {
		// Drop the oldest closed connections beyond the history bound.
		keep := s.history[:0]
		for _, h := range s.history {
			if extra > 0 && h.Closed() {
				extra--
				continue
			}
			keep = append(keep, h)
		}
		clear(s.history[len(keep):])
		s.history = keep
	}
	s.notifyLocked()
}

// liveConns appends the open connections to dst.
func (s *Server) liveConns(dst []*Conn) []*Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.live {
		dst = append(dst, c)
	}
	return dst
}

func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// newSession creates a session for a validated identify.
func (s *Server) newSession(req *identifyRequest, now time.Time) *Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessionSeq++
	key := [2]int{req.shardID, req.shardCount}
	if _, ok := s.shardSeq[key]; !ok && len(s.shardSeq) >= s.cfg.StateLimit {
		// Clients choose shard numbers: start the ordinals afresh rather
		// than keep one per [shard_id, num_shards] ever seen. Runs with
		// fewer distinct shards than StateLimit stay exactly repeatable.
		clear(s.shardSeq)
	}
	s.shardSeq[key]++
	nth := s.shardSeq[key]
	seed := uint64(s.cfg.Seed)
	id := mixSeed(seed, s.sessionSeq, 0x1d)
	id2 := mixSeed(seed, s.sessionSeq, 0x2d)
	return &Session{
		srv:        s,
		id:         s.cfg.HostileReady.sessionID(fmt.Sprintf("%016x%016x", id, id2)),
		token:      req.token,
		shardID:    req.shardID,
		shardCount: req.shardCount,
		shardSent:  req.shardSent,
		intents:    req.intents,
		created:    now,
		bursting:   true,
		rng:        rand.New(rand.NewPCG(seed, mixSeed(uint64(req.shardID), uint64(req.shardCount), nth))),
	}
}

// addSession makes a session routable.
func (s *Server) addSession(sess *Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !sess.Alive() {
		return
	}
	s.sessions[sess.id] = sess
	s.sessionList = append(s.sessionList, sess)
	s.routes.add(sess)
	s.notifyLocked()
}

// removeSession forgets a dead session.
func (s *Server) removeSession(sess *Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions[sess.id] != sess {
		return
	}
	delete(s.sessions, sess.id)
	if i := slices.Index(s.sessionList, sess); i >= 0 {
		s.sessionList = slices.Delete(s.sessionList, i, i+1)
	}
	s.routes.remove(sess)
	s.notifyLocked()
}

// session looks a session up by id.
func (s *Server) session(id string) *Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[id]
}

// Sessions returns the sessions that are alive (connected, or waiting for
// a resume), oldest first.
func (s *Server) Sessions() []*Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sessionList)
}

// Conns returns the connections in order of acceptance: the open ones and
// the most recent closed ones ([Config.History]).
func (s *Server) Conns() []*Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.history)
}

// Wait blocks until cond (called with the server's current sessions and
// connections, under no lock) returns true, or ctx is done. It re-checks
// whenever a connection or session starts or ends.
func (s *Server) Wait(ctx context.Context, cond func(sessions []*Session, conns []*Conn) bool) error {
	for {
		s.mu.Lock()
		ch := s.changed
		sessions, conns := slices.Clone(s.sessionList), slices.Clone(s.history)
		s.mu.Unlock()
		if cond(sessions, conns) {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("gatewaytest: wait: %w", ctx.Err())
		}
	}
}

// WaitSessions waits until at least n sessions are alive and returns them.
func (s *Server) WaitSessions(ctx context.Context, n int) ([]*Session, error) {
	var out []*Session
	err := s.Wait(ctx, func(sessions []*Session, _ []*Conn) bool {
		out = sessions
		return len(sessions) >= n
	})
	return out, err
}

// mixSeed hashes three numbers into one (splitmix64 finalizer): the seeds
// of everything random, so a run depends only on Config.Seed and what the
// clients do.
func mixSeed(a, b, c uint64) uint64 {
	x := a*0x9e3779b97f4a7c15 ^ b*0xbf58476d1ce4e5b9 ^ c*0x94d049bb133111eb
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
