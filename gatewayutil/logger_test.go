package gatewayutil_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// One logger, set on the Manager, receives the Manager's, every shard's,
// their protocol clients' and the Dispatcher's logs, none of which sets a
// logger of its own.
func TestManagerLoggerReachesEveryPart(t *testing.T) {
	srv := startShardEmulator(t, gatewaytest.Config{Guilds: 1})
	logs := &shardLogBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	d := gatewayutil.NewDispatcher() // no DispatchLogger
	gatewayutil.On(d, event.Ready, func(context.Context, *gatewayutil.Event, *struct{}) {
		panic("handler bug")
	})
	shard := baseConfig(srv) // no Logger
	shard.Sink = d
	shard.ResumeURLPolicy = gatewayutil.DiscordResumeURLs // the emulator's resume URL is refused, with a warning
	m, err := gatewayutil.NewManager(gatewayutil.ManagerConfig{
		Shard:          shard,
		APIBase:        srv.APIURL(),
		IdentifyWindow: time.Duration(float64(5*time.Second) * srv.Config().TimeScale),
		Logger:         logger,
	})
	require.NoError(t, err)
	require.NoError(t, m.Start(context.Background()))
	defer func() { require.NoError(t, m.Shutdown(context.Background())) }()

	sessions, err := srv.WaitSessions(context.Background(), 1)
	require.NoError(t, err)
	waitUntil(t, 10*time.Second, "the shard to connect", func() bool {
		st := m.Status()
		return len(st) == 1 && st[0].State == gatewayutil.ShardConnected
	})
	require.NoError(t, sessions[0].InjectReconnect())
	waitUntil(t, 10*time.Second, "the shard to resume", func() bool {
		st := m.Status()
		return len(st) == 1 && st[0].Resumes == 1 && st[0].State == gatewayutil.ShardConnected
	})

	for _, want := range []struct{ part, text string }{
		{"manager", `msg="manager started"`},
		{"client", `msg="gateway asked to reconnect"`},
		{"shard (warning)", `level=WARN msg="not following resume_gateway_url`},
		{"dispatcher", `level=ERROR msg="gatewayutil: event handler panicked"`},
	} {
		if !strings.Contains(logs.String(), want.text) {
			t.Errorf("the Manager's logger has nothing from the %s (%s):\n%s", want.part, want.text, logs.String())
		}
	}
}

// A Dispatcher's own logger wins over the Manager's.
func TestDispatchLoggerOverridesManagerLogger(t *testing.T) {
	srv := startShardEmulator(t, gatewaytest.Config{Guilds: 1})
	managerLogs, dispatcherLogs := &shardLogBuffer{}, &shardLogBuffer{}
	d := gatewayutil.NewDispatcher(gatewayutil.DispatchLogger(slog.New(slog.NewTextHandler(dispatcherLogs, nil))))
	gatewayutil.On(d, event.Ready, func(context.Context, *gatewayutil.Event, *struct{}) { panic("handler bug") })
	shard := baseConfig(srv)
	shard.Sink = d
	m, err := gatewayutil.NewManager(gatewayutil.ManagerConfig{
		Shard:          shard,
		APIBase:        srv.APIURL(),
		IdentifyWindow: time.Duration(float64(5*time.Second) * srv.Config().TimeScale),
		Logger:         slog.New(slog.NewTextHandler(managerLogs, nil)),
	})
	require.NoError(t, err)
	require.NoError(t, m.Start(context.Background()))
	defer func() { require.NoError(t, m.Shutdown(context.Background())) }()
	waitUntil(t, 10*time.Second, "the panic to be logged", func() bool {
		return strings.Contains(dispatcherLogs.String(), "event handler panicked")
	})
	require.Contains(t, managerLogs.String(), "gateway session ready", "the Manager's logger still gets the client's logs")
	require.NotContains(t, managerLogs.String(), "event handler panicked")
}
