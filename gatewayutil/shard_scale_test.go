package gatewayutil_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
)

var (
	scale10k         = flag.Bool("scale10k", false, "run TestScale10k: 10,000 shards against an emulator in a child process")
	scale10kShards   = flag.Int("scale10k.shards", 10000, "shards for TestScale10k")
	scale10kDuration = flag.Duration("scale10k.duration", time.Minute, "how long TestScale10k measures once every shard is READY")
	scale10kCompress = flag.String("scale10k.compress", "zlib-stream", "compression for TestScale10k: none, zlib-stream or zstd-stream")
	scale10kTime     = flag.Float64("scale10k.timescale", 0.25, "emulator time scale for TestScale10k (0.25: 10.3 s heartbeats)")
	scale10kRate     = flag.Int("scale10k.rate", 500, "shards started per second in TestScale10k")
	scale10kAllocs   = flag.String("scale10k.allocprofile", "", "write allocation profiles at the start (file.start) and end (file.end) of TestScale10k's measurement; compare with go tool pprof -diff_base file.start file.end")
)

// TestScale10k runs 10,000 shards in this process against the emulator in
// a child process (this test binary again, TestEmulatorHelper), time-scaled
// so heartbeats come every 10.3 s (1,000 a second in all), and measures for
// a minute once all are
// READY: how late each scheduled heartbeat went out against its schedule
// (p50, p99, max, over every beat of every shard), and the memory the
// shards hold. It fails if a shard reconnects, a heartbeat goes missing or
// the targets are missed (p99 lateness under 50 ms, under 1 GiB).
//
//	go test ./gatewayutil/ -run TestScale10k -scale10k -v -timeout 30m
//
// Each process needs a file descriptor per connection: the test raises its
// soft limit to the hard one and fails early if that is too low. 10,000
// connections to one port of 127.0.0.1 use 10,000 of the ephemeral ports
// (see /proc/sys/net/ipv4/ip_local_port_range).
func TestScale10k(t *testing.T) {
	if !*scale10k {
		t.Skip("SCALE TEST SKIPPED: it runs 10,000 shards for a minute or more. Run: go test ./gatewayutil/ -run TestScale10k -scale10k -v -timeout 30m")
	}
	n := *scale10kShards
	comp, err := gatewayutil.ParseCompression(*scale10kCompress)
	if err != nil {
		t.Fatal(err)
	}
	raiseFileLimit(t, n+1000)
	scale := *scale10kTime
	interval := time.Duration(float64(41250*time.Millisecond) * scale)
	gw, emuPID := startEmulatorProcess(t, n, scale, 1)

	var ready, guilds atomic.Int64
	sink := gatewayutil.EventSinkFunc(func(_ context.Context, e *gatewayutil.Event) error {
		switch e.Type {
		case "READY":
			ready.Add(1)
		case "GUILD_CREATE":
			guilds.Add(1)
		}
		return nil
	})
	var late gatewayutil.Histogram
	before := readMem()
	start := time.Now()
	shards := make([]*gatewayutil.Shard, n)
	errc := make(chan error, n)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range shards {
		sh, err := gatewayutil.NewShard(gatewayutil.Config{
			Token:             gateway.NewToken("scale-token"),
			Intents:           intents.Guilds,
			ShardID:           i,
			ShardCount:        n,
			URL:               gw,
			Compression:       comp,
			Sink:              sink,
			HeartbeatLateness: &late,
			HandshakeTimeout:  time.Minute,
			// The emulator's 5 s identify window and 60 s command
			// window, time-scaled.
			CommandWindow: time.Duration(float64(time.Minute) * scale),
		})
		if err != nil {
			t.Fatal(err)
		}
		shards[i] = sh
		go func() { errc <- sh.Run(ctx) }()
		// Start them at a steady pace: the emulator identifies each, and
		// the listen backlog (somaxconn) must not overflow.
		if per := max(*scale10kRate/10, 1); i%per == per-1 {
			time.Sleep(100 * time.Millisecond)
		}
	}
	deadline := time.Now().Add(5 * time.Minute)
	lastLog := time.Now()
	for ready.Load() < int64(n) || guilds.Load() < int64(n) {
		if time.Now().After(deadline) {
			logShardStates(t, shards)
			t.Fatalf("after %v: %d of %d READY, %d GUILD_CREATE", time.Since(start), ready.Load(), n, guilds.Load())
		}
		if time.Since(lastLog) > 15*time.Second {
			lastLog = time.Now()
			t.Logf("after %v: %d READY", time.Since(start).Round(time.Second), ready.Load())
			logShardStates(t, shards)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%d shards READY in %v", n, time.Since(start).Round(time.Millisecond))

	// Two intervals to let the first (jittered) beats pass and every
	// shard go idle (its first ACK a whole interval after its last
	// dispatch detaches its inflater), then measure the steady state.
	time.Sleep(2 * interval)
	late.Reset()
	beats0 := totalBeats(shards)
	ru0, emu0 := processCPU(), childCPU(emuPID)
	writeAllocProfile(t, *scale10kAllocs, "start")
	var ms0 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	measureStart := time.Now()
	var peak memSnapshot
	for time.Since(measureStart) < *scale10kDuration {
		time.Sleep(5 * time.Second)
		var m memSnapshot
		runtime.ReadMemStats(&m.MemStats)
		if m.HeapAlloc+m.StackInuse > peak.HeapAlloc+peak.StackInuse {
			peak = m
		}
	}
	elapsed := time.Since(measureStart)
	cpu, emuCPU := processCPU()-ru0, childCPU(emuPID)-emu0
	beats := totalBeats(shards) - beats0
	var ms1 runtime.MemStats
	runtime.ReadMemStats(&ms1)
	writeAllocProfile(t, *scale10kAllocs, "end")
	after := readMem()
	rss := processRSS()

	var reconnects, zombies, connected int64
	for _, sh := range shards {
		st := sh.Status()
		reconnects += st.Reconnects
		zombies += st.Zombies
		if st.State == gatewayutil.ShardConnected {
			connected++
		}
	}
	p50, p99, p999, worst := late.Quantile(0.5), late.Quantile(0.99), late.Quantile(0.999), late.Max()
	heapStack := after.HeapAlloc + after.StackInuse - before.HeapAlloc - before.StackInuse
	t.Logf("scale: %d shards, %s, heartbeat every %v, measured %v", n, comp, interval, elapsed.Round(time.Millisecond))
	t.Logf("heartbeats: %d sent (%.0f/s), lateness p50 %v, p99 %v, p99.9 %v, max %v",
		beats, float64(beats)/elapsed.Seconds(), p50, p99, p999, worst)
	t.Logf("memory: heap+stacks %.1f MiB after GC (%.1f KiB/shard; heap %.1f MiB, stacks %.1f MiB), peak before GC %.1f MiB, RSS %.1f MiB, Go Sys %.1f MiB",
		mib(heapStack), float64(heapStack)/1024/float64(n), mib(after.HeapAlloc-before.HeapAlloc), mib(after.StackInuse-before.StackInuse),
		mib(peak.HeapAlloc+peak.StackInuse), mib(rss), mib(after.Sys))
	t.Logf("allocation while heartbeating: %.0f B/s, %.1f allocs and %.0f B per heartbeat, %d GCs",
		float64(ms1.TotalAlloc-ms0.TotalAlloc)/elapsed.Seconds(), float64(ms1.Mallocs-ms0.Mallocs)/float64(max(beats, 1)),
		float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(max(beats, 1)), ms1.NumGC-ms0.NumGC)
	t.Logf("cpu: shards %.1f%% of one core, emulator %.1f%%; goroutines %d; connected %d, reconnects %d, zombies %d",
		100*cpu.Seconds()/elapsed.Seconds(), 100*emuCPU.Seconds()/elapsed.Seconds(), after.goroutines, connected, reconnects, zombies)

	if connected != int64(n) || reconnects != 0 || zombies != 0 {
		t.Errorf("%d of %d shards connected, %d reconnects, %d zombies: every shard should have stayed up", connected, n, reconnects, zombies)
	}
	if want := int64(float64(n) * (elapsed.Seconds()/interval.Seconds() - 1)); beats < want {
		t.Errorf("%d heartbeats sent, want at least %d", beats, want)
	}
	if p99 >= 50*time.Millisecond {
		t.Errorf("p99 heartbeat lateness %v, target under 50ms", p99)
	}
	if rss >= 1<<30 || heapStack >= 1<<30 {
		t.Errorf("memory: RSS %.1f MiB, heap+stacks %.1f MiB; target under 1 GiB", mib(rss), mib(heapStack))
	}

	cancel()
	for range shards {
		<-errc
	}
	for _, sh := range shards {
		_, _ = sh.Close(context.Background(), closecode.Normal)
	}
}

// logShardStates logs how many shards are in each state, their
// reconnections, and the most common reasons the last connections ended.
func logShardStates(t *testing.T, shards []*gatewayutil.Shard) {
	states := map[gatewayutil.ShardState]int{}
	errs := map[string]int{}
	var reconnects int64
	for _, sh := range shards {
		st := sh.Status()
		states[st.State]++
		reconnects += st.Reconnects
		if st.LastError != nil {
			msg := st.LastError.Error()
			if len(msg) > 90 {
				msg = msg[:90]
			}
			errs[msg]++
		}
	}
	t.Logf("states %v, reconnects %d, last errors %v", states, reconnects, errs)
}

// writeAllocProfile writes the allocation profile so far to file.suffix,
// if file is set.
func writeAllocProfile(t *testing.T, file, suffix string) {
	if file == "" {
		return
	}
	runtime.GC() // the profile is as of the last collection: make it now
	out, err := os.Create(file + "." + suffix)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := pprof.Lookup("allocs").WriteTo(out, 0); err != nil {
		t.Fatal(err)
	}
}

func totalBeats(shards []*gatewayutil.Shard) int64 {
	var n int64
	for _, sh := range shards {
		n += sh.Status().HeartbeatsSent
	}
	return n
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// raiseFileLimit raises the soft limit on open files to the hard one, and
// fails if that leaves fewer than need.
func raiseFileLimit(t *testing.T, need int) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
	if rl.Cur < rl.Max {
		rl.Cur = rl.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
			t.Fatal(err)
		}
	}
	if rl.Cur < uint64(need) {
		t.Fatalf("open file limit %d, need %d: raise it (ulimit -n) for this test and its emulator process", rl.Cur, need)
	}
}

// childCPU returns the user and system CPU time process pid used so far,
// from /proc/pid/stat (clock ticks of 10 ms).
func childCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: count fields
	// after it. utime and stime are fields 14 and 15.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	var ut, st int64
	_, _ = fmt.Sscan(f[11], &ut)
	_, _ = fmt.Sscan(f[12], &st)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// processRSS returns the resident set size of this process.
func processRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			var kb uint64
			if _, err := fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kb); err == nil {
				return kb << 10
			}
		}
	}
	return 0
}
