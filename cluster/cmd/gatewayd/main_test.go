package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"-nodes", "-1"},
		{"-capacity", "0"},
		{"-duration", "0s"},
		{"-nodes", "2", "-token", "x"},
		{"extra"},
		{"-no-such-flag"},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 2 {
			t.Errorf("gatewayd %v: exit %d, want 2 (stderr %q)", args, code, errb.String())
		}
	}
}

// A short soak: two nodes, a kill every 2 s; the audit must come out clean
// and show the takeovers.
func TestSoakKillsAndAuditsClean(t *testing.T) {
	if testing.Short() {
		t.Skip("SOAK TEST SKIPPED: -short")
	}
	var out, errb bytes.Buffer
	code := run([]string{"-nodes", "2", "-shards", "4", "-max-concurrency", "2", "-kill-every", "2s", "-duration", "5s", "-lease-ttl", "1500ms", "-json", "-quiet"}, &out, &errb)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var sum soakSummary
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil {
		t.Fatalf("last line %q is not the JSON summary: %v (stderr %s)", lines[len(lines)-1], err, errb.String())
	}
	t.Logf("summary %+v", sum)
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
	}
	if sum.Kills == 0 || sum.Takeovers == 0 || sum.Events == 0 {
		t.Fatalf("soak did nothing: %+v", sum)
	}
	// A grant whose shard was closed before it sent the identify (handed
	// over mid-identify) spends without identifying: fail-closed, so the
	// budget may fall by more, never by less.
	if sum.BudgetSpent < sum.Identifies {
		t.Fatalf("budget fell by %d, emulator counted %d identifies", sum.BudgetSpent, sum.Identifies)
	}
}
