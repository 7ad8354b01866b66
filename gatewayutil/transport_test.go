package gatewayutil

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway"
)

// frameServer is a minimal WebSocket server on 127.0.0.1 that hands each
// upgraded connection to the test, which then writes raw frames to it.
type frameServer struct {
	ln    net.Listener
	conns chan net.Conn
}

func startFrameServer(t *testing.T) *frameServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	fs := &frameServer{ln: ln, conns: make(chan net.Conn, 4)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if _, err := ws.Upgrade(c); err != nil {
				_ = c.Close()
				continue
			}
			fs.conns <- c
		}
	}()
	t.Cleanup(func() { _ = ln.Close() })
	return fs
}

func (fs *frameServer) url() string { return "ws://" + fs.ln.Addr().String() + "/" }

// dial connects a client wsConn and returns it with the server's side.
func (fs *frameServer) dial(t *testing.T) (*wsConn, net.Conn, *atomic.Int64) {
	t.Helper()
	var wire atomic.Int64
	d := dialer{handshakeTimeout: 5 * time.Second, writeTimeout: 5 * time.Second}
	c, err := d.dial(context.Background(), fs.url(), false, &wire)
	require.NoError(t, err)
	var srv net.Conn
	select {
	case srv = <-fs.conns:
	case <-time.After(5 * time.Second):
		t.Fatal("server did not get the connection")
	}
	t.Cleanup(func() {
		_ = srv.Close()
		c.close()
	})
	return c, srv, &wire
}

func writeFrame(t *testing.T, w io.Writer, op ws.OpCode, fin bool, p []byte) {
	t.Helper()
	require.NoError(t, ws.WriteFrame(w, ws.NewFrame(op, fin, p)))
}

func readOne(t *testing.T, c *wsConn, limit int) ([]byte, bool, error) {
	t.Helper()
	var msg *buffer
	view, bin, err := c.readMessage(&msg, limit)
	if msg == nil {
		if len(view) == 0 {
			return nil, bin, err
		}
		return bytes.Clone(view), bin, err
	}
	defer putBuffer(msg)
	return bytes.Clone(msg.B), bin, err
}

func TestTransportTextAndBinary(t *testing.T) {
	fs := startFrameServer(t)
	c, srv, wire := fs.dial(t)
	writeFrame(t, srv, ws.OpText, true, []byte(`{"op":11}`))
	writeFrame(t, srv, ws.OpBinary, true, []byte{1, 2, 3})
	got, bin, err := readOne(t, c, 1<<20)
	require.NoError(t, err)
	require.False(t, bin)
	require.Equal(t, `{"op":11}`, string(got))
	got, bin, err = readOne(t, c, 1<<20)
	require.NoError(t, err)
	require.True(t, bin)
	require.Equal(t, []byte{1, 2, 3}, got)
	require.Equal(t, int64(2+9+2+3), wire.Load(), "wire bytes count headers and payloads")
}

// Continuation frames are joined, and control frames may come between
// them: a ping is answered with a pong carrying its payload.
func TestTransportContinuationAndPing(t *testing.T) {
	fs := startFrameServer(t)
	c, srv, _ := fs.dial(t)
	pongs := 0
	c.onPong = func() { pongs++ }
	writeFrame(t, srv, ws.OpText, false, []byte(`{"op":0,`))
	writeFrame(t, srv, ws.OpPing, true, []byte("are you there"))
	writeFrame(t, srv, ws.OpContinuation, false, []byte(`"s":1,`))
	writeFrame(t, srv, ws.OpPong, true, nil)
	writeFrame(t, srv, ws.OpContinuation, false, nil)
	writeFrame(t, srv, ws.OpContinuation, true, []byte(`"t":"X","d":{}}`))
	got, bin, err := readOne(t, c, 1<<20)
	require.NoError(t, err)
	require.False(t, bin)
	require.Equal(t, `{"op":0,"s":1,"t":"X","d":{}}`, string(got))
	require.Equal(t, 1, pongs)

	_ = srv.SetReadDeadline(time.Now().Add(5 * time.Second))
	h, err := ws.ReadHeader(srv)
	require.NoError(t, err)
	require.Equal(t, ws.OpPong, h.OpCode)
	require.True(t, h.Masked, "client frames are masked")
	p := make([]byte, h.Length)
	_, err = io.ReadFull(srv, p)
	require.NoError(t, err)
	ws.Cipher(p, h.Mask, 0)
	require.Equal(t, "are you there", string(p))
}

// Messages over 64 KiB and over 1 MiB, in one frame or many.
func TestTransportLargeMessages(t *testing.T) {
	fs := startFrameServer(t)
	c, srv, _ := fs.dial(t)
	for _, n := range []int{70 << 10, (1 << 20) + 7, 3 << 20} {
		want := make([]byte, n)
		for i := range want {
			want[i] = byte(i * 7)
		}
		go func() {
			// One frame, then the same message in 100 KiB frames.
			_ = ws.WriteFrame(srv, ws.NewBinaryFrame(want))
			for off := 0; off < n; off += 100 << 10 {
				end := min(off+100<<10, n)
				op := ws.OpContinuation
				if off == 0 {
					op = ws.OpBinary
				}
				_ = ws.WriteFrame(srv, ws.NewFrame(op, end == n, want[off:end]))
			}
		}()
		for range 2 {
			got, _, err := readOne(t, c, 4<<20)
			require.NoError(t, err)
			require.Equal(t, len(want), len(got))
			require.True(t, bytes.Equal(want, got), "%d byte message intact", n)
		}
	}
}

func TestTransportMessageTooLarge(t *testing.T) {
	fs := startFrameServer(t)
	c, srv, wire := fs.dial(t)
	// A declared length over the limit is refused before the payload is
	// read (or anything allocated for it).
	go func() { _ = ws.WriteFrame(srv, ws.NewBinaryFrame(make([]byte, 600<<10))) }()
	_, _, err := readOne(t, c, 512<<10)
	require.ErrorIs(t, err, gateway.ErrMessageTooLarge)
	require.Less(t, wire.Load(), int64(512<<10), "the payload was not read")

	// The frames of one message count together.
	c2, srv2, _ := fs.dial(t)
	go func() {
		_ = ws.WriteFrame(srv2, ws.NewFrame(ws.OpBinary, false, make([]byte, 300<<10)))
		_ = ws.WriteFrame(srv2, ws.NewFrame(ws.OpContinuation, true, make([]byte, 300<<10)))
	}()
	_, _, err = readOne(t, c2, 512<<10)
	require.ErrorIs(t, err, gateway.ErrMessageTooLarge)
}

func TestTransportCloseFrame(t *testing.T) {
	fs := startFrameServer(t)
	c, srv, _ := fs.dial(t)
	writeFrame(t, srv, ws.OpClose, true, ws.NewCloseFrameBody(4004, "Authentication failed."))
	_, _, err := readOne(t, c, 1<<20)
	var cf *closeFrameError
	require.ErrorAs(t, err, &cf)
	require.Equal(t, 4004, cf.code)
	require.Equal(t, "Authentication failed.", cf.reason)
	require.False(t, cf.echo)

	// The client answered with a close frame of the same code.
	_ = srv.SetReadDeadline(time.Now().Add(5 * time.Second))
	msgs, err := wsutil.ReadClientMessage(srv, nil)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	require.Equal(t, ws.OpClose, msgs[0].OpCode)
	require.Equal(t, uint16(4004), binary.BigEndian.Uint16(msgs[0].Payload))
	// Nothing can be written after it.
	require.ErrorIs(t, c.writeFrame(ws.OpText, []byte("x")), errCloseSent)
}

func TestTransportEchoOfOurClose(t *testing.T) {
	fs := startFrameServer(t)
	c, srv, _ := fs.dial(t)
	require.NoError(t, c.sendClose(4000, "bye"))
	_ = srv.SetReadDeadline(time.Now().Add(5 * time.Second))
	msgs, err := wsutil.ReadClientMessage(srv, nil)
	require.NoError(t, err)
	require.Equal(t, ws.OpClose, msgs[0].OpCode)
	code, reason := ws.ParseCloseFrameData(msgs[0].Payload)
	require.Equal(t, ws.StatusCode(4000), code)
	require.Equal(t, "bye", reason)
	writeFrame(t, srv, ws.OpClose, true, msgs[0].Payload)
	_, _, err = readOne(t, c, 1<<20)
	var cf *closeFrameError
	require.ErrorAs(t, err, &cf)
	require.True(t, cf.echo, "the server answered our close")
}

func TestTransportProtocolErrors(t *testing.T) {
	cases := []struct {
		name  string
		frame []byte
	}{
		{
			name:  "masked server frame",
			frame: ws.MustCompileFrame(ws.MaskFrame(ws.NewTextFrame([]byte("hi")))),
		},
		{
			name:  "continuation without a message",
			frame: ws.MustCompileFrame(ws.NewFrame(ws.OpContinuation, true, []byte("hi"))),
		},
		{
			name:  "reserved bits",
			frame: []byte{0x80 | 0x40 | byte(ws.OpText), 2, 'h', 'i'},
		},
		{
			name:  "fragmented ping",
			frame: []byte{byte(ws.OpPing), 0},
		},
		{
			name:  "reserved op code",
			frame: []byte{0x80 | 0x3, 0},
		},
	}
	fs := startFrameServer(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, srv, _ := fs.dial(t)
			_, err := srv.Write(tc.frame)
			require.NoError(t, err)
			_, _, err = readOne(t, c, 1<<20)
			require.ErrorIs(t, err, ErrProtocol)
		})
	}
}

// Each Write of the protocol Client becomes one masked data frame.
func TestTransportPayloadWriter(t *testing.T) {
	fs := startFrameServer(t)
	c, srv, _ := fs.dial(t)
	payload := []byte(`{"op":1,"d":42}`)
	n, err := c.pw.Write(payload)
	require.NoError(t, err)
	require.Equal(t, len(payload), n)
	require.Equal(t, `{"op":1,"d":42}`, string(payload), "the caller's bytes are not masked in place")
	_ = srv.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, op, err := wsutil.ReadClientData(srv)
	require.NoError(t, err)
	require.Equal(t, ws.OpText, op)
	require.Equal(t, payload, got)
}

// Bytes the server sent together with the handshake response are read
// first.
func TestConnReaderPreload(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	var wire atomic.Int64
	c := newWSConn(a, false, time.Second, &wire)
	frame := ws.MustCompileFrame(ws.NewTextFrame(bytes.Repeat([]byte("x"), 1000)))
	c.rd.preload(frame[:5])
	go func() { _, _ = b.Write(frame[5:]) }()
	got, _, err := readOne(t, c, 1<<20)
	require.NoError(t, err)
	require.Equal(t, bytes.Repeat([]byte("x"), 1000), got)
}

// Writing a frame (a heartbeat, every interval of every shard's life)
// allocates nothing; the server reads back exactly what was sent.
func TestTransportWriteDoesNotAllocate(t *testing.T) {
	fs := startFrameServer(t)
	c, srv, _ := fs.dial(t)
	beat := []byte(`{"op":1,"d":251}`)
	received := make(chan []byte, 1)
	go func() {
		var last []byte
		for {
			p, err := wsutil.ReadClientText(srv)
			if err != nil {
				received <- last
				return
			}
			last = p
		}
	}()
	allocs := testing.AllocsPerRun(100, func() {
		if err := c.writeFrame(ws.OpText, beat); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs, "writing a frame should not allocate")
	_ = c.sendClose(1000, "")
	require.Equal(t, string(beat), string(<-received))
}
