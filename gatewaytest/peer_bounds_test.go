package gatewaytest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/opcode"
)

// Peers that stop taking part: a client that floods pings and never reads,
// one that reads too slowly for what it is sent, one that says nothing
// after the upgrade, and HTTP connections that never finish a request.
// Each must cost the emulator bounded memory and end.

// heapWatch samples the heap while a test runs and reports the largest
// growth over the baseline taken at start (after a GC).
type heapWatch struct {
	base uint64
	peak atomic.Uint64
	stop chan struct{}
	done chan struct{}
}

func watchHeap() *heapWatch {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	h := &heapWatch{base: ms.HeapAlloc, stop: make(chan struct{}), done: make(chan struct{})}
	h.peak.Store(ms.HeapAlloc)
	go func() {
		defer close(h.done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-t.C:
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > h.peak.Load() {
					h.peak.Store(ms.HeapAlloc)
				}
			}
		}
	}()
	return h
}

// growth stops the watch and returns the peak growth in bytes.
func (h *heapWatch) growth() uint64 {
	close(h.stop)
	<-h.done
	if p := h.peak.Load(); p > h.base {
		return p - h.base
	}
	return 0
}

// rawUpgrade opens a TCP connection to s and performs the WebSocket
// upgrade by hand. It returns the connection and the
// reader holding whatever followed the handshake response.
func rawUpgrade(t *testing.T, s *Server) (*net.TCPConn, *bufio.Reader) {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	nc, err := d.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	tc := nc.(*net.TCPConn)
	t.Cleanup(func() { tc.Close() })
	req := "GET /?v=10&encoding=json HTTP/1.1\r\nHost: " + s.Addr().String() +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := tc.Write([]byte(req)); err != nil {
		t.Fatalf("write upgrade: %v", err)
	}
	br := bufio.NewReaderSize(tc, 512)
	status, err := br.ReadString('\n')
	if err != nil || !strings.Contains(status, "101") {
		t.Fatalf("upgrade answered %q, %v", status, err)
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("upgrade headers: %v", err)
		}
		if line == "\r\n" {
			break
		}
	}
	_ = tc.SetDeadline(time.Time{})
	return tc, br
}

// maskedFrame returns one client frame (masked) with payload p.
func maskedFrame(op ws.OpCode, p []byte) []byte {
	f := ws.MaskFrameInPlace(ws.NewFrame(op, true, append([]byte(nil), p...)))
	b, err := ws.CompileFrame(f)
	if err != nil {
		panic(err)
	}
	return b
}

// serverConn returns the server's only connection.
func serverConn(t *testing.T, s *Server) *Conn {
	t.Helper()
	c := lastConn(t, s)
	if n := len(s.Conns()); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
	return c
}

// waitClosed reports whether c ends within d.
func waitClosed(c *Conn, d time.Duration) bool {
	select {
	case <-c.Done():
		return true
	case <-time.After(d):
		return false
	}
}

// waitDone waits for the server to end c.
func waitDone(t *testing.T, c *Conn, within time.Duration, what string) {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(within):
		t.Fatalf("the server did not close %s within %v", what, within)
	}
}

const maxPeerGrowth = 16 << 20

func TestPingFloodWithoutReadingIsBounded(t *testing.T) {
	// The flooder never heartbeats either: interval + grace (about 2 s
	// here) after HELLO it is closed with 4009, whatever its pings.
	s := newTestServer(t, Config{TimeScale: 0.04, PeerTimeout: 500 * time.Millisecond})
	tc, _ := rawUpgrade(t, s)
	c := serverConn(t, s)
	// A small send buffer on the server's side of the socket, so that the
	// pongs fill it soon; the client's receive buffer is left alone (a
	// tiny one makes Linux drop the ACKs of the client's own data once it
	// is full, and the flood stalls).
	if err := c.nc.(*net.TCPConn).SetWriteBuffer(4096); err != nil {
		t.Fatalf("shrink the server's send buffer: %v", err)
	}

	// 125-byte pings, 256 of them per write: the server owes a pong for
	// each, and the client never reads one.
	ping := maskedFrame(ws.OpPing, []byte(strings.Repeat("p", 125)))
	burst := []byte(strings.Repeat(string(ping), 256))
	const budget = 96 << 20 // bytes of pings at most
	h := watchHeap()
	sent := 0
	var werr error
	for sent < budget && !c.Closed() {
		_ = tc.SetWriteDeadline(time.Now().Add(5 * time.Second))
		var n int
		n, werr = tc.Write(burst)
		sent += n
		if werr != nil {
			break
		}
	}
	growth := h.growth()
	t.Logf("sent %.1f MiB of pings; emulator heap grew by at most %.1f MiB; last write error: %v", mib(uint64(sent)), mib(growth), werr)
	if growth > maxPeerGrowth {
		t.Errorf("heap grew by %.1f MiB for one client that never reads, want < %.0f MiB", mib(growth), mib(maxPeerGrowth))
	}
	if !waitClosed(c, 10*time.Second) {
		r := c.Record()
		t.Fatalf("the server did not close a connection that never reads its pongs within 10 s; bytes sent %d, close sent %d %q, violations %v", r.BytesSent, r.CloseSent, r.CloseSentReason, r.Violations)
	}
	r := c.Record()
	if r.CloseSent != closecode.SessionTimedOut {
		t.Errorf("connection ended with close %d %q, violations %v; want 4009", r.CloseSent, r.CloseSentReason, r.Violations)
	}
}

func TestSlowReaderIsClosedAndBounded(t *testing.T) {
	const replayBytes = 1 << 20
	s := newTestServer(t, Config{PeerTimeout: 500 * time.Millisecond, ReplayBytes: replayBytes, Guilds: 1})
	c := dialGateway(t, s.URL(), dialOpts{})
	c.identify("tok", uint64(intents.NonPrivileged), nil)
	sess := s.Sessions()[0]
	sc := lastConn(t, s)
	_ = c.conn.(*net.TCPConn).SetReadBuffer(4096)

	// The client reads one message every 50 ms while the test publishes
	// 1 KiB events as fast as it can: far more than the client takes.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			if _, err := c.read(); err != nil {
				return
			}
		}
	}()
	defer func() { close(stop); wg.Wait() }()

	h := watchHeap()
	guild := s.Guilds()[0]
	pad := strings.Repeat("x", 1000)
	published := 0
	for published < 40000 && !sc.Closed() {
		for i := 0; i < 100; i++ {
			// Each event its own bytes, as real events are.
			body := fmt.Appendf(nil, `{"guild_id":"%d","n":%d,"pad":%q}`, guild, published, pad)
			s.Publish(Dispatch{Type: "TYPING_START", GuildID: guild, Data: body})
			published++
		}
		time.Sleep(time.Millisecond)
	}
	growth := h.growth()
	t.Logf("published %d events of 1 KiB; emulator heap grew by at most %.1f MiB", published, mib(growth))
	if growth > maxPeerGrowth {
		t.Errorf("heap grew by %.1f MiB for one slow reader, want < %.0f MiB", mib(growth), mib(maxPeerGrowth))
	}
	waitDone(t, sc, 10*time.Second, "a client that reads far slower than it is sent")
	r := sc.Record()
	if r.CloseSent != closecode.SessionTimedOut {
		t.Errorf("slow reader closed with %d %q, want 4009", r.CloseSent, r.CloseSentReason)
	}
	sess.mu.Lock()
	held := sess.ring.bytes
	sess.mu.Unlock()
	if held > 2*replayBytes {
		t.Errorf("session still holds %d bytes of events, bound %d", held, replayBytes)
	}
}

func TestNonReadingClientIsClosed(t *testing.T) {
	// The client heartbeats on time (so no heartbeat deadline ends it) but
	// never reads; the server has 1 MiB for it, less than the replay
	// bounds, more than the socket holds. The writer's deadline ends it.
	s := newTestServer(t, Config{TimeScale: 0.02, PeerTimeout: 500 * time.Millisecond, Guilds: 1})
	c := dialGateway(t, s.URL(), dialOpts{})
	interval := c.hello()
	c.send(opcode.Identify, identifyJSON("tok", uint64(intents.NonPrivileged), nil, ""))
	sc := lastConn(t, s)
	waitFor(t, "the session", func() bool { return len(s.Sessions()) == 1 })
	if err := sc.nc.(*net.TCPConn).SetWriteBuffer(4096); err != nil {
		t.Fatalf("shrink the server's send buffer: %v", err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tk := time.NewTicker(interval / 3)
		defer tk.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
				c.send(opcode.Heartbeat, nil)
			}
		}
	}()
	guild := s.Guilds()[0]
	pad := strings.Repeat("y", 1000)
	for i := 0; i < 1024 && !sc.Closed(); i++ {
		s.Publish(Dispatch{Type: "TYPING_START", GuildID: guild, Data: fmt.Appendf(nil, `{"guild_id":"%d","n":%d,"pad":%q}`, guild, i, pad)})
	}
	waitDone(t, sc, 10*time.Second, "a client that heartbeats but never reads")
	r := sc.Record()
	if r.CloseSent != closecode.SessionTimedOut || !hasViolation(r, int(closecode.SessionTimedOut), "not reading") {
		t.Errorf("closed with %d %q, violations %v; want 4009 for not reading", r.CloseSent, r.CloseSentReason, r.Violations)
	}
}

func TestSilentPeerAfterUpgradeIsClosed(t *testing.T) {
	// HELLO, then nothing from the client: no heartbeat, no identify.
	s := newTestServer(t, Config{TimeScale: 0.005, PeerTimeout: 500 * time.Millisecond})
	tc, _ := rawUpgrade(t, s)
	_ = tc
	c := serverConn(t, s)
	waitDone(t, c, 10*time.Second, "a client that sends nothing after the upgrade")
	r := c.Record()
	if r.CloseSent != closecode.SessionTimedOut {
		t.Errorf("silent client closed with %d %q, want 4009", r.CloseSent, r.CloseSentReason)
	}
}

func TestHTTPPeersThatSayNothingAreClosed(t *testing.T) {
	s := newTestServer(t, Config{PeerTimeout: 300 * time.Millisecond})
	for _, tc := range []struct {
		name, send string
	}{
		{"no request", ""},
		{"half a request line", "GET /api/v10/gateway HT"},
		{"idle keep-alive after a request", "GET /api/v10/gateway HTTP/1.1\r\nHost: x\r\n\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nc, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			if tc.send != "" {
				if _, err := nc.Write([]byte(tc.send)); err != nil {
					t.Fatal(err)
				}
			}
			_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
			buf := make([]byte, 4096)
			for {
				_, err := nc.Read(buf)
				if err == nil {
					continue
				}
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					t.Fatalf("the server kept a silent HTTP connection open for 10 s (PeerTimeout %v)", s.Config().PeerTimeout)
				}
				return // closed by the server
			}
		})
	}
}
