package main

import (
	"bytes"
	"context"
	"io"
	"math"
	"strings"
	"testing"
)

// A custom gateway that closes every session right after READY (4009:
// re-identify) used to get one IDENTIFY every 5.25 s for as long as the run
// lasted, since no daily budget was known. -max-identifies is that budget
// now: the run stops, fatally, when it is spent.
func TestGatewayWithoutAPIStopsAtMaxIdentifies(t *testing.T) {
	g := newHostileGateway(t, 4009, "session timed out")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-token", "hostile-test-token", "-gateway", g.gatewayURL(),
		"-compress", "none", "-max-identifies", "1", "-duration", "60s", "-json", "-quiet"}, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (budget spent)\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	if n := g.identifies.Load(); n != 1 {
		t.Errorf("the gateway received %d identifies, want exactly 1 (-max-identifies 1)", n)
	}
	if !strings.Contains(stderr.String(), "-max-identifies") || !strings.Contains(stderr.String(), "budget") {
		t.Errorf("the message does not say the identify budget (-max-identifies) ran out:\n%s", stderr.String())
	}
	if strings.Contains(stdout.String()+stderr.String(), "hostile-test-token") {
		t.Error("the token was printed")
	}
	m := lastLineJSON(t, stdout.String())
	if m["identify_budget"] != 1.0 || m["identify_budget_from"] != "-max-identifies" || m["stop_reason"] != "fatal error" {
		t.Errorf("summary: %v", m)
	}
}

// With -gateway and a reachable -api, the budget is the one GET
// /gateway/bot reports.
func TestGatewayTakesBudgetFromAPI(t *testing.T) {
	g := newHostileGateway(t, 4009, "session timed out")
	g.remaining = 1
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-token", "hostile-test-token", "-gateway", g.gatewayURL(), "-api", g.apiURL(),
		"-compress", "none", "-duration", "60s", "-json", "-quiet"}, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (budget spent)\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	if n := g.identifies.Load(); n != 1 {
		t.Errorf("the gateway received %d identifies, want exactly 1 (remaining 1 in /gateway/bot)", n)
	}
	m := lastLineJSON(t, stdout.String())
	if m["identify_budget"] != 1.0 || m["identify_budget_from"] != "gateway/bot" {
		t.Errorf("summary: %v", m)
	}
}

// An explicit -max-identifies also caps a budget /gateway/bot reports; an
// unreachable -api falls back to -max-identifies with a warning.
func TestPlanBudget(t *testing.T) {
	g := newHostileGateway(t, 4009, "")
	for _, c := range []struct {
		name     string
		args     []string
		wantN    int
		wantFrom string
	}{
		{"default cap without -api", []string{"-gateway", "ws://127.0.0.1:1"}, defaultMaxIdentifies, budgetFromFlag},
		{"explicit cap without -api", []string{"-gateway", "ws://127.0.0.1:1", "-max-identifies", "7"}, 7, budgetFromFlag},
		{"api budget", []string{"-gateway", g.gatewayURL(), "-api", g.apiURL()}, 1000, budgetFromGatewayBot},
		{"api budget capped", []string{"-gateway", g.gatewayURL(), "-api", g.apiURL(), "-max-identifies", "5"}, 5, budgetFromGatewayBot},
		{"api unreachable", []string{"-gateway", g.gatewayURL(), "-api", "http://127.0.0.1:1/api/v10", "-max-identifies", "3"}, 3, budgetFromFlag},
	} {
		o, err := parseFlags(append([]string{"-token", "hostile-test-token"}, c.args...), io.Discard)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var stderr bytes.Buffer
		b := newBot(o, &stderr)
		p, err := b.plan(context.Background(), o.token, o.api, false)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if p.limit.Remaining != c.wantN || p.from != c.wantFrom || p.url != o.gateway || p.maxConcurrency != 1 || p.shards != 1 {
			t.Errorf("%s: plan %+v, want %d identifies from %s", c.name, p, c.wantN, c.wantFrom)
		}
		if c.name == "api unreachable" && !strings.Contains(stderr.String(), "max_identifies=3") {
			t.Errorf("%s: no warning that the budget is unknown:\n%s", c.name, stderr.String())
		}
	}
	if _, err := parseFlags([]string{"-max-identifies", "0"}, io.Discard); err == nil {
		t.Error("-max-identifies 0 was accepted")
	}
}

// A fatal close reason is the server's text: stressbot prints it with
// control characters escaped (no escape sequence reaches the terminal) and
// its length bounded.
func TestFatalCloseReasonIsEscaped(t *testing.T) {
	const reason = "\x1b]0;owned\x07\x1b[2Jbad\r\nline\x00"
	g := newHostileGateway(t, 4004, reason)
	g.readySeq = 1
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-token", "hostile-test-token", "-gateway", g.gatewayURL(),
		"-compress", "none", "-duration", "30s"}, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstderr:\n%s", code, stderr.String())
	}
	out := stdout.String() + stderr.String()
	if strings.Contains(out, "hostile-test-token") {
		t.Error("the token was printed")
	}
	for _, c := range []string{"\x1b", "\x07", "\r", "\x00"} {
		if strings.Contains(out, c) {
			t.Errorf("output holds the raw control character %q:\n%q", c, out)
		}
	}
	if !strings.Contains(stderr.String(), `4004`) || !strings.Contains(stderr.String(), `\x1b]0;owned\a\x1b[2Jbad\r\nline\x00`) {
		t.Errorf("the reason is not shown escaped:\n%s", stderr.String())
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, ünïcode ✓":   "plain text, ünïcode ✓",
		"\x1b[2J\r\n\t\x00\x7f":   `\x1b[2J\r\n\t\x00\x7f`,
		"bad utf8 \xff\xfe end":   `bad utf8 \xff\xfe end`,
		`back\slash "quoted" 'x'`: `back\\slash "quoted" 'x'`,
		"\u202eright-to-left":     `\u202eright-to-left`,
	} {
		if got := printable(in, 100); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("ab\x1b", 1000)
	for _, limit := range []int{10, 11, 12, 100, 512} {
		got := printable(long, limit)
		if len(got) > limit || !strings.HasSuffix(got, "…") || strings.Contains(got, "\x1b") {
			t.Errorf("limit %d: got %q (%d bytes)", limit, got, len(got))
		}
	}
	if got := printable("abc", 3); got != "abc" {
		t.Errorf("text that fits exactly was cut: %q", got)
	}
}

// End to end, through a real shard: a server that numbers from 0, then
// sends a huge s, shows protocol deviations in the summary, not events out
// of order or 9.2e18 lost. The server ends the run with 4004.
func TestSummaryCountsProtocolDeviations(t *testing.T) {
	g := newHostileGateway(t, 4004, "that is all")
	g.readySeq = 0
	g.dispatches = []int64{1, 2, 3, math.MaxInt64}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-token", "hostile-test-token", "-gateway", g.gatewayURL(),
		"-compress", "none", "-duration", "30s", "-json", "-quiet"}, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (4004)\nstderr:\n%s", code, stderr.String())
	}
	m := lastLineJSON(t, stdout.String())
	if m["events"] != 5.0 || m["protocol_deviations"] != 2.0 || m["lost"] != 0.0 || m["out_of_order"] != 0.0 || m["duplicated"] != 0.0 {
		t.Fatalf("summary: %v\nstderr:\n%s", m, stderr.String())
	}
	ex, _ := m["protocol_deviation_examples"].([]any)
	if len(ex) != 2 || !strings.Contains(ex[0].(string), "READY with s=0") || !strings.Contains(ex[1].(string), "s jumped from 3 to 9223372036854775807") {
		t.Errorf("examples: %v", ex)
	}
}
