package gatewayutil_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
)

// emulatorEnv makes the test binary act as a gateway emulator for the
// memory benchmark and the scale test, in its own process so that its
// memory and CPU do not count: its value is "shards,timescale,guilds per
// shard".
const emulatorEnv = "GATEWAYUTIL_EMULATOR"

// TestEmulatorHelper is not a test: run by BenchmarkShardIdleMemory and
// TestScale10k in a child process, it serves a gatewaytest emulator for a
// bot of N shards (G guilds each, no huge ones, every shard in an identify
// bucket of its own, no built-in traffic) and prints its URL, until its
// stdin closes.
func TestEmulatorHelper(t *testing.T) {
	spec := os.Getenv(emulatorEnv)
	if spec == "" {
		t.Skip("helper process for BenchmarkShardIdleMemory and TestScale10k; runs only when they start it")
	}
	var n, guilds int
	var scale float64
	if _, err := fmt.Sscanf(spec, "%d,%g,%d", &n, &scale, &guilds); err != nil {
		t.Fatalf("%s=%q: %v", emulatorEnv, spec, err)
	}
	srv, err := gatewaytest.NewServer(gatewaytest.Config{
		Shards: n, MaxConcurrency: n, Guilds: n * guilds,
		SessionStartLimit: 1 << 30,
		TimeScale:         scale,
		World:             gatewaytest.TrafficConfig{HugeEvery: -1},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	fmt.Println(srv.URL())
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// startEmulatorProcess starts TestEmulatorHelper in a child process and
// returns its gateway URL and its process id.
func startEmulatorProcess(tb testing.TB, shards int, scale float64, guildsPerShard int) (string, int) {
	tb.Helper()
	args := []string{"-test.run=^TestEmulatorHelper$"}
	if extra := os.Getenv("GATEWAYUTIL_EMULATOR_ARGS"); extra != "" {
		// For instance -test.cpuprofile=emulator.cpu, to see what the
		// emulator spends its time on.
		args = append(args, strings.Fields(extra)...)
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d,%g,%d", emulatorEnv, shards, scale, guildsPerShard))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		tb.Fatalf("emulator process: %v", err)
	}
	return strings.TrimSpace(line), cmd.Process.Pid
}

// BenchmarkShardIdleMemory connects shards to the emulator running in
// another process, waits until every one is READY and has its guild, and
// reports what each one holds in this process after the garbage collector
// ran (heap plus goroutine stacks), per compression. Set
// GATEWAYUTIL_IDLE_SHARDS to change the number of shards (default 1000),
// and GATEWAYUTIL_IDLE_HEAPPROFILE=file to write a heap profile of every
// allocation (file.none, file.zlib-stream, file.zstd-stream).
//
//	go test ./gatewayutil/ -run '^$' -bench BenchmarkShardIdleMemory -benchtime 1x
func BenchmarkShardIdleMemory(b *testing.B) {
	n := 1000
	if v := os.Getenv("GATEWAYUTIL_IDLE_SHARDS"); v != "" {
		if _, err := fmt.Sscan(v, &n); err != nil || n < 1 {
			b.Fatalf("GATEWAYUTIL_IDLE_SHARDS=%q", v)
		}
	}
	profile := os.Getenv("GATEWAYUTIL_IDLE_HEAPPROFILE")
	if profile != "" {
		runtime.MemProfileRate = 1
	}
	gw, _ := startEmulatorProcess(b, n, idleTimeScale, idleGuilds)
	for _, comp := range []gatewayutil.Compression{gatewayutil.CompressNone, gatewayutil.CompressZlibStream, gatewayutil.CompressZstdStream} {
		b.Run(comp.String(), func(b *testing.B) {
			for range b.N {
				m := idleShards(b, gw, comp, n, profile)
				b.ReportMetric(m.total, "B/shard")
				b.ReportMetric(m.heap, "heap-B/shard")
				b.ReportMetric(m.stack, "stack-B/shard")
				b.ReportMetric(m.goroutines, "goroutines/shard")
			}
		})
	}
}

// idleTimeScale runs the memory benchmark's emulator 20 times faster than
// Discord: 2.06 s heartbeats, so that shards go idle (a heartbeat interval
// without a dispatch) within seconds.
const idleTimeScale = 0.05

// idleGuilds is the number of guilds per shard: enough GUILD_CREATE
// data that a zlib-stream shard's history fills the 32 KiB window.
const idleGuilds = 4

// idleMemory is what one idle shard holds.
type idleMemory struct{ total, heap, stack, goroutines float64 }

func idleShards(b *testing.B, gw string, comp gatewayutil.Compression, n int, profile string) idleMemory {
	var dispatches atomic.Int64
	sink := gatewayutil.EventSinkFunc(func(context.Context, *gatewayutil.Event) error {
		dispatches.Add(1)
		return nil
	})
	before := readMem()
	shards := make([]*gatewayutil.Shard, n)
	errc := make(chan error, n)
	for i := range shards {
		sh, err := gatewayutil.NewShard(gatewayutil.Config{
			Token:       gateway.NewToken("idle-token"),
			Intents:     intents.Guilds,
			ShardID:     i,
			ShardCount:  n,
			URL:         gw,
			Compression: comp,
			Sink:        sink,
		})
		if err != nil {
			b.Fatal(err)
		}
		shards[i] = sh
		go func() { errc <- sh.Run(context.Background()) }()
	}
	// READY and the GUILD_CREATEs, then the gateway goes quiet but for
	// heartbeat ACKs. After three heartbeat intervals every shard has had
	// an ACK more than an interval after its last dispatch: it is idle.
	deadline := time.Now().Add(2 * time.Minute)
	for want := int64((1 + idleGuilds) * n); dispatches.Load() < want; {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d dispatches (READY and the GUILD_CREATEs)", dispatches.Load(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(3 * time.Duration(float64(41250*time.Millisecond)*idleTimeScale))
	after := readMem()
	var decoded, full int64
	for _, sh := range shards {
		st := sh.Status()
		decoded += st.BytesDecoded
		if st.BytesDecoded >= 32<<10 {
			full++
		}
	}
	b.ReportMetric(float64(decoded)/float64(n), "decoded-B/shard")
	b.ReportMetric(float64(full)/float64(n), "full-window-share")
	if profile != "" {
		if out, err := os.Create(profile + "." + comp.String()); err == nil {
			_ = pprof.Lookup("heap").WriteTo(out, 0)
			_ = out.Close()
		}
	}
	for _, sh := range shards {
		_, _ = sh.Close(context.Background(), closecode.Normal)
	}
	for range shards {
		<-errc
	}
	runtime.KeepAlive(shards)
	per := func(a, b uint64) float64 { return (float64(a) - float64(b)) / float64(n) }
	return idleMemory{
		total:      per(after.HeapAlloc+after.StackInuse, before.HeapAlloc+before.StackInuse),
		heap:       per(after.HeapAlloc, before.HeapAlloc),
		stack:      per(after.StackInuse, before.StackInuse),
		goroutines: float64(after.goroutines-before.goroutines) / float64(n),
	}
}

type memSnapshot struct {
	runtime.MemStats
	goroutines int
}

// readMem returns the memory statistics after five collections: sync.Pools
// empty their victim caches on the second, and each one halves the stack
// of a parked goroutine that uses less than a quarter of it.
func readMem() memSnapshot {
	var m memSnapshot
	for range 5 {
		runtime.GC()
	}
	runtime.ReadMemStats(&m.MemStats)
	m.goroutines = runtime.NumGoroutine()
	return m
}
