package gatewaytest

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/gatewaykit/gateway/encoding"
	"github.com/gatewaykit/gateway/opcode"
)

var (
	scaleFlag     = flag.Bool("scale", false, "run TestScale1000Sessions (1,000 sessions held for -scale.duration)")
	scaleSessions = flag.Int("scale.sessions", 1000, "sessions for TestScale1000Sessions")
	scaleDuration = flag.Duration("scale.duration", time.Minute, "how long TestScale1000Sessions holds the sessions")
	scaleHeap     = flag.String("scale.heapprofile", "", "write a heap profile taken while TestScale1000Sessions holds all sessions")
)

// The scale test holds 1,000 sessions (one per shard of a 1,000-shard bot)
// for a minute, with heartbeats every 4.1 s (TimeScale 0.1) and one
// built-in dispatch per second per session, and reports the server's
// memory and CPU. The clients run in a child process (this test binary
// again, TestScaleClientHelper), so the figures are the server's alone.
//
//	go test ./gatewaytest -run TestScale1000Sessions -scale -v
func TestScale1000Sessions(t *testing.T) {
	if !*scaleFlag {
		t.Skip("SCALE TEST SKIPPED: it holds 1,000 sessions for a minute. Run: go test ./gatewaytest -run TestScale1000Sessions -scale -v")
	}
	n := *scaleSessions
	s := newTestServer(t, Config{
		Guilds: n, Shards: n, MaxConcurrency: n, TimeScale: 0.1,
		// A whole interval of grace: this measures holding sessions on a
		// shared machine, not the clients' punctuality (tested elsewhere).
		HeartbeatGrace: 41250 * time.Millisecond,
		Traffic:        true, Rate: 1, Seed: 1,
		// No huge guilds: the figures are per-session costs, not a few
		// 1.8 MiB GUILD_CREATEs held in replay buffers.
		World: TrafficConfig{HugeEvery: -1},
	})
	runtime.GC()
	var m0 runtime.MemStats
	runtime.ReadMemStats(&m0)
	ru0 := rusage(t)
	start := time.Now()

	cmd := exec.Command(os.Args[0], "-test.run=^TestScaleClientHelper$", "-test.v")
	cmd.Env = append(os.Environ(),
		"GATEWAYTEST_SCALE_URL="+s.URL(),
		"GATEWAYTEST_SCALE_N="+strconv.Itoa(n),
		"GATEWAYTEST_SCALE_DURATION="+scaleDuration.String(),
	)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var childLines []string
	var linesMu sync.Mutex
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			linesMu.Lock()
			childLines = append(childLines, sc.Text())
			linesMu.Unlock()
		}
	}()

	var peakHeap, peakSys uint64
	var peakG int
	var held time.Time
	var heldCPU time.Duration
	var heldMem, live runtime.MemStats
	var liveSessions int
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
wait:
	for {
		select {
		case err := <-done:
			if err != nil {
				linesMu.Lock()
				t.Errorf("client process: %v\n%s", err, strings.Join(childLines, "\n"))
				linesMu.Unlock()
			}
			break wait
		case <-tick.C:
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peakHeap, peakSys = max(peakHeap, m.HeapInuse), max(peakSys, m.Sys)
			peakG = max(peakG, runtime.NumGoroutine())
			st := s.Stats()
			if held.IsZero() && st.Sessions >= n {
				held = time.Now()
				heldCPU = cpuTime(rusage(t)) - cpuTime(ru0)
				runtime.ReadMemStats(&heldMem)
			}
			if !held.IsZero() && live.HeapAlloc == 0 && time.Since(start) > *scaleDuration-6*time.Second {
				// Live heap near the end, all sessions still held and
				// their GUILD_CREATEs past the replay retention: the
				// steady-state cost.
				runtime.GC()
				runtime.ReadMemStats(&live)
				liveSessions = s.Stats().Sessions
				if *scaleHeap != "" {
					if f, err := os.Create(*scaleHeap); err == nil {
						_ = pprof.WriteHeapProfile(f)
						f.Close()
					}
				}
			}
			t.Logf("%5.0fs sessions=%d open=%d heap_inuse=%.1f MiB sys=%.1f MiB goroutines=%d heartbeats=%d dispatches=%d violations=%d",
				time.Since(start).Seconds(), st.Sessions, st.OpenConnections, mib(m.HeapInuse), mib(m.Sys),
				runtime.NumGoroutine(), st.Heartbeats, st.Dispatches, st.Violations)
		}
	}
	wall := time.Since(start)
	cpu := cpuTime(rusage(t)) - cpuTime(ru0)
	st := s.Stats()
	linesMu.Lock()
	for _, l := range childLines {
		t.Log("client:", l)
	}
	linesMu.Unlock()
	if st.Violations != 0 {
		byReason := map[string]int{}
		shown := 0
		for _, c := range s.Conns() {
			r := c.Record()
			for _, v := range r.Violations {
				byReason[v.String()]++
				if shown < 3 {
					shown++
					var beats []string
					for _, h := range r.Heartbeats {
						beats = append(beats, h.Time.Sub(start).Round(time.Millisecond).String())
					}
					t.Logf("conn %d opened %v, violation at %v, heartbeats at %v", r.ID, r.Opened.Sub(start).Round(time.Millisecond), v.Time.Sub(start).Round(time.Millisecond), beats)
				}
			}
		}
		t.Errorf("violations: %v", byReason)
	}
	if held.IsZero() {
		t.Fatalf("never held %d sessions at once: %+v", n, st)
	}
	steadyWall := wall - held.Sub(start)
	steadyCPU := cpu - heldCPU
	t.Logf("RESULT sessions=%d duration=%v (all %d held for %v)", n, wall.Round(time.Second), n, steadyWall.Round(time.Second))
	t.Logf("RESULT heap_inuse: %.1f MiB before, %.1f MiB with all sessions up, peak %.1f MiB (%.1f KiB per session); sys peak %.1f MiB; goroutines peak %d",
		mib(m0.HeapInuse), mib(heldMem.HeapInuse), mib(peakHeap), float64(heldMem.HeapInuse-m0.HeapInuse)/1024/float64(n), mib(peakSys), peakG)
	if live.HeapAlloc != 0 {
		t.Logf("RESULT live heap after GC near the end, %d sessions held: %.1f MiB (%.1f KiB per session over the %.1f MiB baseline)",
			liveSessions, mib(live.HeapAlloc), float64(live.HeapAlloc-m0.HeapAlloc)/1024/float64(max(liveSessions, 1)), mib(m0.HeapAlloc))
	}
	t.Logf("RESULT cpu: %.1f s over %.0f s wall = %.1f%% of one core in all; %.1f%% while holding (heartbeats %d, dispatches %d, identifies %d)",
		cpu.Seconds(), wall.Seconds(), 100*cpu.Seconds()/wall.Seconds(), 100*steadyCPU.Seconds()/steadyWall.Seconds(),
		st.Heartbeats, st.Dispatches, st.Identifies)
	if st.Violations != 0 {
		t.Fatalf("%d violations; first connections: %v", st.Violations, s.Conns()[0].Record())
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

func rusage(t *testing.T) syscall.Rusage {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return ru
}

func cpuTime(ru syscall.Rusage) time.Duration {
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestScaleClientHelper is the client side of TestScale1000Sessions, run
// in a child process: N raw connections, each identifying as one shard,
// heartbeating on time and reading everything.
func TestScaleClientHelper(t *testing.T) {
	url := os.Getenv("GATEWAYTEST_SCALE_URL")
	if url == "" {
		t.Skip("helper process of TestScale1000Sessions, not a test of its own")
	}
	n, _ := strconv.Atoi(os.Getenv("GATEWAYTEST_SCALE_N"))
	dur, _ := time.ParseDuration(os.Getenv("GATEWAYTEST_SCALE_DURATION"))

	type client struct {
		conn     net.Conn
		wmu      sync.Mutex
		seq      atomic.Int64
		interval time.Duration
		next     time.Time
	}
	var (
		clients            = make([]atomic.Pointer[client], n)
		messages, failures atomic.Int64
		closes             sync.Map
		closing            atomic.Bool
		wg                 sync.WaitGroup
	)
	writeJSON := func(c *client, op opcode.Opcode, d string) error {
		b := appendCtrlJSON(nil, op, []byte(d))
		c.wmu.Lock()
		defer c.wmu.Unlock()
		_ = c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		return wsutil.WriteClientText(c.conn, b)
	}
	// One heartbeater for all connections, on each one's interval,
	// running from the start: connecting 1,000 clients takes longer than
	// the first heartbeat may wait.
	end := time.Now().Add(dur)
	tick := time.NewTicker(50 * time.Millisecond)
	var beats atomic.Int64
	hbDone := make(chan struct{})
	go func() {
		defer close(hbDone)
		for now := range tick.C {
			if now.After(end) {
				return
			}
			for i := range clients {
				c := clients[i].Load()
				if c != nil && now.After(c.next) {
					c.next = c.next.Add(c.interval)
					if writeJSON(c, opcode.Heartbeat, strconv.FormatInt(c.seq.Load(), 10)) != nil {
						failures.Add(1)
					}
					beats.Add(1)
				}
			}
		}
	}()
	sem := make(chan struct{}, 32)
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			conn, br, _, err := ws.Dialer{}.Dial(ctx, url+"?v=10&encoding=json")
			if err != nil {
				failures.Add(1)
				return
			}
			rd := bufio.NewReader(conn)
			if br != nil {
				rd = br
			}
			rw := bufferedConn{rd, conn}
			c := &client{conn: conn}
			hello, err := wsutil.ReadServerText(rw)
			var h struct {
				D struct {
					HeartbeatInterval int64 `json:"heartbeat_interval"`
				} `json:"d"`
			}
			if err != nil || json.Unmarshal(hello, &h) != nil {
				failures.Add(1)
				conn.Close()
				return
			}
			c.interval = time.Duration(h.D.HeartbeatInterval) * time.Millisecond
			c.next = time.Now().Add(time.Duration(float64(c.interval) * float64(i%100) / 100))
			if writeJSON(c, opcode.Identify, identifyJSON("tok", 1|1<<9, []int{i, n}, "")) != nil {
				failures.Add(1)
				conn.Close()
				return
			}
			clients[i].Store(c)
			wg.Add(1)
			go func() {
				defer wg.Done()
				codec := encoding.JSON()
				var env encoding.Envelope
				for {
					msg, _, err := wsutil.ReadServerData(rw)
					if err != nil {
						if ce, ok := err.(wsutil.ClosedError); ok && !closing.Load() {
							v, _ := closes.LoadOrStore(int(ce.Code), new(atomic.Int64))
							v.(*atomic.Int64).Add(1)
						}
						return
					}
					messages.Add(1)
					if codec.Decode(msg, &env) == nil && env.HasS {
						c.seq.Store(env.S)
					}
				}
			}()
		}(i)
	}
	for i := 0; i < cap(sem); i++ {
		sem <- struct{}{}
	}
	t.Logf("connected: %d failures", failures.Load())
	<-hbDone

	tick.Stop()
	closing.Store(true)
	for i := range clients {
		if c := clients[i].Load(); c != nil {
			c.wmu.Lock()
			_ = ws.WriteFrame(c.conn, ws.MaskFrame(ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusNormalClosure, ""))))
			c.wmu.Unlock()
			c.conn.Close()
		}
	}
	wg.Wait()
	var codes []string
	closes.Range(func(k, v any) bool {
		codes = append(codes, fmt.Sprintf("%v:%d", k, v.(*atomic.Int64).Load()))
		return true
	})
	fmt.Printf("clients=%d heartbeats=%d messages=%d failures=%d server_closes=%v\n", n, beats.Load(), messages.Load(), failures.Load(), codes)
	if failures.Load() > 0 || len(codes) > 0 {
		t.Fatalf("%d failures, server closed with %v", failures.Load(), codes)
	}
}

// bufferedConn reads through the handshake's buffered reader.
type bufferedConn struct {
	r *bufio.Reader
	net.Conn
}

func (b bufferedConn) Read(p []byte) (int, error) { return b.r.Read(p) }
