package gatewayutil

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/internal/secret"
	"github.com/gatewaykit/gateway/opcode"
	"github.com/gatewaykit/gateway/ratelimit"
)

// Errors returned by a Manager.
var (
	// ErrManagerStarted is returned by Start and Run on a Manager that
	// already started.
	ErrManagerStarted = errors.New("gatewayutil: manager already started")
	// ErrManagerNotStarted is returned by calls that need running shards.
	ErrManagerNotStarted = errors.New("gatewayutil: manager not started")
	// ErrShardNotHere is returned when a guild's shard is not one this
	// process runs.
	ErrShardNotHere = errors.New("gatewayutil: shard not run by this manager")

	errManagerClosing = errors.New("manager shutting down")
)

// Manager runs a bot's shards in one process: it asks GET /gateway/bot for
// the URL, the recommended shard count and the identify limits, refuses to
// start when the daily session budget cannot cover the identifies it needs,
// starts the shards in Discord's schedule (every max_concurrency bucket busy
// in every 5 s window, lowest ids first), restarts a shard that fails,
// resumes sessions saved by a previous process, reshards without downtime,
// and shuts down keeping every session resumable.
//
// Build it with NewManager, then call Run (or Start and later Shutdown).
type Manager struct {
	cfg   ManagerConfig // its Shard.Token is blank: the token is in token
	token secret.String // masked, so no dump of a Manager shows it
	log   *slog.Logger

	// mu guards the fields below and every shardSet's shards map, which
	// Restart writes while Status, Shard and Shutdown read it.
	mu       sync.Mutex
	started  bool
	closing  bool // Shutdown began: Restart launches nothing
	url      string
	limiter  ratelimit.IdentifyLimiter
	store    SessionStore
	set      *shardSet
	retiring []*shardSet
	runCtx   context.Context
	cancel   context.CancelCauseFunc
	fatal    chan error

	restartMu sync.Mutex // one Restart at a time

	life           managerLife        // shards READY at least once (manager_ready.go)
	autoResharding map[*shardSet]bool // sets whose 4011 started a reshard (manager_autoreshard.go)
	reshardStats   reshardCounters    // manager_reshard.go
}

// shardSet is one generation of shards: all shards of one shard count.
type shardSet struct {
	gen    int // generation: 0 for the first set, one more for each reshard
	count  int
	ids    []int
	shards map[int]*managedShard
	gate   *gateSink
	// stores says whether the set's sessions go to the session store. A
	// reshard to the same count runs two sets whose sessions have the same
	// [shard id, count] keys: only the set that will run on writes them.
	stores atomic.Bool
}

// managedShard is a Shard and the goroutine that keeps it running.
type managedShard struct {
	mu    sync.Mutex
	shard *Shard
	stop  context.CancelFunc
	done  chan struct{}
}

func (ms *managedShard) current() *Shard {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.shard
}

// NewManager checks the configuration. Nothing connects before Start.
func NewManager(cfg ManagerConfig) (*Manager, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("gatewayutil: manager config: %w", err)
	}
	store := cfg.Store
	if store == nil {
		store = NewMemorySessionStore()
	}
	m := &Manager{cfg: cfg, token: secret.Seal(cfg.Shard.Token.Reveal()), log: cfg.Logger, store: store, fatal: make(chan error, 1)}
	m.cfg.Shard.Token = gateway.Token{}
	return m, nil
}

// Run starts the shards and keeps them running until ctx ends, then shuts
// down gracefully (sessions stay resumable and are saved to the store) and
// returns nil. A fatal gateway error (a close code such as 4004, or the
// session budget running out) shuts everything down and is returned.
func (m *Manager) Run(ctx context.Context) error {
	if err := m.Start(ctx); err != nil {
		return err
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-m.fatal:
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := m.Shutdown(sctx); err != nil && runErr == nil {
		runErr = err
	}
	return runErr
}

// Start fetches the gateway's parameters, checks the session budget and
// starts every shard in the background. It returns once the shards are
// launched, not when they are READY; Status tells how far they got. ctx
// bounds only the start; the shards run until Shutdown.
func (m *Manager) Start(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.started {
		return ErrManagerStarted
	}
	count := m.cfg.ShardCount
	maxConcurrency := m.cfg.MaxConcurrency
	limit := m.cfg.SessionStartLimit
	m.url = m.cfg.Shard.URL
	if !m.cfg.SkipGatewayBot {
		gb, err := fetchGatewayBot(ctx, m.cfg.HTTPClient, m.cfg.APIBase, m.token.Open(), m.cfg.Shard.AllowPlainWS)
		if err != nil {
			return fmt.Errorf("gatewayutil: manager start: %w", err)
		}
		if m.url == "" {
			m.url = gb.URL
		}
		if count == 0 {
			count = gb.Shards
		}
		if maxConcurrency == 0 {
			maxConcurrency = gb.SessionStartLimit.MaxConcurrency
		}
		l := gb.SessionStartLimit
		limit = &l
	}
	if count < 1 {
		count = 1
	}
	if maxConcurrency < 1 && limit != nil {
		maxConcurrency = limit.MaxConcurrency
	}
	if maxConcurrency < 1 {
		// validate refused this with SkipGatewayBot; GET /gateway/bot
		// answered without it.
		return fmt.Errorf("gatewayutil: manager start: max_concurrency %d: want at least 1", maxConcurrency)
	}
	ids := m.cfg.ShardIDs
	if ids == nil {
		ids = allShardIDs(count)
	}
	for _, id := range ids {
		if id >= count {
			return fmt.Errorf("gatewayutil: manager start: shard id %d outside [0, %d)", id, count)
		}
	}
	limiter, err := m.identifyLimiter(ctx, maxConcurrency, limit)
	if err != nil {
		return err
	}
	m.limiter = limiter
	m.runCtx, m.cancel = context.WithCancelCause(context.WithoutCancel(ctx))
	set, err := m.startSet(ctx, count, ids, nil, 0, false)
	if err != nil {
		m.cancel(err)
		return err
	}
	m.set = set
	m.started = true
	m.log.Info("manager started", "shards", len(ids), "shard_count", count, "max_concurrency", maxConcurrency)
	return nil
}

func (m *Manager) identifyLimiter(ctx context.Context, maxConcurrency int, limit *ratelimit.SessionStartLimit) (ratelimit.IdentifyLimiter, error) {
	if m.cfg.IdentifyLimiter != nil {
		if limit != nil {
			if err := m.cfg.IdentifyLimiter.UpdateBudget(ctx, *limit); err != nil {
				return nil, fmt.Errorf("gatewayutil: manager start: %w", err)
			}
		}
		return m.cfg.IdentifyLimiter, nil
	}
	opts := []ratelimit.IdentifyOption{ratelimit.WithIdentifyWindow(m.cfg.IdentifyWindow + m.cfg.IdentifyMargin)}
	if limit != nil {
		opts = append(opts, ratelimit.WithSessionStartLimit(*limit))
	}
	l, err := ratelimit.NewLocalIdentifyLimiter(maxConcurrency, opts...)
	if err != nil {
		return nil, fmt.Errorf("gatewayutil: manager start: %w", err)
	}
	return l, nil
}

func allShardIDs(count int) []int {
	ids := make([]int, count)
	for i := range ids {
		ids[i] = i
	}
	return ids
}

// startSet loads saved sessions, checks that the budget covers the shards
// that must identify, then launches every shard of a new set. It refuses
// before anything connects. A set beside a running one of the same count
// (sameCount) neither resumes the sessions saved under its keys (they are
// the running set's) nor saves its own until it takes over.
// startSet starts a shard set. Without a filter its gate is open; with one
// (a reshard's new set) it warms up behind the filter from its first event.
func (m *Manager) startSet(ctx context.Context, count int, ids []int, filter *dedupeFilter, gen int, sameCount bool) (*shardSet, error) {
	sessions := make(map[int]gateway.Session, len(ids))
	identifies := 0
	var identifying []int
	for _, id := range ids {
		if sameCount {
			identifies++
			identifying = append(identifying, id)
			continue
		}
		s, found, err := m.store.Load(ctx, id, count)
		if err != nil {
			m.log.Warn("ignoring unreadable saved session", "shard", id, "err", err)
			found = false
		}
		if found && s.CanResume(id, count) {
			sessions[id] = s
		} else {
			identifies++
			identifying = append(identifying, id)
		}
	}
	if identifies > 0 {
		if err := m.limiter.CanStart(ctx, identifies); err != nil {
			return nil, fmt.Errorf("gatewayutil: refusing to start %d shards: %w", len(ids), err)
		}
	}
	set := &shardSet{gen: gen, count: count, ids: slices.Clone(ids), shards: make(map[int]*managedShard, len(ids)), gate: newGateSink(m.cfg.Shard.Sink, gateOpen, gen)}
	if filter != nil {
		set.gate.set(gateDedupe, filter)
	}
	set.stores.Store(!sameCount)
	for _, id := range ids {
		cfg := m.shardConfig(set, id, sessions[id])
		sh, err := NewShard(cfg)
		if err != nil {
			for _, ms := range set.shards {
				ms.stop()
			}
			return nil, fmt.Errorf("gatewayutil: shard %d: %w", id, err)
		}
		ms := &managedShard{shard: sh, done: make(chan struct{})}
		set.shards[id] = ms
	}
	if e, ok := m.limiter.(identifyExpecter); ok && len(identifying) > 0 {
		// Their connections come up in any order: have the limiter wait
		// for the lowest ids of each bucket.
		e.Expect(identifying...)
	}
	m.log.Info("starting shard set", "shards", len(ids), "shard_count", count, "resuming", len(ids)-identifies, "identifying", identifies)
	for _, id := range ids {
		m.launch(set, set.shards[id])
	}
	return set, nil
}

// identifyExpecter is an identify limiter that can be told which shards
// are about to ask for a slot, such as *ratelimit.LocalIdentifyLimiter.
type identifyExpecter interface{ Expect(shardIDs ...int) }

func (m *Manager) shardConfig(set *shardSet, id int, s gateway.Session) Config {
	cfg := m.cfg.Shard
	cfg.Token = gateway.NewToken(m.token.Open())
	cfg.URL = m.url
	cfg.ShardID, cfg.ShardCount = id, set.count
	cfg.Session = s
	cfg.IdentifyLimiter = m.limiter
	cfg.Sink = set.gate
	userHook := m.cfg.Shard.OnSession
	count := set.count
	cfg.OnLifecycle = m.lifecycleHook(set, id, cfg.OnLifecycle)
	cfg.OnSession = func(s gateway.Session) {
		if set.stores.Load() {
			m.saveSession(id, count, s)
		}
		if userHook != nil {
			userHook(s)
		}
	}
	return cfg
}

// saveSession keeps the store in step with a shard's session.
func (m *Manager) saveSession(id, count int, s gateway.Session) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var err error
	if s.Resumable() {
		err = m.store.Save(ctx, s)
	} else {
		err = m.store.Delete(ctx, id, count)
	}
	if err != nil {
		m.log.Warn("session store failed", "shard", id, "err", err)
	}
}

// launch runs a shard on its own goroutine and restarts it, with backoff,
// whenever Run returns for a reason that is neither a stop nor one that
// retrying cannot fix (see stopsForGood). The backoff starts again from
// the first step once a run lasted longer than the longest wait.
func (m *Manager) launch(set *shardSet, ms *managedShard) {
	ctx, stop := context.WithCancel(m.runCtx)
	ms.stop = stop
	go func() {
		defer close(ms.done)
		attempt := 0
		for {
			sh := ms.current()
			started := time.Now()
			err := sh.Run(ctx)
			if ctx.Err() != nil || err == nil {
				return
			}
			sess := sh.Session()
			switch {
			case errors.Is(err, gateway.ErrPayloadTooLarge) && sess.Resumable():
				// The saved session makes the Resume too big (a session id
				// or sequence number the gateway should not have sent):
				// identify instead. Without a session it is fatal below.
				m.log.Warn("resume payload too large; restarting the shard without its session", "shard", sh.ID(), "err", err)
				sess = gateway.Session{}
			case m.reshardOnShardingRequired(set, err):
				return // the reshard replaces this shard's set
			case stopsForGood(err):
				m.log.Error("shard stopped for good", "shard", sh.ID(), "err", err)
				select {
				case m.fatal <- err: // the shard's errors already name it
				default:
				}
				return
			}
			attempt = nextRestartAttempt(attempt, time.Since(started), m.cfg.RestartBackoff)
			wait := m.cfg.RestartBackoff.Delay(attempt)
			attempt++
			m.log.Warn("restarting failed shard", "shard", sh.ID(), "err", err, "in", wait)
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			next, nerr := NewShard(m.shardConfig(set, sh.ID(), sess))
			if nerr != nil {
				m.log.Error("cannot rebuild shard", "shard", sh.ID(), "err", nerr)
				continue
			}
			ms.mu.Lock()
			ms.shard = next
			ms.mu.Unlock()
		}
	}()
}

// nextRestartAttempt is the backoff step for the next restart of a shard
// whose run lasted ran, after attempt restarts: back to 0 after a run
// longer than the longest wait (the shard was healthy in between), so a
// shard that fails once a day does not wait minutes each time.
func nextRestartAttempt(attempt int, ran time.Duration, b Backoff) int {
	if ran > b.withDefaults().Max {
		return 0
	}
	return attempt
}

// stopsForGood reports whether a shard's error is one that running it
// again cannot fix: a fatal close code (4004, 4010-4014), the daily
// session budget spent, a configuration the gateway or the protocol core
// refuses, an Identify too large to send. Restarting would fail the same
// way (and, for a close code, spend an identify each time), so the Manager
// reports it on Fatal instead.
func stopsForGood(err error) bool {
	var ce *gateway.CloseError
	if errors.As(err, &ce) && ce.Fatal() {
		return true
	}
	return errors.Is(err, ratelimit.ErrBudgetExhausted) ||
		errors.Is(err, gateway.ErrConfig) ||
		errors.Is(err, gateway.ErrPayloadTooLarge)
}

// Fatal returns a channel that receives the first fatal error of any shard:
// one that restarting cannot fix (a close code such as 4004, the session
// budget running out, a configuration error, an Identify over 4096 bytes). Run
// watches it; a caller of Start watches it itself and then calls Shutdown.
func (m *Manager) Fatal() <-chan error { return m.fatal }

// ShardCount returns the bot's total shard count, 0 before Start.
func (m *Manager) ShardCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.set == nil {
		return 0
	}
	return m.set.count
}

// ShardForGuild returns the id of the shard that receives a guild's events:
// (guild_id >> 22) % shard_count.
func (m *Manager) ShardForGuild(guildID uint64) int {
	n := m.ShardCount()
	if n < 1 {
		n = 1
	}
	return ShardForGuild(guildID, n)
}

// ShardForGuild returns (guildID >> 22) % shardCount, the shard Discord
// routes a guild's events to.
func ShardForGuild(guildID uint64, shardCount int) int {
	if shardCount < 1 {
		return 0
	}
	return int((guildID >> 22) % uint64(shardCount))
}

// Shard returns the running shard with this id, or nil if this process
// does not run it.
func (m *Manager) Shard(id int) *Shard {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.set == nil {
		return nil
	}
	ms := m.set.shards[id]
	if ms == nil {
		return nil
	}
	return ms.current()
}

// SendToGuild sends a command (op 3, 4, 8, 31 or 43) on the shard that
// owns a guild, such as a Request Guild Members for that guild.
func (m *Manager) SendToGuild(ctx context.Context, guildID uint64, op opcode.Opcode, d []byte) error {
	id := m.ShardForGuild(guildID)
	sh := m.Shard(id)
	if sh == nil {
		if !m.isStarted() {
			return ErrManagerNotStarted
		}
		return fmt.Errorf("%w: guild %d is on shard %d", ErrShardNotHere, guildID, id)
	}
	return sh.Send(ctx, op, d)
}

func (m *Manager) isStarted() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.started
}

// managed returns a set's shard id under m.mu: Restart replaces entries.
func (m *Manager) managed(set *shardSet, id int) *managedShard {
	m.mu.Lock()
	defer m.mu.Unlock()
	return set.shards[id]
}

// Status returns every running shard's status, by shard id.
func (m *Manager) Status() []Status {
	m.mu.Lock()
	set := m.set
	var shards []*managedShard
	if set != nil {
		shards = make([]*managedShard, 0, len(set.ids))
		for _, id := range set.ids {
			shards = append(shards, set.shards[id])
		}
	}
	m.mu.Unlock()
	if set == nil {
		return nil
	}
	out := make([]Status, 0, len(shards))
	for _, ms := range shards {
		out = append(out, ms.current().Status())
	}
	return out
}

// Restart closes one shard keeping its session resumable and starts it
// again, resuming. Use it on a shard that Status reports as stalled.
func (m *Manager) Restart(ctx context.Context, id int) error {
	m.restartMu.Lock()
	defer m.restartMu.Unlock()
	m.mu.Lock()
	set := m.set
	var ms *managedShard
	if set != nil {
		ms = set.shards[id]
	}
	m.mu.Unlock()
	if set == nil {
		return ErrManagerNotStarted
	}
	if ms == nil {
		return fmt.Errorf("%w: shard %d", ErrShardNotHere, id)
	}
	ms.stop()
	select {
	case <-ms.done:
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	s, err := ms.current().Close(ctx, closecode.Resumable)
	if err != nil && !errors.Is(err, context.Canceled) {
		m.log.Debug("closing shard for restart", "shard", id, "err", err)
	}
	sh, err := NewShard(m.shardConfig(set, id, s))
	if err != nil {
		return fmt.Errorf("gatewayutil: restart shard %d: %w", id, err)
	}
	next := &managedShard{shard: sh, done: make(chan struct{})}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closing {
		return fmt.Errorf("gatewayutil: restart shard %d: %w", id, errManagerClosing)
	}
	set.shards[id] = next
	m.launch(set, next)
	return nil
}

// Shutdown closes every shard with a resumable close code, saves each
// session to the store, and waits for the shards' goroutines to end. A new
// Manager with the same store resumes them all, spending no identify.
func (m *Manager) Shutdown(ctx context.Context) error {
	m.mu.Lock()
	if !m.started {
		m.mu.Unlock()
		return ErrManagerNotStarted
	}
	m.closing = true
	sets := append([]*shardSet{m.set}, m.retiring...)
	m.mu.Unlock()
	var errs []error
	for _, set := range sets {
		if err := m.closeSet(ctx, set, closecode.Resumable); err != nil {
			errs = append(errs, err)
		}
	}
	m.cancel(errors.New("manager shut down"))
	return errors.Join(errs...)
}

// closeSet closes every shard of a set concurrently with code and keeps
// the store in step: resumable sessions saved, ended ones deleted.
func (m *Manager) closeSet(ctx context.Context, set *shardSet, code closecode.Code) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	m.mu.Lock()
	shards := make([]*managedShard, len(set.ids))
	for i, id := range set.ids {
		shards[i] = set.shards[id]
	}
	m.mu.Unlock()
	for i, id := range set.ids {
		ms := shards[i]
		wg.Go(func() {
			s, err := ms.current().Close(ctx, code)
			ms.stop()
			select {
			case <-ms.done:
			case <-ctx.Done():
				err = errors.Join(err, context.Cause(ctx))
			}
			if code.InvalidatesWhenSent() {
				s = gateway.Session{}
			}
			if set.stores.Load() {
				m.saveSession(id, set.count, s)
			}
			if err != nil && !errors.Is(err, context.Canceled) {
				mu.Lock()
				errs = append(errs, fmt.Errorf("shard %d: %w", id, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
