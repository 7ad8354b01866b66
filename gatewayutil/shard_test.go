package gatewayutil_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// modes are the encodings and compressions the fault tests run with.
var modes = []struct {
	name     string
	encoding string
	comp     gatewayutil.Compression
}{
	{"json", "json", gatewayutil.CompressNone},
	{"json+zlib-stream", "json", gatewayutil.CompressZlibStream},
	{"json+zstd-stream", "json", gatewayutil.CompressZstdStream},
	{"json+payload", "json", gatewayutil.CompressPayload},
	{"etf+zlib-stream", "etf", gatewayutil.CompressZlibStream},
}

func TestShardLifecycle(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			// This test counts connections and identifies: exactly one. At
			// the default 412 ms interval a loaded 2-core machine under
			// -race stalls the in-process emulator or the shard for longer
			// than an interval now and then, and the shard rightly closes
			// the silent connection as a zombie (seen 5 times in 18 runs
			// at load 16). A 2 s interval keeps the zombie check out of a
			// test about the happy path.
			srv := startShardEmulator(t, gatewaytest.Config{Guilds: 6, Traffic: true, Rate: 300, PayloadCompressMin: 200, HeartbeatInterval: 200 * time.Second})
			ts := runShard(t, srv, func(c *gatewayutil.Config) {
				c.Encoding, c.Compression = m.encoding, m.comp
			})
			ts.waitEvents(t, 150)
			ts.check.requireClean(t)
			require.Equal(t, 6, ts.check.count(event.GuildCreate), "one GUILD_CREATE per guild")

			// Heartbeats flow: wait for a few beats and their ACKs.
			waitUntil(t, 20*time.Second, "heartbeat ACKs", func() bool { return ts.Status().HeartbeatAcks >= 2 })
			st := ts.Status()
			require.Equal(t, gatewayutil.ShardConnected, st.State)
			require.NotEmpty(t, st.SessionID)
			require.Positive(t, st.Seq)
			require.Positive(t, st.Latency)
			require.Equal(t, int64(1), st.Identifies)
			require.Equal(t, int64(1), st.Connections)
			require.Positive(t, st.BytesWire)
			require.Positive(t, st.BytesDecoded)
			if m.comp == gatewayutil.CompressZlibStream || m.comp == gatewayutil.CompressZstdStream {
				require.Less(t, st.BytesWire, st.BytesDecoded, "compressed on the wire")
			}

			rec := ts.liveConn(t).Record()
			require.Equal(t, m.encoding, rec.Encoding)
			require.Equal(t, 10, rec.Version)
			switch m.comp {
			case gatewayutil.CompressZlibStream, gatewayutil.CompressZstdStream:
				require.Equal(t, m.comp.String(), rec.Compress)
			case gatewayutil.CompressPayload:
				require.True(t, rec.PayloadCompress)
			}
			require.NotNil(t, rec.Identify)
			require.Equal(t, testToken, rec.Identify.Token.Reveal(), "the Bot prefix is stripped")
			require.Empty(t, rec.Violations)
			require.GreaterOrEqual(t, rec.HeartbeatCount, 2)
			for _, hb := range rec.Heartbeats {
				if hb.Time.After(rec.Identify.Time) && hb.Written > 1 {
					// d is the last sequence number the shard processed:
					// never ahead of what the server wrote. (Not compared
					// with hb.Written: the emulator counts a batch as
					// written only once its flush returned, and a fast
					// shard can read, process and heartbeat before that.)
					require.True(t, hb.HasSeq, "heartbeat after READY carries d")
					require.Positive(t, hb.Seq)
					require.LessOrEqual(t, hb.Seq, rec.LastSeqSent)
				}
			}

			sess, err := ts.Close(context.Background(), closecode.Resumable)
			require.NoError(t, err)
			require.Equal(t, st.SessionID, sess.ID, "closing with 4000 keeps the session")
			require.NoError(t, <-ts.errc, "Run returns nil after Close")
			waitUntil(t, 5*time.Second, "the server to see the close", func() bool { return rec.ID != 0 && connByID(ts.srv, rec.ID).Closed() })
			require.Equal(t, closecode.Resumable, connByID(ts.srv, rec.ID).Record().CloseReceived)
		})
	}
}

func connByID(srv *gatewaytest.Server, id uint64) *gatewaytest.Conn {
	for _, c := range srv.Conns() {
		if c.ID() == id {
			return c
		}
	}
	return nil
}

// A closed shard hands back a session another shard resumes, without
// losing or repeating a dispatch.
func TestShardResumeFromSession(t *testing.T) {
	srv := startShardEmulator(t, gatewaytest.Config{Guilds: 4, Traffic: true, Rate: 200})
	first := runShard(t, srv, nil)
	first.waitEvents(t, 50)
	sess, err := first.Close(context.Background(), closecode.Resumable)
	require.NoError(t, err)
	require.True(t, sess.Resumable())
	_, _, _, last, _ := first.check.snapshot()
	require.Equal(t, last, sess.Seq, "the session's seq is the last delivered dispatch")

	var saved []gateway.Session
	// The second shard's checker continues the first one's session.
	second := runShardResuming(t, srv, sess, func(c *gatewayutil.Config) {
		c.OnSession = func(s gateway.Session) { saved = append(saved, s) }
	})
	second.waitEvents(t, 50)
	second.check.requireClean(t)
	_, _, resumes, _, _ := second.check.snapshot()
	require.Equal(t, 1, resumes)
	st := second.Status()
	require.Equal(t, int64(0), st.Identifies)
	require.Equal(t, int64(1), st.Resumes)
	require.Equal(t, sess.ID, st.SessionID)
	rec := second.liveConn(t).Record()
	require.True(t, rec.ResumeURL, "resumed through resume_gateway_url")
	require.Len(t, rec.Resumes, 1)
	require.Equal(t, gatewaytest.Resumed, rec.Resumes[0].Outcome)

	final, err := second.Close(context.Background(), closecode.Normal)
	require.NoError(t, err)
	require.False(t, final.Resumable(), "closing with 1000 ends the session")
	waitUntil(t, 5*time.Second, "the emulator to end the session", func() bool {
		for _, s := range srv.Sessions() {
			if s.ID() == sess.ID {
				return false
			}
		}
		return true
	})
	require.Equal(t, closecode.Normal, connByID(srv, rec.ID).Record().CloseReceived, "the emulator got close 1000")
	require.NotEmpty(t, saved)
	require.False(t, saved[len(saved)-1].Resumable(), "the store learns the session is gone")
}

var errStop = errors.New("test stop")

// Cancelling Run's context closes with a resumable code and returns the
// context's cause.
func TestShardRunContextCancel(t *testing.T) {
	srv := startShardEmulator(t, gatewaytest.Config{})
	sh, err := gatewayutil.NewShard(baseConfig(srv))
	require.NoError(t, err)
	ctx, cancel := context.WithCancelCause(context.Background())
	t.Cleanup(func() { cancel(nil) })
	errc := make(chan error, 1)
	go func() { errc <- sh.Run(ctx) }()
	waitUntil(t, 5*time.Second, "connected", func() bool { return sh.Status().State == gatewayutil.ShardConnected })
	require.ErrorIs(t, sh.Run(context.Background()), gatewayutil.ErrShardRunning)
	cancel(errStop)
	err = <-errc
	require.ErrorIs(t, err, errStop)
	require.True(t, sh.Session().Resumable())
	require.Equal(t, gatewayutil.ShardStopped, sh.Status().State)
	requireNoShardGoroutines(t)
	// It can run again, and resumes.
	ctx2, cancel2 := context.WithCancel(context.Background())
	t.Cleanup(cancel2) // a failed wait must not leave the shard running into the next tests
	go func() { errc <- sh.Run(ctx2) }()
	waitUntil(t, 5*time.Second, "resumed", func() bool { return sh.Status().Resumes == 1 })
	cancel2()
	require.ErrorIs(t, <-errc, context.Canceled)
	_, err = sh.Close(context.Background(), closecode.Normal)
	require.NoError(t, err)
	require.ErrorIs(t, sh.Run(context.Background()), gatewayutil.ErrShardClosed)
	requireNoShardGoroutines(t)
}

func TestShardConfigErrors(t *testing.T) {
	cases := []struct {
		name string
		cfg  gatewayutil.Config
	}{
		{"no token", gatewayutil.Config{URL: "ws://127.0.0.1:1"}},
		{"shard out of range", gatewayutil.Config{Token: gateway.NewToken("t"), ShardID: 2, ShardCount: 2}},
		{"bad encoding", gatewayutil.Config{Token: gateway.NewToken("t"), Encoding: "xml"}},
		{"payload with etf", gatewayutil.Config{Token: gateway.NewToken("t"), Encoding: "etf", Compression: gatewayutil.CompressPayload}},
		{"plain ws to a remote host", gatewayutil.Config{Token: gateway.NewToken("t"), URL: "ws://gateway.discord.gg"}},
		{"bad compression", gatewayutil.Config{Token: gateway.NewToken("t"), Compression: 42}},
	}
	for _, tc := range cases {
		_, err := gatewayutil.NewShard(tc.cfg)
		require.ErrorIs(t, err, gateway.ErrConfig, tc.name)
	}
	sh, err := gatewayutil.NewShard(gatewayutil.Config{Token: gateway.NewToken(testToken)})
	require.NoError(t, err)
	require.NotContains(t, fmt.Sprintf("%v %+v %s", sh, gatewayutil.Config{Token: gateway.NewToken(testToken)}, sh.Status()), testToken)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, sh.Send(ctx, 3, []byte(`{}`)), context.DeadlineExceeded, "Send waits for a connection")
	_, err = sh.Close(context.Background(), closecode.Normal)
	require.NoError(t, err)
	require.ErrorIs(t, sh.Send(context.Background(), 3, []byte(`{}`)), gatewayutil.ErrShardClosed)
	require.True(t, strings.HasPrefix(sh.String(), "gatewayutil.Shard{"))
}
