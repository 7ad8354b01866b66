// Package natsserver runs a NATS server with JetStream inside the process, on
// 127.0.0.1: the default of gatewayd on a machine without NATS, and the server
// every cluster test talks to. It can restart on the same port and store
// directory, so a test can restart NATS under running clients.
package natsserver

import (
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ErrNotReady is returned when the server does not accept connections in
// time.
var ErrNotReady = errors.New("natsserver: server not ready for connections")

// Options configures a Server.
type Options struct {
	// Port to listen on, on 127.0.0.1; 0 picks a free one.
	Port int
	// StoreDir is the JetStream store directory; required.
	StoreDir string
	// MaxMemory and MaxStore bound JetStream's memory and file storage.
	// Defaults 256 MiB and 1 GiB.
	MaxMemory, MaxStore int64
	// MaxPayload is the largest message the in-process server accepts;
	// 0 keeps NATS's default (1 MiB). A GUILD_CREATE of a large guild is
	// bigger than that.
	MaxPayload int32
	// ReadyTimeout bounds the wait for the server to accept connections.
	// Default 10 s.
	ReadyTimeout time.Duration
	// Binary, if set, runs that nats-server program as a child process
	// (nats-server -a 127.0.0.1 -p PORT -js -sd StoreDir) instead of the
	// in-process server: to test against the version a distribution
	// ships. Its memory and store limits are the program's defaults.
	Binary string
}

// Server is an in-process NATS server with JetStream.
type Server struct {
	mu   sync.Mutex
	opts Options
	port int
	srv  *server.Server
	proc *exec.Cmd // with Options.Binary
}

// Start starts a server and waits until it accepts connections.
func Start(opts Options) (*Server, error) {
	if opts.StoreDir == "" {
		return nil, errors.New("natsserver: StoreDir is required")
	}
	if opts.MaxMemory <= 0 {
		opts.MaxMemory = 256 << 20
	}
	if opts.MaxStore <= 0 {
		opts.MaxStore = 1 << 30
	}
	if opts.ReadyTimeout <= 0 {
		opts.ReadyTimeout = 10 * time.Second
	}
	s := &Server{opts: opts, port: opts.Port}
	if s.port == 0 {
		// Pick the port once, so a restart comes back on the same one and
		// clients reconnect to the URL they know.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("natsserver: pick a port: %w", err)
		}
		s.port = l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
	}
	if err := s.start(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) start() error {
	if s.opts.Binary != "" {
		return s.startBinary()
	}
	srv, err := server.NewServer(&server.Options{
		Host:               "127.0.0.1",
		Port:               s.port,
		JetStream:          true,
		StoreDir:           s.opts.StoreDir,
		JetStreamMaxMemory: s.opts.MaxMemory,
		JetStreamMaxStore:  s.opts.MaxStore,
		MaxPayload:         s.opts.MaxPayload,
		NoLog:              true,
		NoSigs:             true,
	})
	if err != nil {
		return fmt.Errorf("natsserver: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(s.opts.ReadyTimeout) {
		srv.Shutdown()
		return fmt.Errorf("%w (port %d)", ErrNotReady, s.port)
	}
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	return nil
}

// URL returns the client URL, nats://127.0.0.1:PORT. It stays the same
// across restarts.
func (s *Server) URL() string {
	return "nats://127.0.0.1:" + strconv.Itoa(s.port)
}

// Port returns the port the server listens on.
func (s *Server) Port() int { return s.port }

// startBinary runs the nats-server program and waits until it accepts
// connections.
func (s *Server) startBinary() error {
	cmd := exec.Command(s.opts.Binary, "-a", "127.0.0.1", "-p", strconv.Itoa(s.port), "-js", "-sd", s.opts.StoreDir)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("natsserver: %w", err)
	}
	deadline := time.Now().Add(s.opts.ReadyTimeout)
	for {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(s.port), time.Second)
		if err == nil {
			_ = c.Close()
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return fmt.Errorf("%w (port %d)", ErrNotReady, s.port)
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.mu.Lock()
	s.proc = cmd
	s.mu.Unlock()
	return nil
}

// Running reports whether the server is up (not shut down by Stop).
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.srv != nil || s.proc != nil
}

// Stop shuts the server down; its store stays on disk for Restart. Stopping
// a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, proc := s.srv, s.proc
	s.srv, s.proc = nil, nil
	s.mu.Unlock()
	if proc != nil {
		// SIGTERM: nats-server shuts down cleanly, flushing its store.
		_ = proc.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = proc.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = proc.Process.Kill()
			<-done
		}
	}
	if srv != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
	}
}

// Restart stops the server if it runs and starts it again on the same port
// and store, so clients reconnect and find their KV buckets again.
func (s *Server) Restart() error {
	s.Stop()
	var err error
	// The port may linger for a moment after shutdown.
	for range 50 {
		if err = s.start(); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

// StartAgain starts a stopped server on its port and store.
func (s *Server) StartAgain() error {
	if s.Running() {
		return nil
	}
	return s.Restart()
}

// Traffic is what the server received and sent since it (re)started.
type Traffic struct {
	InMsgs, OutMsgs, InBytes, OutBytes int64
}

// Traffic returns the server's message and byte counters; zero while it is
// stopped.
func (s *Server) Traffic() Traffic {
	s.mu.Lock()
	srv := s.srv // nil for a child process: not measured
	s.mu.Unlock()
	if srv == nil {
		return Traffic{}
	}
	v, err := srv.Varz(nil)
	if err != nil {
		return Traffic{}
	}
	return Traffic{InMsgs: v.InMsgs, OutMsgs: v.OutMsgs, InBytes: v.InBytes, OutBytes: v.OutBytes}
}

// Interest returns how many subscriptions of the global account match
// subject (a test waits until a subscriber is known to the server before
// publishing on core NATS); -1 when it cannot tell (a child process, or
// stopped).
func (s *Server) Interest(subject string) int {
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if srv == nil {
		return -1
	}
	return srv.GlobalAccount().Interest(subject)
}
