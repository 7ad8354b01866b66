package gatewaytest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/internal/testenv"
	"github.com/gatewaykit/gateway/opcode"
)

// identifyOnce connects, identifies with token as shard [id, count] and
// waits for READY, then drops the TCP connection (the session stays,
// waiting for a resume). The identify is pipelined behind the upgrade
// request, as a hurried client may do.
func identifyOnce(addr, token string, id, count int) error {
	nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return err
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	var b bytes.Buffer
	b.WriteString("GET /?v=10&encoding=json HTTP/1.1\r\nHost: " + addr +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	b.Write(maskedFrame(ws.OpText, appendCtrlJSON(nil, opcode.Identify, []byte(identifyJSON(token, uint64(intents.Guilds), []int{id, count}, "")))))
	if _, err := nc.Write(b.Bytes()); err != nil {
		return err
	}
	br := bufio.NewReader(nc)
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return fmt.Errorf("upgrade: %w", err)
		}
		if string(line) == "\r\n" {
			break
		}
	}
	for {
		h, err := ws.ReadHeader(br)
		if err != nil {
			return fmt.Errorf("waiting for READY: %w", err)
		}
		p := make([]byte, h.Length)
		if _, err := io.ReadFull(br, p); err != nil {
			return err
		}
		if h.OpCode == ws.OpClose {
			code, reason := ws.ParseCloseFrameData(p)
			return fmt.Errorf("closed %d %s", code, reason)
		}
		if bytes.Contains(p, []byte(`"t":"READY"`)) {
			return nil
		}
	}
}

func TestManyTokensStateIsBounded(t *testing.T) {
	n := 50000
	if testing.Short() || testenv.RaceEnabled {
		// Still ten times StateLimit: a table that grows with the tokens
		// ends up far above the bound.
		n = 10000
		t.Logf("TestManyTokensStateIsBounded runs %d tokens, not 50,000, under -short or -race (GATEWAYTEST_TOKENS overrides)", n)
	}
	if v, err := strconv.Atoi(os.Getenv("GATEWAYTEST_TOKENS")); err == nil && v > 0 {
		n = v
	}
	const limit = 1000
	// A short identify window so that one bucket takes identifies quickly;
	// distinct tokens are distinct bots anyway. A long resume window:
	// every dropped session waits for a resume that never comes.
	s := newTestServer(t, Config{
		Guilds: 4, MaxConcurrency: 1,
		TimeScale: 0.001, ResumeWindow: 1000 * time.Hour, HeartbeatInterval: 1000 * time.Hour, StateLimit: limit,
	})
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	var next, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				// Each identify its own token, and its own shard count, so
				// that every table keyed by token or shard sees a new key.
				if err := identifyOnce(s.Addr().String(), "token-"+strconv.Itoa(i), 0, 1+i); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		t.Fatalf("%d of %d identifies failed, first: %v", f, n, firstErr.Load())
	}
	// Let the last connections end and the housekeeper run.
	waitFor(t, "the connections to end", func() bool { return s.Stats().OpenConnections == 0 })
	time.Sleep(300 * time.Millisecond)

	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	s.botsMu.Lock()
	bots := len(s.bots)
	s.botsMu.Unlock()
	s.mu.Lock()
	sessions, shardSeq := len(s.sessions), len(s.shardSeq)
	s.mu.Unlock()
	growth := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d tokens identified: heap grew by %.1f MiB (closed connections kept for Server.Conns: %d); tokens tracked %d, sessions %d, shard seeds %d",
		n, float64(growth)/(1<<20), len(s.Conns()), bots, sessions, shardSeq)
	for _, m := range []struct {
		name string
		size int
	}{{"tokens tracked", bots}, {"sessions", sessions}, {"shard seeds", shardSeq}} {
		if m.size > 2*limit {
			t.Errorf("%s: %d after %d distinct tokens and shards, want at most about StateLimit %d", m.name, m.size, n, limit)
		}
	}
	if growth > 64<<20 {
		t.Errorf("heap grew by %.1f MiB after %d distinct tokens, want < 64 MiB", float64(growth)/(1<<20), n)
	}
}

func TestTrafficStateForClientShardsIsBounded(t *testing.T) {
	// Clients choose [shard_id, num_shards]: the pump's per-shard streams
	// and the generator's shard tables must not keep one per pair ever
	// seen. The server is not started, so the pump is driven by hand.
	s, err := NewServer(Config{Traffic: true, StateLimit: 10, Guilds: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := s.pump
	for i := 0; i < 50; i++ {
		p.next([2]int{0, i + 1})
		p.carry[[2]int{0, i + 1}] = 0.5
	}
	p.snapshot() // no shard has a session now
	if len(p.forks) > 10 || len(p.carry) > 10 {
		t.Errorf("after 50 shards without sessions the pump keeps %d streams and %d carries, want at most StateLimit 10", len(p.forks), len(p.carry))
	}
	for i := 0; i < 3*maxShardTables; i++ {
		s.traffic.ShardGuilds(i, 1<<20)
	}
	s.traffic.w.mu.Lock()
	tables := len(s.traffic.w.shardT)
	s.traffic.w.mu.Unlock()
	if tables > maxShardTables {
		t.Errorf("%d shard tables kept after %d distinct shards, want at most %d", tables, 3*maxShardTables, maxShardTables)
	}
}
