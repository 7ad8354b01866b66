package gatewaytest

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/gatewaykit/gateway/intents"
)

// BenchmarkDispatch measures the server's hot path: Publish → intent check
// → replay ring → writer → envelope → compression → WebSocket frame → TCP,
// with a realistic MESSAGE_CREATE, to one raw client that reads the frames
// and discards them. Bytes are the event's d.
func BenchmarkDispatch(b *testing.B) {
	for _, tc := range []struct{ enc, comp string }{
		{"json", CompressNone},
		{"json", CompressZlib},
		{"json", CompressZstd},
		{"etf", CompressNone},
	} {
		b.Run(tc.enc+"/"+tc.comp, func(b *testing.B) {
			s := newTestServer(b, Config{Guilds: 1, AllowedPrivileged: intents.Privileged})
			c := dialGateway(b, s.URL(), dialOpts{encName: tc.enc, compress: tc.comp})
			// All intents: no MESSAGE_CONTENT stripping (which costs one
			// copy of the message per event, shared by all sessions).
			r := c.identify("tok", uint64(intents.All), nil)
			readEvents(c, "GUILD_CREATE", len(r.Guilds))
			g := s.Guilds()[0]
			var ev TrafficEvent
			for ev.Type != "MESSAGE_CREATE" {
				ev, _ = s.traffic.NextFor(g)
			}
			sess := s.Sessions()[0]

			var got atomic.Int64
			done := make(chan error, 1)
			go func() {
				// Read and discard frames, allocating nothing: the figures
				// are the server's.
				var hdr [ws.MaxHeaderSize]byte
				for {
					_ = c.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
					h, err := ws.ReadHeaderBuffer(c.br, hdr[:2:ws.MaxHeaderSize])
					if err == nil {
						_, err = c.br.Discard(int(h.Length))
					}
					if err != nil {
						done <- err
						return
					}
					if h.Fin {
						got.Add(1)
					}
				}
			}()
			start := got.Load()
			d := Dispatch(ev)
			b.SetBytes(int64(len(ev.Data)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s.Publish(d)
				if i%256 == 255 {
					for sess.backlog() > 1024 {
						runtime.Gosched()
					}
				}
			}
			for got.Load()-start < int64(b.N) {
				select {
				case err := <-done:
					b.Fatalf("client: %v", err)
				default:
					runtime.Gosched()
				}
			}
			b.StopTimer()
		})
	}
}
