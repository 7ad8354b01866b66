package gatewayutil_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/ratelimit"
)

// Status and Restart in loops at once: Status reads the shard map that
// Restart writes (a "concurrent map read and map write" crash before it
// took the lock; stressbot polls Status every second).
func TestManagerRestartWhileStatus(t *testing.T) {
	const shards = 2
	srv := startManagerEmulator(t, gatewaytest.Config{Shards: shards, Guilds: 4})
	m, err := gatewayutil.NewManager(managerConfig(srv, nil))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	require.NoError(t, m.Start(ctx))
	waitReady(t, m, shards, 20*time.Second)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	polls := 0
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			st := m.Status()
			assert.Len(t, st, shards)
			_ = m.Shard(polls % shards)
			polls++
		}
	})
	restarts := 0
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); restarts++ {
		require.NoError(t, m.Restart(ctx, restarts%shards))
	}
	close(stop)
	wg.Wait()
	t.Logf("%d restarts, %d status polls", restarts, polls)
	require.Positive(t, polls)
	waitReady(t, m, shards, 20*time.Second)
	require.NoError(t, m.Shutdown(context.Background()))
	// Shutdown closed every shard, including the last restarted ones.
	require.Eventually(t, func() bool { return srv.Stats().OpenConnections == 0 }, 10*time.Second, 10*time.Millisecond)
	err = m.Restart(ctx, 0)
	require.Error(t, err, "Restart after Shutdown launches nothing")
}

// A shard whose Identify can never be sent (over 4096 bytes: a
// configuration problem) stops the Manager through Fatal instead of being
// restarted for ever.
func TestManagerFatalOnIdentifyTooLarge(t *testing.T) {
	srv := startManagerEmulator(t, gatewaytest.Config{})
	cfg := managerConfig(srv, nil)
	huge := `{"since":null,"activities":[{"name":"` + strings.Repeat("x", 5000) + `","type":0}],"status":"online","afk":false}`
	cfg.Shard.ClientOptions = []gateway.Option{gateway.WithPresence(json.RawMessage(huge))}
	m, err := gatewayutil.NewManager(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	require.NoError(t, m.Start(ctx))
	select {
	case err := <-m.Fatal():
		require.ErrorIs(t, err, gateway.ErrPayloadTooLarge)
	case <-time.After(10 * time.Second):
		t.Fatal("Fatal never fired: the shard is being restarted for ever")
	}
	require.NoError(t, m.Shutdown(context.Background()))
	require.Zero(t, srv.Stats().Identifies)
}

// uncheckedStore stands for a third-party SessionStore that does not
// validate what it hands back: its Load returns bad for every shard.
type uncheckedStore struct {
	gatewayutil.SessionStore
	bad gateway.Session
}

func (s uncheckedStore) Load(context.Context, int, int) (gateway.Session, bool, error) {
	return s.bad, true, nil
}

// A stored session whose Resume is too large to send is dropped: the shard
// identifies instead of being restarted with the same session for ever.
// The library's own stores refuse such a session (TestSessionStoreRefuses
// SessionsOutOfBounds), so it comes from a store that does not check.
func TestManagerDropsSessionWhoseResumeIsTooLarge(t *testing.T) {
	srv := startManagerEmulator(t, gatewaytest.Config{})
	cfg := managerConfig(srv, nil)
	bad := gateway.Session{ID: strings.Repeat("s", 5000), Seq: 3, ShardID: 0, ShardCount: 1}
	require.ErrorIs(t, gatewayutil.NewMemorySessionStore().Save(context.Background(), bad), gateway.ErrBadSession)
	cfg.Store = uncheckedStore{SessionStore: gatewayutil.NewMemorySessionStore(), bad: bad}
	cfg.RestartBackoff = gatewayutil.Backoff{Base: 10 * time.Millisecond, Max: 50 * time.Millisecond}
	m, err := gatewayutil.NewManager(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	require.NoError(t, m.Start(ctx))
	waitReady(t, m, 1, 20*time.Second)
	select {
	case err := <-m.Fatal():
		t.Fatalf("manager stopped: %v", err)
	default:
	}
	require.Equal(t, int64(1), srv.Stats().Identifies)
	require.NoError(t, m.Shutdown(context.Background()))
}

// SkipGatewayBot without a max_concurrency is refused: guessing 1 would
// start a large bot many times slower than it may.
func TestManagerSkipGatewayBotNeedsMaxConcurrency(t *testing.T) {
	base := gatewayutil.ManagerConfig{
		Shard:          gatewayutil.Config{Token: gateway.NewToken(managerToken), URL: "wss://gateway.example"},
		SkipGatewayBot: true,
		ShardCount:     16,
	}
	_, err := gatewayutil.NewManager(base)
	require.ErrorContains(t, err, "MaxConcurrency")

	withMax := base
	withMax.MaxConcurrency = 16
	_, err = gatewayutil.NewManager(withMax)
	require.NoError(t, err)

	withLimit := base
	withLimit.SessionStartLimit = &ratelimit.SessionStartLimit{Total: 1000, Remaining: 1000, ResetAfter: time.Hour, MaxConcurrency: 16}
	_, err = gatewayutil.NewManager(withLimit)
	require.NoError(t, err)
}

// errors.Is sees through the Manager's fatal error to the shard's cause.
func TestManagerFatalErrorKeepsCause(t *testing.T) {
	srv := startManagerEmulator(t, gatewaytest.Config{})
	cfg := managerConfig(srv, nil)
	lim, err := ratelimit.NewLocalIdentifyLimiter(1)
	require.NoError(t, err)
	cfg.IdentifyLimiter = lim
	m, err := gatewayutil.NewManager(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	require.NoError(t, m.Start(ctx))
	waitReady(t, m, 1, 20*time.Second)
	// The budget runs out while the shard runs; then the gateway ends the
	// session and the shard cannot identify again.
	require.NoError(t, lim.UpdateBudget(ctx, ratelimit.SessionStartLimit{Total: 1000, Remaining: 0, ResetAfter: time.Hour}))
	for _, c := range srv.Conns() {
		_ = c.InjectInvalidSession(false)
	}
	select {
	case err := <-m.Fatal():
		require.True(t, errors.Is(err, ratelimit.ErrBudgetExhausted), "%v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Fatal never fired")
	}
	require.NoError(t, m.Shutdown(context.Background()))
}

// Within a bucket the Manager's shards identify lowest id first, although
// their connections come up in another order: here each dial waits less
// than the one before it, so the shard launched last (the highest id, most
// of the time) is the first to reach HELLO and ask for a slot.
func TestManagerIdentifiesLowestShardFirst(t *testing.T) {
	const shards = 3
	srv := startManagerEmulator(t, gatewaytest.Config{Shards: shards, MaxConcurrency: 1, Guilds: 3, TimeScale: identifyScale})
	cfg := managerConfig(srv, nil)
	var mu sync.Mutex
	dials := 0
	cfg.Shard.NetDial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		delay := time.Duration(shards-1-min(dials, shards-1)) * 50 * time.Millisecond
		dials++
		mu.Unlock()
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	m, err := gatewayutil.NewManager(cfg)
	require.NoError(t, err)
	require.NoError(t, m.Start(context.Background()))
	waitReady(t, m, shards, 30*time.Second)
	require.NoError(t, m.Shutdown(context.Background()))

	type identify struct {
		at    time.Time
		shard int
	}
	var got []identify
	for _, c := range srv.Conns() {
		if r := c.Record(); r.Identify != nil {
			got = append(got, identify{r.Identify.Time, r.Identify.Shard[0]})
		}
	}
	slices.SortFunc(got, func(a, b identify) int { return a.at.Compare(b.at) })
	var order []int
	for _, g := range got {
		order = append(order, g.shard)
	}
	require.Equal(t, []int{0, 1, 2}, order, "identify order within the bucket")
}
