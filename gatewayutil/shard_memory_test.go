package gatewayutil_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
)

// idleServerEnv makes the test binary act as the idle gateway of
// BenchmarkShardIdleMemory, in its own process so that its memory does not
// count.
const idleServerEnv = "GATEWAYUTIL_IDLE_GATEWAY"

// TestIdleGatewayHelper is not a test: run by BenchmarkShardIdleMemory in a
// child process, it serves HELLO and READY to every connection, then keeps
// it open and quiet, until its stdin closes.
func TestIdleGatewayHelper(t *testing.T) {
	if os.Getenv(idleServerEnv) == "" {
		t.Skip("helper process for BenchmarkShardIdleMemory; runs only when it starts it")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(ln.Addr().String())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		_ = ln.Close()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go serveIdle(c)
	}
}

func serveIdle(c net.Conn) {
	defer c.Close()
	var comp string
	u := ws.Upgrader{OnRequest: func(uri []byte) error {
		if pu, err := url.ParseRequestURI(string(uri)); err == nil {
			comp = pu.Query().Get("compress")
		}
		return nil
	}}
	if _, err := u.Upgrade(c); err != nil {
		return
	}
	s := &benchServer{comp: gatewayutil.CompressNone}
	switch comp {
	case "zlib-stream":
		s.comp = gatewayutil.CompressZlibStream
	case "zstd-stream":
		s.comp = gatewayutil.CompressZstdStream
	}
	enc := s.encoder(nil)
	_, _ = c.Write(enc([]byte(`{"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250}}`), true))
	if _, _, err := wsutil.ReadClientData(c); err != nil {
		return
	}
	_, _ = c.Write(enc([]byte(`{"t":"READY","s":1,"op":0,"d":{"v":10,"session_id":"idle","resume_gateway_url":"ws://127.0.0.1:1","user":{"id":"1"},"guilds":[]}}`), false))
	for {
		if _, _, err := wsutil.ReadClientData(c); err != nil {
			return
		}
	}
}

// BenchmarkShardIdleMemory connects shards to an idle gateway in another
// process, waits until all are READY, and reports the heap plus goroutine
// stacks each one holds after a garbage collection, per compression. Set
// GATEWAYUTIL_IDLE_SHARDS to change the number of shards (default 500).
func BenchmarkShardIdleMemory(b *testing.B) {
	n := 500
	if v := os.Getenv("GATEWAYUTIL_IDLE_SHARDS"); v != "" {
		_, _ = fmt.Sscan(v, &n)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleGatewayHelper$")
	cmd.Env = append(os.Environ(), idleServerEnv+"=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	}()
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	gw := "ws://" + strings.TrimSpace(addr)

	for _, comp := range []gatewayutil.Compression{gatewayutil.CompressNone, gatewayutil.CompressZlibStream, gatewayutil.CompressZstdStream} {
		b.Run(comp.String(), func(b *testing.B) {
			for range b.N {
				perShard := idleShards(b, gw, comp, n)
				b.ReportMetric(perShard, "B/shard")
			}
		})
	}
}

func idleShards(b *testing.B, gw string, comp gatewayutil.Compression, n int) float64 {
	var ready atomic.Int64
	sink := gatewayutil.EventSinkFunc(func(context.Context, *gatewayutil.Event) error {
		ready.Add(1)
		return nil
	})
	before := memInUse()
	shards := make([]*gatewayutil.Shard, n)
	errc := make(chan error, n)
	for i := range shards {
		sh, err := gatewayutil.NewShard(gatewayutil.Config{
			Token:       gateway.Token("idle-token"),
			Intents:     intents.Guilds,
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
	deadline := time.Now().Add(time.Minute)
	for ready.Load() < int64(n) {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d shards READY", ready.Load(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	after := memInUse()
	if f := os.Getenv("GATEWAYUTIL_IDLE_HEAPPROFILE"); f != "" {
		if out, err := os.Create(f + "." + comp.String()); err == nil {
			_ = pprof.WriteHeapProfile(out)
			_ = out.Close()
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.Logf("heap %d stack %d goroutines %d", ms.HeapAlloc, ms.StackInuse, runtime.NumGoroutine())
	}
	for _, sh := range shards {
		_, _ = sh.Close(context.Background(), closecode.Normal)
	}
	for range shards {
		<-errc
	}
	runtime.KeepAlive(shards)
	return float64(after-before) / float64(n)
}

// memInUse is the live heap plus goroutine stacks, after three collections:
// sync.Pools empty their victim caches on the second, and each one halves
// the stacks of parked goroutines that use less than a quarter of theirs.
func memInUse() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc + ms.StackInuse
}
