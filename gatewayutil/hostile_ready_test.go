package gatewayutil_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
)

// hostileReadyRun runs a shard against an emulator whose READY carries
// hostile session values, drops its connection with a resumable close after
// the first READY, and returns the emulator and the shard once the shard is
// READY again (after a resume or an identify). Before the bounds, a 5 KB
// session id made the shard's Resume too large to send, which stopped the
// shard for good.
func hostileReadyRun(t *testing.T, h gatewaytest.HostileReady, store gatewayutil.SessionStore) (*gatewaytest.Server, *gatewayutil.Shard, int) {
	t.Helper()
	srv, err := gatewaytest.NewServer(gatewaytest.Config{TimeScale: 0.01, HostileReady: h})
	require.NoError(t, err)
	require.NoError(t, srv.Start(context.Background()))
	t.Cleanup(func() { srv.Close() })

	var readies atomic.Int32
	var saved atomic.Int32
	sh, err := gatewayutil.NewShard(gatewayutil.Config{
		Token:           gateway.NewToken("Bot hostile-ready"),
		Intents:         intents.Guilds,
		URL:             srv.URL(),
		ResumeURLPolicy: gatewayutil.LoopbackResumeURLs,
		Backoff:         gatewayutil.Backoff{Base: 10 * time.Millisecond, Max: 50 * time.Millisecond},
		Sink: gatewayutil.EventSinkFunc(func(ctx context.Context, e *gatewayutil.Event) error {
			if e.Type == "READY" {
				readies.Add(1)
			}
			return nil
		}),
		OnSession: func(s gateway.Session) {
			if store != nil && s.Resumable() {
				if store.Save(context.Background(), s) == nil {
					saved.Add(1)
				}
			}
		},
	})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- sh.Run(context.Background()) }()
	t.Cleanup(func() {
		_, _ = sh.Close(context.Background(), closecode.Normal)
		<-done
	})
	waitUntil(t, 10*time.Second, "the first READY", func() bool { return readies.Load() == 1 })
	sessions, err := srv.WaitSessions(t.Context(), 1)
	require.NoError(t, err)
	require.NoError(t, sessions[0].InjectClose(closecode.Resumable))
	waitUntil(t, 10*time.Second, "the second READY or RESUMED", func() bool {
		return readies.Load() == 2 || sh.Status().Resumes == 1
	})
	select {
	case err := <-done:
		t.Fatalf("the shard stopped: %v", err)
	default:
	}
	return srv, sh, int(saved.Load())
}

// TestHostileReadySessionIDFallsBackToIdentify: READY with a 5 KB session
// id. The shard keeps working, does not keep the session, and identifies
// on the next connection instead of resuming.
func TestHostileReadySessionIDFallsBackToIdentify(t *testing.T) {
	srv, sh, saved := hostileReadyRun(t, gatewaytest.HostileReady{SessionIDBytes: 5000}, gatewayutil.NewMemorySessionStore())
	assert.Zero(t, saved, "nothing was saved")
	st := srv.Stats()
	assert.EqualValues(t, 2, st.Identifies, "identified twice")
	assert.Zero(t, st.Resumes+st.ResumesFailed, "never tried to resume")
	assert.Empty(t, sh.Session().ID)
	assert.Equal(t, gatewayutil.ShardConnected, sh.Status().State)
}

// TestHostileReadyResumeURLIsDropped: READY with a 70 KB resume URL (which
// the session store used to save, then refuse at every load). The URL is
// dropped: never dialed, never saved; the session is kept and resumed on
// the original URL.
func TestHostileReadyResumeURLIsDropped(t *testing.T) {
	store, err := gatewayutil.NewFileSessionStore(t.TempDir())
	require.NoError(t, err)
	huge := "ws://127.0.0.1:1/" + strings.Repeat("r", 70<<10)
	srv, sh, saved := hostileReadyRun(t, gatewaytest.HostileReady{ResumeURL: huge}, store)
	st := srv.Stats()
	assert.EqualValues(t, 1, st.Identifies)
	assert.EqualValues(t, 1, st.Resumes, "resumed on the original URL")
	assert.NotEmpty(t, sh.Session().ID)
	assert.Empty(t, sh.Session().ResumeURL)
	assert.Positive(t, saved, "the session was saved, without the URL")
	s, found, err := store.Load(t.Context(), 0, 1)
	require.NoError(t, err)
	assert.True(t, found)
	assert.Empty(t, s.ResumeURL)
}

// TestSessionStoreRefusesSessionsOutOfBounds: Save refuses a session that
// could never be resumed; a file holding one (written by an older version)
// is reported once and removed, so the next Load finds nothing instead of
// failing at every start.
func TestSessionStoreRefusesSessionsOutOfBounds(t *testing.T) {
	bad := []gateway.Session{
		{ID: strings.Repeat("s", 5000), ShardCount: 1},
		{ID: "s", ResumeURL: "wss://h/" + strings.Repeat("u", 70<<10), ShardCount: 1},
		{ID: "s", ResumeURL: "https://h/", ShardCount: 1},
	}
	dir := t.TempDir()
	fs, err := gatewayutil.NewFileSessionStore(dir)
	require.NoError(t, err)
	for _, store := range []gatewayutil.SessionStore{fs, gatewayutil.NewMemorySessionStore()} {
		for _, s := range bad {
			err := store.Save(t.Context(), s)
			assert.ErrorIs(t, err, gateway.ErrBadSession, "%T", store)
			_, found, _ := store.Load(t.Context(), 0, 1)
			assert.False(t, found)
		}
	}
	name := filepath.Join(dir, "shard-0-of-1.msgpack")
	for _, s := range bad {
		b, err := s.MarshalBinary()
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(name, b, 0o600))
		_, found, err := fs.Load(t.Context(), 0, 1)
		assert.False(t, found)
		require.ErrorIs(t, err, gateway.ErrBadSession)
		assert.Contains(t, err.Error(), "removed")
		_, found, err = fs.Load(t.Context(), 0, 1)
		assert.False(t, found)
		assert.NoError(t, err, "the second Load finds nothing")
		_, err = os.Stat(name)
		assert.True(t, errors.Is(err, os.ErrNotExist), "the file is gone")
	}
}
