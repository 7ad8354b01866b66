package bot_test

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
)

const (
	testToken = "NzkyNzE1NDU0MTk2MDg4ODQy.X-hvzA.bot-package-test-token"
	testScale = 0.05 // heartbeats every 2 s: a loaded machine can stall a shard for a few hundred ms
)

// startEmulator starts a gateway emulator on 127.0.0.1 at 1/20 of
// Discord's clock.
func startEmulator(t testing.TB, cfg gatewaytest.Config) *gatewaytest.Server {
	t.Helper()
	cfg.Tokens = []string{testToken}
	if cfg.TimeScale == 0 {
		cfg.TimeScale = testScale
	}
	cfg.HeartbeatGrace = 40 * time.Second // a loaded machine delays beats
	srv, err := gatewaytest.NewServer(cfg)
	require.NoError(t, err)
	require.NoError(t, srv.Start(context.Background()))
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

func shardConfig(srv *gatewaytest.Server, in intents.Intent, sink gatewayutil.EventSink) gatewayutil.Config {
	return gatewayutil.Config{
		Token:           gateway.NewToken(testToken),
		Intents:         in,
		URL:             srv.URL(),
		Sink:            sink,
		CommandWindow:   time.Duration(float64(time.Minute) * srv.Config().TimeScale),
		IdentifyWindow:  time.Duration(float64(6*time.Second) * srv.Config().TimeScale),
		ResumeURLPolicy: gatewayutil.LoopbackResumeURLs,
		Backoff:         gatewayutil.Backoff{Base: 10 * time.Millisecond, Max: 200 * time.Millisecond},
	}
}

// runShard runs a shard until the test ends, and waits until its guilds
// are ready.
func runShard(t testing.TB, cfg gatewayutil.Config) *gatewayutil.Shard {
	t.Helper()
	sh, err := gatewayutil.NewShard(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sh.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		_, _ = sh.Close(context.Background(), closecode.Normal)
		<-done
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	require.NoError(t, sh.WaitGuildsReady(wctx))
	return sh
}

// guildLog is a sink that remembers, from each GUILD_CREATE, the member
// and presence ids it listed: what a member request must give back.
type guildLog struct {
	mu        sync.Mutex
	members   map[uint64][]uint64
	presences map[uint64]int
}

func newGuildLog() *guildLog {
	return &guildLog{members: map[uint64][]uint64{}, presences: map[uint64]int{}}
}

func (l *guildLog) Dispatch(_ context.Context, e *gatewayutil.Event) error {
	if e.Type != event.GuildCreate {
		return nil
	}
	var g struct {
		ID      string `json:"id"`
		Members []struct {
			User struct {
				ID string `json:"id"`
			} `json:"user"`
		} `json:"members"`
		Presences []json.RawMessage `json:"presences"`
	}
	if err := json.Unmarshal(e.Data, &g); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	ids := make([]uint64, len(g.Members))
	for i, m := range g.Members {
		ids[i], _ = strconv.ParseUint(m.User.ID, 10, 64)
	}
	gid, _ := strconv.ParseUint(g.ID, 10, 64)
	l.members[gid] = ids
	l.presences[gid] = len(g.Presences)
	return nil
}

func (l *guildLog) guild(id uint64) ([]uint64, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.members[id], l.presences[id]
}
