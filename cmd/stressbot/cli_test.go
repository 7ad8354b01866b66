package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/internal/testenv"
)

// buildStressbot builds the program once per test binary, so tests can run
// it as a user does: as a process that gets signals and whose stdout is a
// pipe.
var buildStressbot = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "stressbot-test-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "stressbot")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", errors.New(string(out))
	}
	return bin, nil
})

func stressbotBinary(t *testing.T) string {
	t.Helper()
	bin, err := buildStressbot()
	if err != nil {
		t.Fatalf("go build: %v", err)
	}
	return bin
}

// decodeOnlyJSON requires stdout to be exactly one JSON object, as
// "stressbot -json | jq ." needs.
func decodeOnlyJSON(t *testing.T, stdout []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(stdout))
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("stdout is not a JSON object: %v\n%s", err, stdout)
	}
	var more any
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		t.Fatalf("stdout holds more than one JSON value (%v):\n%s", err, stdout)
	}
	return m
}

// Ctrl-C used to stop the embedded emulator first (it shared the run's
// context), so the summary said 0/N ready and the shards logged
// "connection refused". Now the shards close resumably first, the summary
// shows them all, and the exit status is 0. The run is the built program,
// with -json and without -quiet: its stdout must be the JSON object alone,
// the progress lines going to stderr.
//
// No chaos, and heartbeats 8 s apart (time scale 0.2), so that on a busy
// machine no shard is between connections when the signal arrives.
func TestInterruptClosesShardsFirst(t *testing.T) {
	bin := stressbotBinary(t)
	cmd := exec.Command(bin, "-shards", "4", "-duration", "2m", "-json", "-time-scale", "0.2", "-chaos", "0", "-log-level", "info")
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var stderr bytes.Buffer
	allReady := make(chan struct{})
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(errPipe)
		signalled := false
		for sc.Scan() {
			stderr.WriteString(sc.Text() + "\n")
			// A progress line: it comes every 5 s when stderr is not a
			// terminal.
			if !signalled && strings.Contains(sc.Text(), "shards 4/4 ready") {
				signalled = true
				close(allReady)
			}
		}
	}()
	select {
	case <-allReady:
	case <-copied:
		t.Fatalf("stressbot ended before its shards were ready:\n%s", stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("no progress line with 4/4 ready within 60 s")
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { <-copied; exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("after SIGINT: %v\nstderr:\n%s", err, stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("still running 60 s after SIGINT:\n%s", stderr.String())
	}
	m := decodeOnlyJSON(t, stdout.Bytes())
	if m["stop_reason"] != "interrupted" || m["shards"] != 4.0 || m["ready"] != 4.0 || m["closed_resumable"] != 4.0 {
		t.Errorf("summary after SIGINT: %v", m)
	}
	for _, bad := range []string{"connection refused", "restarting failed shard"} {
		if strings.Contains(stderr.String(), bad) {
			t.Errorf("stderr says %q: the emulator went away before the shards closed\n%s", bad, stderr.String())
		}
	}
}

// The README says the default 10-second run (the command a new user runs
// first) heartbeats, resumes and re-identifies: its default chaos must make
// that true.
//
// The run is 10 s of wall time; on a loaded machine the bot and the
// emulator get only part of it. A lag probe measures how far behind the
// process fell during the run; when that was more than a quarter of the
// run, and the run did not resume, the run is repeated (once) for as long
// as it takes to get 10 s of its own time, from the measured share, and
// the promise is checked on that run (loudly).
func TestDefaultRunResumesAndReidentifies(t *testing.T) {
	runDefault := func(args ...string) (map[string]any, string, time.Duration, time.Duration) {
		var stdout, stderr bytes.Buffer
		lag := testenv.StartLagProbe(5 * time.Millisecond)
		start := time.Now()
		code := run(context.Background(), append([]string{"-json", "-quiet"}, args...), &stdout, &stderr)
		took := time.Since(start)
		lag.Stop()
		behind := lag.TotalBetween(start, start.Add(took))
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr.String())
		}
		t.Logf("run %v took %v; %s, %v behind in total", args, took.Round(time.Millisecond), lag.Summary(), behind.Round(time.Millisecond))
		return decodeOnlyJSON(t, stdout.Bytes()), stderr.String(), took, behind
	}
	m, stderr, took, behind := runDefault()
	// Not every shard need be ready at the last instant: a fault may have
	// just closed one.
	if m["shards"] != 16.0 || m["ready"].(float64) < 1 || m["duration_sec"].(float64) < 9.9 {
		t.Errorf("default run: %v", m)
	}
	if m["resumes"].(float64) < 1 && behind > took/4 {
		d := min(time.Duration(float64(10*time.Second)*float64(took)/float64(max(took-behind, took/6))), time.Minute).Round(time.Second)
		t.Logf("LOADED MACHINE: the default run fell %v behind in %v and did not resume; running again for %v, to give it 10 s of its own time", behind.Round(time.Millisecond), took.Round(time.Millisecond), d)
		m, stderr, _, _ = runDefault("-duration", d.String())
	}
	if m["resumes"].(float64) < 1 || m["identifies"].(float64) <= m["shards"].(float64) || m["faults_injected"].(float64) < 1 {
		t.Errorf("the default run did not both resume and re-identify, as the README says it does: %v", m)
	}
	if m["heartbeat_latency_p50_ms"] == nil {
		t.Errorf("the default run acknowledged no heartbeat: %v", m)
	}
	for _, k := range []string{"lost", "duplicated", "out_of_order", "protocol_deviations", "errors"} {
		if m[k] != 0.0 {
			t.Errorf("%s = %v, want 0\n%s", k, m[k], stderr)
		}
	}
}

// A bad flag is reported once, in one line, with no stutter.
func TestUsageErrorsArePrintedOnce(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-nosuchflag"}, "flag provided but not defined: -nosuchflag"},
		{[]string{"-intents", "FOO"}, `-intents "FOO": unknown intent "FOO"`},
		{[]string{"-shards", "many"}, `invalid value "many" for flag -shards`},
		{[]string{"-compress", "gzip"}, `-compress "gzip": unknown compression`},
		{[]string{"-log-level", "loud"}, `-log-level "loud": unknown level`},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), c.args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2", c.args, code)
		}
		msg := stderr.String()
		if strings.Count(msg, c.want) != 1 || strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "stressbot: ") {
			t.Errorf("%v: want %q once, on one line; got:\n%s", c.args, c.want, msg)
		}
		for _, stutter := range []string{"intents: intents", "usage: ", "gatewayutil: "} {
			if strings.Contains(msg, stutter) {
				t.Errorf("%v: the message stutters (%q): %s", c.args, stutter, msg)
			}
		}
		if stdout.Len() != 0 {
			t.Errorf("%v: wrote to stdout: %q", c.args, stdout.String())
		}
	}
}

func TestHelpExplainsAndExitsZero(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, &stdout, &stderr); code != 0 {
		t.Fatalf("-h: exit %d", code)
	}
	for _, want := range []string{"Usage: stressbot", "embedded emulator", "-max-identifies", "-json", "stderr"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("-h does not mention %q:\n%s", want, stderr.String())
		}
	}
}

// With no acknowledged heartbeat there is no latency: the summary says
// n/a (JSON null), not 0.00 ms.
func TestLatencyWithoutACKIsNotZero(t *testing.T) {
	b := newBot(&options{logLevel: "warn"}, io.Discard)
	b.sampleLatency([]gatewayutil.Status{{Shard: 0}, {Shard: 1}})
	p50, p99 := b.latencyPercentiles()
	if p50 != nil || p99 != nil {
		t.Fatalf("latencies %v %v without any ACK, want nil", p50, p99)
	}
	s := Summary{Shards: 2, LatencyP50Ms: p50, LatencyP99Ms: p99}
	var table, js bytes.Buffer
	if err := s.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "n/a / n/a") || strings.Contains(table.String(), "0.00 ms") {
		t.Errorf("table:\n%s", table.String())
	}
	if err := s.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	m := decodeOnlyJSON(t, js.Bytes())
	if v, ok := m["heartbeat_latency_p50_ms"]; !ok || v != nil {
		t.Errorf("JSON p50 = %v (present %v), want null", v, ok)
	}

	// One ACK with a latency: it is reported, even as the only sample.
	b.sampleLatency([]gatewayutil.Status{{Shard: 0, HeartbeatAcks: 1, Latency: 1500 * time.Microsecond}})
	p50, p99 = b.latencyPercentiles()
	if p50 == nil || *p50 != 1.5 || p99 == nil || *p99 != 1.5 {
		t.Fatalf("after one ACK of 1.5 ms: %v %v", p50, p99)
	}
	s.LatencyP50Ms, s.LatencyP99Ms = p50, p99
	table.Reset()
	_ = s.WriteTable(&table)
	if !strings.Contains(table.String(), "1.50 ms / 1.50 ms") {
		t.Errorf("table:\n%s", table.String())
	}
}

// The progress line says n/a for the heartbeat before any ACK.
func TestProgressLatencyBeforeACK(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, false)
	p.update(6*time.Second, []gatewayutil.Status{{Shard: 0, State: gatewayutil.ShardConnected}}, AuditTotals{})
	if !strings.Contains(buf.String(), "hb max n/a") {
		t.Errorf("progress: %q", buf.String())
	}
}
