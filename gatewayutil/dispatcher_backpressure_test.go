package gatewayutil_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// A slow inline handler stops its shard from reading, and the socket
// pushes back all the way to the sender: over a real TCP connection on
// loopback, a writer sending far more than the kernel's buffers can hold
// is left blocked in Write while the handler runs, and completes once it
// returns. The reader loop is a shard's in miniature: read a message into
// a reused buffer, call Dispatch, read the next.
func TestInlineBackpressureReachesSocket(t *testing.T) {
	noLeak(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()

	const (
		msgSize = 1024
		total   = 64 << 20 // far beyond loopback socket buffers (a few MiB)
		count   = total / msgSize
		stallAt = 100
	)
	var (
		written atomic.Int64 // bytes the writer got through Write
		inWrite atomic.Bool  // the writer is inside a Write call
	)
	writeErr := make(chan error, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			writeErr <- err
			return
		}
		defer conn.Close()
		chunk := make([]byte, 0, 64*msgSize)
		for i := 1; i <= count; i++ {
			// One message of exactly msgSize bytes, newline included.
			start := len(chunk)
			chunk = fmt.Appendf(chunk, `{"id":"%d","channel_id":"2","guild_id":"3","content":"`, i)
			chunk = append(chunk, bytes.Repeat([]byte{'x'}, msgSize-(len(chunk)-start)-3)...)
			chunk = append(chunk, "\"}\n"...)
			if len(chunk) == cap(chunk) || i == count {
				inWrite.Store(true)
				_, err := conn.Write(chunk)
				inWrite.Store(false)
				if err != nil {
					writeErr <- err
					return
				}
				written.Add(int64(len(chunk)))
				chunk = chunk[:0]
			}
		}
		writeErr <- nil
	}()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	d := gatewayutil.NewDispatcher()
	gate := make(chan struct{})
	stalled := make(chan struct{})
	var handled atomic.Int64
	var outOfOrder atomic.Int64
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) {
		if e.Seq != handled.Load()+1 {
			outOfOrder.Add(1)
		}
		handled.Store(e.Seq)
		if e.Seq == stallAt {
			close(stalled)
			<-gate // a slow handler
		}
	})

	var dispatched atomic.Int64
	readErr := make(chan error, 1)
	go func() {
		r := bufio.NewReaderSize(conn, 64<<10)
		e := &gatewayutil.Event{Type: event.MessageCreate}
		for seq := int64(1); seq <= count; seq++ {
			line, err := r.ReadSlice('\n') // the reader's buffer, reused
			if err != nil {
				readErr <- err
				return
			}
			e.Seq, e.Data = seq, line[:len(line)-1]
			dispatched.Store(seq)
			if err := d.Dispatch(context.Background(), e); err != nil {
				readErr <- err
				return
			}
		}
		readErr <- nil
	}()

	<-stalled
	// Wait until the writer makes no more progress: its data fills the
	// receive buffer, then the send buffer, then Write blocks.
	last, still := int64(-1), 0
	deadline := time.Now().Add(20 * time.Second)
	for still < 50 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
		if w := written.Load(); w == last {
			still++
		} else {
			last, still = w, 0
		}
	}
	w := written.Load()
	if w >= total {
		t.Fatalf("the writer sent all %d bytes while the handler was stalled: no backpressure", total)
	}
	if !inWrite.Load() {
		t.Errorf("the writer is not blocked in Write (%d of %d bytes written)", w, total)
	}
	if n := dispatched.Load(); n != stallAt {
		t.Errorf("the reader went on to message %d while handler of %d was running", n, stallAt)
	}
	t.Logf("stalled handler: writer blocked after %d KiB of %d KiB (socket buffers and the reader's 64 KiB)", w>>10, total>>10)

	close(gate)
	if err := <-readErr; err != nil {
		t.Fatalf("reader: %v", err)
	}
	if err := <-writeErr; err != nil {
		t.Fatalf("writer: %v", err)
	}
	if handled.Load() != count || outOfOrder.Load() != 0 {
		t.Errorf("handled up to %d of %d, %d out of order", handled.Load(), count, outOfOrder.Load())
	}
	closeOK(t, d)
}
