// Package exampletest builds an example program and runs it as a user
// would, as a separate process, for the examples' tests.
package exampletest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Build compiles the package main in the test's directory and returns the
// path of the binary. A missing go command fails the test: the examples must
// build.
func Build(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "example")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// Program is a running example program. Its stdout is read line by line;
// its stderr (the logs) is kept and printed if the test fails.
type Program struct {
	t    testing.TB
	cmd  *exec.Cmd
	done chan struct{}
	err  error // the exit error, set before done closes

	mu      sync.Mutex
	lines   []string
	changed chan struct{}
	stderr  lockedBuffer
}

// Start runs bin with args, in dir (the test's directory if empty), with env
// added to the test's environment.
func Start(t testing.TB, bin, dir string, env []string, args ...string) *Program {
	t.Helper()
	p := &Program{t: t, done: make(chan struct{}), changed: make(chan struct{}, 1)}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = dir
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stderr = &p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go p.read(stdout)
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s stdout:\n%s\nstderr:\n%s", filepath.Base(bin), strings.Join(p.Lines(), "\n"), p.stderr.String())
		}
	})
	return p
}

func (p *Program) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		p.mu.Lock()
		p.lines = append(p.lines, sc.Text())
		p.mu.Unlock()
		select {
		case p.changed <- struct{}{}:
		default:
		}
	}
	p.err = p.cmd.Wait()
	close(p.done)
}

// Lines returns what the program printed so far, one line per element.
func (p *Program) Lines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

// WaitLine waits until the program printed a line containing substr and
// returns it.
func (p *Program) WaitLine(ctx context.Context, substr string) (string, error) {
	for {
		for _, l := range p.Lines() {
			if strings.Contains(l, substr) {
				return l, nil
			}
		}
		select {
		case <-p.changed:
		case <-p.done:
			for _, l := range p.Lines() {
				if strings.Contains(l, substr) {
					return l, nil
				}
			}
			return "", fmt.Errorf("program exited (%v) without printing %q", p.err, substr)
		case <-ctx.Done():
			return "", fmt.Errorf("no line with %q: %w", substr, ctx.Err())
		}
	}
}

// Signal sends sig to the program.
func (p *Program) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Wait waits for the program to exit, at most timeout, and returns its exit
// error (nil for status 0).
func (p *Program) Wait(timeout time.Duration) error {
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		return errors.New("program still running after " + timeout.String())
	}
}

// Stderr returns what the program logged so far.
func (p *Program) Stderr() string { return p.stderr.String() }

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(b)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
