package gatewayutil_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
)

// BenchmarkShardPath measures a shard's whole hot path against the physical
// floor of the same work, over the same kind of loopback WebSocket, in one
// benchmark run, for each compression:
//
//   - run=shard: a Shard reads a stream of MESSAGE_CREATE dispatches
//     (realistic ones from the emulator's traffic generator, 1.43 KB on
//     average) and hands every one to a Dispatcher with one inline
//     SubscribeAll handler that reads the raw data. Frames, decompression,
//     envelope, protocol Client, Dispatcher, handler.
//   - run=shard-timed: the same with HandlerTiming(true): what reading the
//     clock around each handler call costs.
//   - run=unsubscribed: the same, but the Dispatcher has subscriptions only
//     for other event types: the cost of an event nobody wants.
//   - run=typed: the same as run=shard, but the one handler is
//     On[discord.MessageCreate]: every dispatch is decoded into a new
//     discord.MessageCreate by its generated decoder before the handler
//     reads it, as a bot written against package discord receives it.
//   - run=floor: the same frames from the same server, read by a minimal
//     WebSocket reader that only inflates them (none: copies each payload
//     out of the socket buffer) and counts the bytes. No message
//     boundaries, no parsing, no dispatch.
//
// Each reports events/s, MB/s of decompressed gateway messages, and
// allocs/event measured over the timed events only (B/op and allocs/op
// from testing round down to integers). Compare the runs with
//
//	go test ./gatewayutil/ -run '^$' -bench BenchmarkShardPath -count 10 > path.txt
//	benchstat -col /run path.txt
//
// The stream is encoded once per compression, as a gateway would send it:
// zlib-stream through one deflate context with a sync flush after each
// message, zstd-stream through one zstd frame (256 KiB window, no checksum)
// flushed after each message. It cycles through pathCycle distinct
// dispatches (5.8 MB of JSON, far more than either window); see pathStream
// for how a cycle repeats without breaking the compression context.
func BenchmarkShardPath(b *testing.B) {
	for _, comp := range []gatewayutil.Compression{gatewayutil.CompressNone, gatewayutil.CompressZlibStream, gatewayutil.CompressZstdStream} {
		b.Run("comp="+comp.String(), func(b *testing.B) {
			b.Run("run=floor", func(b *testing.B) { benchFloor(b, comp) })
			b.Run("run=shard", func(b *testing.B) { benchPath(b, comp, pathSubscribed) })
			b.Run("run=shard-timed", func(b *testing.B) { benchPath(b, comp, pathTimed) })
			b.Run("run=unsubscribed", func(b *testing.B) { benchPath(b, comp, pathUnsubscribed) })
			b.Run("run=typed", func(b *testing.B) { benchPath(b, comp, pathTyped) })
		})
	}
}

// pathCycle is the number of distinct dispatches in a benchmark stream
// before it repeats.
const pathCycle = 4096

// pathWarmup is the number of dispatches read before the timer starts:
// pools, decoder tables and the socket are warm when measuring starts.
const pathWarmup = 2000

// pathStream is a pre-encoded gateway stream: HELLO, READY, then the
// dispatches of a cycle over and over, each message one WebSocket frame.
//
// A cycle can repeat without re-encoding because of what each compression
// carries from one message to the next. Deflate carries only the last
// 32 KiB of output (every block brings its own Huffman tables, and a sync
// flush ends on a byte boundary); so pass 1, the cycle deflated a second
// time by the same compressor right after pass 0, is valid after any pass,
// since every pass ends with the same 32 KiB of plain text. zstd carries
// more (repeat offsets, previous entropy tables), so for zstd-stream each
// pass is a zstd frame of its own (Discord's stream is one endless frame;
// this one starts a new frame every 4096 messages, which a streaming
// decoder handles as it comes). Plain text repeats trivially.
type pathStream struct {
	comp         gatewayutil.Compression
	hello, ready []byte      // frames
	passes       [2]pathPass // pass 0, then pass 1 for ever after
	plainHR      int64       // decompressed bytes of HELLO and READY
	plain        []int64     // decompressed bytes of the cycle's dispatch j
	avgPlain     float64
}

type pathPass struct {
	frames []byte
	ends   []int // ends[j]: end of dispatch j's frame in frames
}

func (p *pathPass) start(j int) int {
	if j == 0 {
		return 0
	}
	return p.ends[j-1]
}

var (
	pathStreamsMu sync.Mutex
	pathStreams   = map[gatewayutil.Compression]*pathStream{}
)

const (
	pathHello = `{"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250,"_trace":["[\"gateway-prd-bench\",{\"micros\":0.0}]"]}}`
	pathReady = `{"t":"READY","s":1,"op":0,"d":{"v":10,"session_id":"benchsession","resume_gateway_url":"ws://127.0.0.1:1","user":{"id":"1"},"guilds":[]}}`
)

// pathStreamFor returns the stream for comp, encoding it on first use.
func pathStreamFor(b *testing.B, comp gatewayutil.Compression) *pathStream {
	pathStreamsMu.Lock()
	defer pathStreamsMu.Unlock()
	if s := pathStreams[comp]; s != nil {
		return s
	}
	tr := gatewaytest.NewTraffic(gatewaytest.TrafficConfig{
		Seed: 1, Guilds: 100, HugeEvery: -1,
		Mix: map[string]int{event.MessageCreate: 1},
	})
	msgs := make([][]byte, pathCycle)
	s := &pathStream{comp: comp, plain: make([]int64, pathCycle), plainHR: int64(len(pathHello) + len(pathReady))}
	var total int64
	for j := range msgs {
		ev := tr.Next()
		msgs[j] = fmt.Appendf(nil, `{"t":%q,"s":%d,"op":0,"d":%s}`, ev.Type, j+2, ev.Data)
		s.plain[j] = int64(len(msgs[j]))
		total += s.plain[j]
	}
	s.avgPlain = float64(total) / pathCycle
	frame := func(op ws.OpCode, p []byte) []byte { return ws.MustCompileFrame(ws.NewFrame(op, true, p)) }
	pass := func(enc func(j int, msg []byte) []byte) pathPass {
		var p pathPass
		p.ends = make([]int, pathCycle)
		for j, m := range msgs {
			p.frames = append(p.frames, enc(j, m)...)
			p.ends[j] = len(p.frames)
		}
		return p
	}
	var out bytes.Buffer
	switch comp {
	case gatewayutil.CompressNone:
		s.hello, s.ready = frame(ws.OpText, []byte(pathHello)), frame(ws.OpText, []byte(pathReady))
		s.passes[0] = pass(func(_ int, m []byte) []byte { return frame(ws.OpText, m) })
		s.passes[1] = s.passes[0]
	case gatewayutil.CompressZlibStream:
		zw, err := zlib.NewWriterLevel(&out, zlib.DefaultCompression)
		if err != nil {
			b.Fatal(err)
		}
		enc := func(_ int, m []byte) []byte {
			out.Reset()
			_, _ = zw.Write(m)
			_ = zw.Flush()
			if !bytes.HasSuffix(out.Bytes(), []byte{0, 0, 0xff, 0xff}) {
				b.Fatal("zlib flush without the sync suffix")
			}
			return frame(ws.OpBinary, out.Bytes())
		}
		s.hello, s.ready = enc(0, []byte(pathHello)), enc(0, []byte(pathReady))
		s.passes[0] = pass(enc)
		s.passes[1] = pass(enc)
	case gatewayutil.CompressZstdStream:
		zw, err := zstd.NewWriter(&out, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(256<<10), zstd.WithEncoderCRC(false))
		if err != nil {
			b.Fatal(err)
		}
		// Each message is flushed; the last of a frame closes it, in
		// the same WebSocket message.
		enc := func(last bool, m []byte) []byte {
			out.Reset()
			_, _ = zw.Write(m)
			if last {
				_ = zw.Close()
			} else {
				_ = zw.Flush()
			}
			return frame(ws.OpBinary, out.Bytes())
		}
		s.hello, s.ready = enc(false, []byte(pathHello)), enc(true, []byte(pathReady))
		zw.Reset(&out)
		s.passes[0] = pass(func(j int, m []byte) []byte { return enc(j == pathCycle-1, m) })
		s.passes[1] = s.passes[0]
	}
	pathStreams[comp] = s
	return s
}

// plainThrough returns the decompressed bytes of HELLO, READY and the first
// n dispatches.
func (s *pathStream) plainThrough(n int) int64 {
	var cycle int64
	for _, p := range s.plain {
		cycle += p
	}
	t := s.plainHR + int64(n/pathCycle)*cycle
	for j := range n % pathCycle {
		t += s.plain[j]
	}
	return t
}

// pathServer serves one pathStream connection: HELLO, then after the
// client's first message (Identify) READY, then dispatches as asked on
// send. It writes pre-encoded bytes only, so it allocates nothing while a
// benchmark measures.
type pathServer struct {
	ln     net.Listener
	stream *pathStream
	send   chan int
	next   int // dispatches sent so far
}

func startPathServer(b *testing.B, s *pathStream) *pathServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &pathServer{ln: ln, stream: s, send: make(chan int)}
	go srv.serve()
	b.Cleanup(func() { _ = ln.Close() })
	return srv
}

func (p *pathServer) url() string { return "ws://" + p.ln.Addr().String() }

func (p *pathServer) serve() {
	c, err := p.ln.Accept()
	if err != nil {
		return
	}
	_ = p.ln.Close()
	defer c.Close()
	if _, err := ws.Upgrade(c); err != nil {
		return
	}
	if _, err := c.Write(p.stream.hello); err != nil {
		return
	}
	if _, _, err := wsutil.ReadClientData(c); err != nil { // Identify
		return
	}
	if _, err := c.Write(p.stream.ready); err != nil {
		return
	}
	go func() { // heartbeats and the close frame
		for {
			if _, _, err := wsutil.ReadClientData(c); err != nil {
				return
			}
		}
	}()
	for n := range p.send {
		if err := p.write(c, n); err != nil {
			return
		}
	}
}

// write sends the next n dispatches, in writes of up to 256 KiB.
func (p *pathServer) write(c net.Conn, n int) error {
	const chunk = 256 << 10
	for n > 0 {
		pass := &p.stream.passes[min(p.next/pathCycle, 1)]
		j := p.next % pathCycle
		from := pass.start(j)
		k := j
		for k < pathCycle && k-j < n && pass.ends[k]-from <= chunk {
			k++
		}
		if k == j {
			k = j + 1
		}
		if _, err := c.Write(pass.frames[from:pass.ends[k-1]]); err != nil {
			return err
		}
		n -= k - j
		p.next += k - j
	}
	return nil
}

// allocCounter measures allocations and CPU time over a stretch of a
// benchmark.
type allocCounter struct {
	mallocs, bytes uint64
	cpu            time.Duration
}

func (a *allocCounter) start() {
	// Start from a finished collection, so that one the setup's garbage
	// triggered does not run (and empty the pools) while measuring.
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	a.mallocs, a.bytes = ms.Mallocs, ms.TotalAlloc
	a.cpu = processCPU()
}

// report adds allocs/event, B/event and cpu-ns/event for n events since
// start. The CPU time is the whole process's (the in-process server's
// writes included, the same for every run): on a machine shared with
// other work it is steadier than the wall time.
func (a *allocCounter) report(b *testing.B, n int) {
	cpu := processCPU() - a.cpu
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.Mallocs-a.mallocs)/float64(n), "allocs/event")
	b.ReportMetric(float64(ms.TotalAlloc-a.bytes)/float64(n), "B/event")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(n), "cpu-ns/event")
}

// processCPU returns the user and system CPU time this process used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// pathSink is what benchPath dispatches to.
type pathSink int

const (
	pathSubscribed   pathSink = iota // one inline SubscribeAll handler
	pathTimed                        // the same, HandlerTiming(true)
	pathUnsubscribed                 // subscriptions to other event types only
	pathTyped                        // one inline On[discord.MessageCreate] handler
)

// benchPath runs a Shard with a Dispatcher sink over the stream.
func benchPath(b *testing.B, comp gatewayutil.Compression, mode pathSink) {
	subscribed := mode != pathUnsubscribed
	stream := pathStreamFor(b, comp)
	srv := startPathServer(b, stream)
	// count is only touched on the shard's goroutine (the handler's), and
	// read by the benchmark after done, which orders it.
	var count int64
	var target atomic.Int64
	target.Store(1) // READY
	done := make(chan struct{}, 1)
	arrived := func() {
		if count++; count == target.Load() {
			done <- struct{}{}
		}
	}
	d := gatewayutil.NewDispatcher(gatewayutil.HandlerTiming(mode == pathTimed))
	defer d.Close(context.Background())
	var sink gatewayutil.EventSink = d
	var seen, valid int
	switch mode {
	case pathTyped:
		// READY is not a MESSAGE_CREATE: count it without decoding.
		d.Subscribe(event.Ready, func(context.Context, *gatewayutil.Event) { arrived() })
		gatewayutil.On(d, event.MessageCreate, func(_ context.Context, _ *gatewayutil.Event, m *discord.MessageCreate) {
			seen += len(m.Content) + 1
			if m.ID != 0 && m.ChannelID != 0 && m.Author.ID != 0 {
				valid++
			}
			arrived()
		})
	case pathSubscribed, pathTimed:
		d.SubscribeAll(func(_ context.Context, e *gatewayutil.Event) {
			seen += len(e.Data)
			arrived()
		})
	default:
		d.Subscribe(event.GuildCreate, func(context.Context, *gatewayutil.Event) { b.Error("unexpected GUILD_CREATE") })
		d.Subscribe(event.TypingStart, func(context.Context, *gatewayutil.Event) { b.Error("unexpected TYPING_START") })
		sink = gatewayutil.EventSinkFunc(func(ctx context.Context, e *gatewayutil.Event) error {
			err := d.Dispatch(ctx, e)
			arrived()
			return err
		})
	}
	sh, err := gatewayutil.NewShard(gatewayutil.Config{
		Token:       gateway.NewToken("bench-token"),
		Intents:     intents.GuildMessages,
		URL:         srv.url(),
		Compression: comp,
		Sink:        sink,
	})
	if err != nil {
		b.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- sh.Run(context.Background()) }()
	wait := func(what string) {
		select {
		case <-done:
		case err := <-errc:
			b.Fatalf("shard stopped waiting for %s: %v", what, err)
		case <-time.After(time.Minute):
			b.Fatalf("timed out waiting for %s", what)
		}
	}
	wait("READY")
	target.Store(1 + pathWarmup)
	srv.send <- pathWarmup
	wait("the warm-up")

	var allocs allocCounter
	b.SetBytes(int64(stream.avgPlain))
	b.ReportAllocs()
	allocs.start()
	b.ResetTimer()
	start := time.Now()
	target.Store(1 + pathWarmup + int64(b.N))
	srv.send <- b.N
	wait("the events")
	elapsed := time.Since(start)
	b.StopTimer()
	allocs.report(b, b.N)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	close(srv.send)
	if _, err := sh.Close(context.Background(), closecode.Normal); err != nil {
		b.Fatal(err)
	}
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	st := sh.Status()
	if want := int64(1 + pathWarmup + b.N); st.Dispatches != want {
		b.Fatalf("shard delivered %d dispatches, want %d", st.Dispatches, want)
	}
	if subscribed && seen == 0 {
		b.Fatal("the handler saw no data")
	}
	if mode == pathTyped {
		if errs := d.Stats().Events[event.MessageCreate].DecodeErrors; errs > 0 || valid < pathWarmup+b.N {
			b.Fatalf("typed handler: %d decode errors; %d of %d messages had an ID, a channel and an author", errs, valid, pathWarmup+b.N)
		}
	}
}

// benchFloor reads the stream over a loopback WebSocket and only inflates
// it: the least work any client must do for these bytes.
func benchFloor(b *testing.B, comp gatewayutil.Compression) {
	stream := pathStreamFor(b, comp)
	srv := startPathServer(b, stream)
	conn, br, _, err := ws.Dial(context.Background(), srv.url())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	var src io.Reader = conn
	if br != nil {
		// HELLO may have come with the handshake response.
		pre, _ := br.Peek(br.Buffered())
		src = io.MultiReader(bytes.NewReader(bytes.Clone(pre)), conn)
		ws.PutReader(br)
	}
	if err := wsutil.WriteClientText(conn, []byte(`{"op":2}`)); err != nil {
		b.Fatal(err)
	}
	fr := &floorFrames{br: bufio.NewReaderSize(src, 64<<10)}
	var r io.Reader
	switch comp {
	case gatewayutil.CompressZlibStream:
		// Raw deflate after the two-byte zlib header: the stream never
		// ends, so its Adler-32 is never checked, and computing it would
		// be wasted work. klauspost's flate decodes fastest from a
		// *bufio.Reader.
		in := bufio.NewReaderSize(fr, 4<<10)
		if _, err := in.Discard(2); err != nil {
			b.Fatal(err)
		}
		r = flate.NewReader(in)
	case gatewayutil.CompressZstdStream:
		zr, err := zstd.NewReader(fr, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(8<<20))
		if err != nil {
			b.Fatal(err)
		}
		defer zr.Close()
		r = zr
	default:
		r = fr
	}
	buf := make([]byte, 64<<10)
	var got int64
	readUntil := func(want int64) {
		for got < want {
			n, err := r.Read(buf)
			got += int64(n)
			if err != nil {
				b.Fatalf("floor: %v after %d of %d bytes", err, got, want)
			}
		}
	}
	srv.send <- pathWarmup
	readUntil(stream.plainThrough(pathWarmup))

	var allocs allocCounter
	b.SetBytes(int64(stream.avgPlain))
	b.ReportAllocs()
	allocs.start()
	b.ResetTimer()
	start := time.Now()
	srv.send <- b.N
	readUntil(stream.plainThrough(pathWarmup + b.N))
	elapsed := time.Since(start)
	b.StopTimer()
	allocs.report(b, b.N)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	close(srv.send)
}

// floorFrames reads the payloads of the server's frames back to back, as
// one stream. For plain messages, Read hands out at most one payload per
// call, each copied out of the socket buffer: what any reader must do.
type floorFrames struct {
	br   *bufio.Reader
	left int64
	hdr  [ws.MaxHeaderSize]byte
}

func (f *floorFrames) Read(p []byte) (int, error) {
	for f.left == 0 {
		h, err := ws.ReadHeaderBuffer(f.br, f.hdr[:])
		if err != nil {
			return 0, err
		}
		if h.OpCode.IsControl() {
			if _, err := f.br.Discard(int(h.Length)); err != nil {
				return 0, err
			}
			continue
		}
		f.left = h.Length
	}
	if int64(len(p)) > f.left {
		p = p[:f.left]
	}
	n, err := io.ReadFull(f.br, p)
	f.left -= int64(n)
	return n, err
}
