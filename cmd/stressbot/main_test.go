package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gatewaykit/gateway/gatewaytest"
)

func lastLineJSON(t *testing.T, out string) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
		t.Fatalf("last line of stdout is not JSON: %v\n%s", err, out)
	}
	return m
}

func TestRunAgainstEmbeddedEmulator(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-shards", "4", "-duration", "3s", "-json", "-time-scale", "0.05", "-chaos", "0.5", "-seed", "7"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	m := lastLineJSON(t, stdout.String())
	for _, k := range contractKeys {
		if _, ok := m[k]; !ok {
			t.Errorf("summary lacks %q", k)
		}
	}
	// Traffic beyond each session's READY flowed; how much depends on how
	// busy the machine is (a loaded 2-core machine can deliver only a few
	// dozen events in these 3 s), so no more is asked.
	if m["shards"] != 4.0 || m["events"].(float64) <= m["sessions"].(float64) {
		t.Fatalf("summary: %v", m)
	}
	for _, k := range []string{"lost", "duplicated", "out_of_order", "errors"} {
		if m[k] != 0.0 {
			t.Errorf("%s = %v, want 0 (stderr:\n%s)", k, m[k], stderr.String())
		}
	}
	if m["faults_injected"].(float64) == 0 {
		t.Errorf("chaos 0.5 for 3 s on 4 shards injected no fault")
	}
	if strings.Contains(stdout.String()+stderr.String(), emulatorToken) {
		t.Error("the token was printed")
	}
}

func TestEventsLimitStopsTheRun(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-shards", "2", "-events", "100", "-duration", "60s", "-json", "-quiet", "-emu-rate", "0"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	m := lastLineJSON(t, stdout.String())
	if m["stop_reason"] != "events" || m["events"].(float64) < 100 {
		t.Fatalf("summary: %v", m)
	}
	if strings.Count(stdout.String(), "\n") != 1 {
		t.Fatalf("-quiet printed progress:\n%s", stdout.String())
	}
}

func TestBadTokenExitsOneNaming4004(t *testing.T) {
	srv, err := gatewaytest.NewServer(gatewaytest.Config{Tokens: []string{"the-right-token"}, TimeScale: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	const bad = "a-wrong-token-SECRETVALUE"
	for _, args := range [][]string{
		{"-token", bad, "-gateway", srv.URL(), "-duration", "10s"},
		{"-token", bad, "-api", srv.APIURL(), "-duration", "10s"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, &stdout, &stderr)
		if code != 1 {
			t.Fatalf("%v: exit %d, want 1\n%s", args[2], code, stderr.String())
		}
		if !strings.Contains(stderr.String(), "4004") {
			t.Errorf("%v: the message does not name 4004:\n%s", args[2], stderr.String())
		}
		if strings.Contains(stdout.String()+stderr.String(), "SECRETVALUE") {
			t.Errorf("%v: the token was printed", args[2])
		}
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{
		{"-encoding", "xml"}, {"-compress", "gzip"}, {"-intents", "GUILDZ"}, {"-shards", "-1"},
		{"-shard-ids", "5", "-shards", "4"}, {"-encoding", "etf", "-compress", "payload"}, {"-time-scale", "0"}, {"extra"},
		{"-nosuchflag"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if stderr.Len() == 0 {
			t.Errorf("%v: no message", args)
		}
	}
}
