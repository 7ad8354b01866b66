package gatewayutil_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// trafficConfig is an emulator sending a steady stream of events.
var trafficConfig = gatewaytest.Config{Guilds: 4, Traffic: true, Rate: 400, PayloadCompressMin: 200}

// faultRun runs a shard in every mode, injects a fault into its live
// connection once events flow, waits for recovered(status before, status
// now) to hold, and then checks that events keep flowing with nothing lost
// or repeated.
func faultRun(t *testing.T, inject func(t *testing.T, ts *testShard, c *gatewaytest.Conn), recovered func(before, now gatewayutil.Status) bool) {
	faultRunWith(t, trafficConfig, inject, recovered)
}

func faultRunWith(t *testing.T, cfg gatewaytest.Config, inject func(t *testing.T, ts *testShard, c *gatewaytest.Conn), recovered func(before, now gatewayutil.Status) bool) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			srv := startShardEmulator(t, cfg)
			ts := runShard(t, srv, func(c *gatewayutil.Config) {
				c.Encoding, c.Compression = m.encoding, m.comp
			})
			ts.waitEvents(t, 40)
			before := ts.Status()
			c := ts.liveConn(t)
			inject(t, ts, c)
			waitUntil(t, 10*time.Second, "recovery", func() bool { return recovered(before, ts.Status()) })
			ev, _, _, _, _ := ts.check.snapshot()
			ts.waitEvents(t, ev+40)
			ts.check.requireClean(t)
			require.Empty(t, c.Record().Violations, "the emulator saw no protocol violation")
		})
	}
}

func resumedOnce(before, now gatewayutil.Status) bool {
	return now.Resumes == before.Resumes+1 && now.State == gatewayutil.ShardConnected
}

func reidentified(before, now gatewayutil.Status) bool {
	return now.Identifies == before.Identifies+1 && now.State == gatewayutil.ShardConnected && now.SessionID != before.SessionID
}

func TestShardFaultReconnect(t *testing.T) {
	faultRun(t, func(t *testing.T, ts *testShard, c *gatewaytest.Conn) {
		require.NoError(t, c.InjectReconnect())
		waitUntil(t, 5*time.Second, "the old connection to close", c.Closed)
		require.Equal(t, closecode.Resumable, c.Record().CloseReceived, "the shard closed with a resumable code, not 1000")
	}, resumedOnce)
}

func TestShardFaultInvalidSessionResumable(t *testing.T) {
	faultRun(t, func(t *testing.T, ts *testShard, c *gatewaytest.Conn) {
		require.NoError(t, c.InjectInvalidSession(true))
	}, func(before, now gatewayutil.Status) bool {
		var inv *gatewayutil.InvalidSessionError
		return resumedOnce(before, now) && now.InvalidSessions == before.InvalidSessions+1 &&
			errors.As(now.LastError, &inv) && inv.Resumable
	})
}

func TestShardFaultInvalidSession(t *testing.T) {
	faultRun(t, func(t *testing.T, ts *testShard, c *gatewaytest.Conn) {
		require.NoError(t, c.InjectInvalidSession(false))
	}, func(before, now gatewayutil.Status) bool {
		var inv *gatewayutil.InvalidSessionError
		return reidentified(before, now) && now.Resumes == before.Resumes && now.InvalidSessions == before.InvalidSessions+1 &&
			errors.As(now.LastError, &inv) && !inv.Resumable
	})
}

func TestShardFaultDropTCP(t *testing.T) {
	faultRun(t, func(t *testing.T, ts *testShard, c *gatewaytest.Conn) {
		require.NoError(t, c.DropTCP())
	}, resumedOnce)
}

func TestShardFaultSplitFramesAndMessages(t *testing.T) {
	faultRun(t, func(t *testing.T, ts *testShard, c *gatewaytest.Conn) {
		require.NoError(t, c.SplitNextFrames(20))
		require.NoError(t, c.SplitNextMessages(20))
		waitUntil(t, 5*time.Second, "the split messages to go out", func() bool {
			return c.Record().Dispatches > 0 && ts.Status().Messages > 60
		})
	}, func(before, now gatewayutil.Status) bool {
		return now.Messages >= before.Messages+40 && now.Connections == before.Connections
	})
}

func TestShardFaultReorderedKeys(t *testing.T) {
	faultRun(t, func(t *testing.T, ts *testShard, c *gatewaytest.Conn) {
		require.NoError(t, c.ReorderNextKeys(30))
	}, func(before, now gatewayutil.Status) bool {
		return now.Dispatches >= before.Dispatches+30 && now.Connections == before.Connections
	})
}

func TestShardFaultHugePayload(t *testing.T) {
	// The emulator's single writer takes a while to encode and compress
	// 2 MiB (longer under the race detector), and the heartbeat ACK waits
	// behind it: give it 2 s heartbeats so the shard does not rightly call
	// the connection a zombie.
	cfg := trafficConfig
	cfg.TimeScale = 0.05
	faultRunWith(t, cfg, func(t *testing.T, ts *testShard, c *gatewaytest.Conn) {
		require.NoError(t, c.InjectHugePayload(gatewaytest.HugePayloadSize))
		// Generous: under the race detector on a loaded machine, encoding
		// and compressing 2 MiB as ETF has taken more than 5 s.
		waitUntil(t, 30*time.Second, "the huge payload", func() bool { return ts.check.count(event.GuildMembersChunk) == 1 })
		ts.check.mu.Lock()
		size := ts.check.sizes[event.GuildMembersChunk]
		ts.check.mu.Unlock()
		require.Greater(t, size, 1<<20, "a message over 1 MiB arrived whole")
	}, func(before, now gatewayutil.Status) bool {
		return now.Connections == before.Connections && now.BytesDecoded > before.BytesDecoded+(1<<20)
	})
}

func TestShardFaultHeartbeatRequest(t *testing.T) {
	faultRun(t, func(t *testing.T, ts *testShard, c *gatewaytest.Conn) {
		before := c.Record().HeartbeatCount
		require.NoError(t, c.RequestHeartbeat())
		// Answered at once, well before the next scheduled beat.
		waitUntil(t, 300*time.Millisecond, "the requested heartbeat", func() bool { return c.Record().HeartbeatCount > before })
	}, func(before, now gatewayutil.Status) bool {
		return now.HeartbeatsSent > before.HeartbeatsSent && now.Connections == before.Connections
	})
}

// Close codes by class: resume, re-identify, fatal.
func TestShardFaultCloseCodes(t *testing.T) {
	resume := []closecode.Code{closecode.UnknownError, closecode.UnknownOpcode, closecode.DecodeError, closecode.AlreadyAuthenticated, closecode.RateLimited, closecode.GoingAway, 1000, 4999}
	reidentify := []closecode.Code{closecode.NotAuthenticated, closecode.InvalidSeq, closecode.SessionTimedOut}
	for _, code := range resume {
		t.Run(fmt.Sprintf("%d resumes", code), func(t *testing.T) {
			srv := startShardEmulator(t, trafficConfig)
			ts := runShard(t, srv, nil)
			ts.waitEvents(t, 30)
			before := ts.Status()
			require.NoError(t, ts.liveConn(t).InjectClose(code))
			waitUntil(t, 10*time.Second, "resume", func() bool { return resumedOnce(before, ts.Status()) })
			ev, _, _, _, _ := ts.check.snapshot()
			ts.waitEvents(t, ev+30)
			ts.check.requireClean(t)
			var ce *gateway.CloseError
			require.ErrorAs(t, ts.Status().LastError, &ce)
			require.Equal(t, code, ce.Code)
		})
	}
	for _, code := range reidentify {
		t.Run(fmt.Sprintf("%d re-identifies", code), func(t *testing.T) {
			srv := startShardEmulator(t, trafficConfig)
			ts := runShard(t, srv, nil)
			ts.waitEvents(t, 30)
			before := ts.Status()
			require.NoError(t, ts.liveConn(t).InjectClose(code))
			waitUntil(t, 10*time.Second, "a new session", func() bool { return reidentified(before, ts.Status()) })
			ev, _, _, _, _ := ts.check.snapshot()
			ts.waitEvents(t, ev+30)
			ts.check.requireClean(t)
			require.Equal(t, before.Resumes, ts.Status().Resumes, "no resume was attempted")
		})
	}
	for _, code := range []closecode.Code{4004, 4010, 4011, 4012, 4013, 4014} {
		t.Run(fmt.Sprintf("%d is fatal", code), func(t *testing.T) {
			srv := startShardEmulator(t, trafficConfig)
			ts := runShard(t, srv, nil)
			ts.waitEvents(t, 10)
			require.NoError(t, ts.liveConn(t).InjectClose(code))
			var err error
			select {
			case err = <-ts.errc:
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not stop on a fatal close code")
			}
			var ce *gateway.CloseError
			require.ErrorAs(t, err, &ce)
			require.Equal(t, code, ce.Code)
			require.True(t, ce.Fatal())
			require.ErrorIs(t, err, gateway.CodeError(code))
			require.Equal(t, gatewayutil.ShardStopped, ts.Status().State)
			require.Len(t, srv.Conns(), 1, "a fatal code is never retried")
			require.NotContains(t, err.Error(), testToken)
		})
	}
}

// A real fatal close from the emulator: a wrong token gets 4004.
func TestShardWrongToken(t *testing.T) {
	srv := startShardEmulator(t, gatewaytest.Config{})
	ts := runShard(t, srv, func(c *gatewayutil.Config) { c.Token = gateway.NewToken("wrong-token") })
	err := <-ts.errc
	require.ErrorIs(t, err, gateway.CodeError(closecode.AuthenticationFailed))
}

// Withheld ACKs on a quiet connection: nothing at all arrives after a
// heartbeat, the shard calls it a zombie, closes with a resumable code and
// resumes.
func TestShardFaultZombie(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			srv := startShardEmulator(t, gatewaytest.Config{Guilds: 2})
			ts := runShard(t, srv, func(c *gatewayutil.Config) {
				c.Encoding, c.Compression = m.encoding, m.comp
			})
			ts.waitConnected(t)
			ts.waitEvents(t, 3) // READY and two GUILD_CREATEs
			before := ts.Status()
			c := ts.liveConn(t)
			require.NoError(t, c.WithholdACKs(true))
			waitUntil(t, 10*time.Second, "zombie detection and resume", func() bool {
				now := ts.Status()
				return now.Zombies == before.Zombies+1 && resumedOnce(before, now)
			})
			require.True(t, c.Closed())
			require.Equal(t, closecode.Resumable, c.Record().CloseReceived, "the zombie was closed with 4000")
			require.ErrorIs(t, ts.Status().LastError, gatewayutil.ErrZombie)
			ts.check.requireClean(t)
		})
	}
}

// The resume URL from READY is used for resumes; when it fails, the shard
// falls back to the original URL.
func TestShardResumeURLFallback(t *testing.T) {
	srv := startShardEmulator(t, trafficConfig)
	ts := runShard(t, srv, nil)
	ts.waitEvents(t, 30)
	sess := ts.Session()
	require.Equal(t, srv.ResumeURL(), sess.ResumeURL)
	// A session whose resume URL points at a closed port.
	bad := sess
	bad.ResumeURL = "ws://127.0.0.1:1/"
	_, err := ts.Close(context.Background(), closecode.Resumable)
	require.NoError(t, err)
	ts2 := runShardResuming(t, srv, bad, nil)
	waitUntil(t, 10*time.Second, "resume on the original URL", func() bool { return ts2.Status().Resumes == 1 })
	ts2.waitEvents(t, 30)
	ts2.check.requireClean(t)
	require.Contains(t, ts2.Status().LastError.Error(), "127.0.0.1:1", "the resume URL was tried first")
	rec := ts2.liveConn(t).Record()
	require.False(t, rec.ResumeURL, "the fallback used the original URL")
	require.Len(t, rec.Resumes, 1)
}

// A resume URL the policy refuses is not followed at all.
func TestShardResumeURLPolicy(t *testing.T) {
	srv := startShardEmulator(t, trafficConfig)
	ts := runShard(t, srv, func(c *gatewayutil.Config) { c.ResumeURLPolicy = gatewayutil.DiscordResumeURLs })
	ts.waitEvents(t, 30)
	before := ts.Status()
	require.NoError(t, ts.liveConn(t).DropTCP())
	waitUntil(t, 10*time.Second, "resume", func() bool { return resumedOnce(before, ts.Status()) })
	rec := ts.liveConn(t).Record()
	require.False(t, rec.ResumeURL, "the loopback resume URL is not a Discord host")
	require.Contains(t, ts.logs.String(), "resume_gateway_url")
	ts.check.requireClean(t)
}
