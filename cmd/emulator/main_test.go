package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

func TestRunPrintsURLsAndServes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-tokens", "a,b", "-shards", "3", "-max-concurrency", "2", "-guilds", "5",
			"-rate", "50", "-seed", "7", "-time-scale", "0.5", "-heartbeat-interval", "10s", "-log-level", "warn"}, pw, io.Discard)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var lines []string
	for len(lines) < 2 && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) != 2 {
		t.Fatalf("printed %q", lines)
	}
	gw := regexp.MustCompile(`^gateway (ws://127\.0\.0\.1:\d+)$`).FindStringSubmatch(lines[0])
	api := regexp.MustCompile(`^api (http://127\.0\.0\.1:\d+/api/v10)$`).FindStringSubmatch(lines[1])
	if gw == nil || api == nil {
		t.Fatalf("printed %q", lines)
	}
	go io.Copy(io.Discard, pr)

	req, _ := http.NewRequest(http.MethodGet, api[1]+"/gateway/bot", nil)
	req.Header.Set("Authorization", "Bot b")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		URL               string `json:"url"`
		Shards            int    `json:"shards"`
		SessionStartLimit struct {
			MaxConcurrency int `json:"max_concurrency"`
		} `json:"session_start_limit"`
	}
	err = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if err != nil || body.URL != gw[1] || body.Shards != 3 || body.SessionStartLimit.MaxConcurrency != 2 {
		t.Fatalf("/gateway/bot: %+v %v", body, err)
	}

	dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
	defer dcancel()
	conn, br, _, err := ws.Dialer{}.Dial(dctx, gw[1]+"/?v=10&encoding=json")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	// The handshake reader may already hold the first frame.
	var rw io.ReadWriter = conn
	if br != nil {
		rw = struct {
			io.Reader
			io.Writer
		}{br, conn}
	}
	hello, err := wsutil.ReadServerText(rw)
	if err != nil || !strings.Contains(string(hello), `"heartbeat_interval":5000`) {
		t.Fatalf("HELLO %s (%v), want a scaled 5000 ms interval", hello, err)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit status %d after interrupt", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after the context ended")
	}
}

func TestRunUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-rate", "fast"},
		{"-privileged", "NOPE"},
		{"-time-scale", "0"},
		{"extra"},
		{"-chaos", "-1"},
	} {
		if code := run(context.Background(), args, io.Discard, io.Discard); code != 2 {
			t.Errorf("%q: exit status %d, want 2", args, code)
		}
	}
}

// -h says what the program is, the two lines it writes on start, and its
// privileged-intent default; it exits 0.
func TestHelpExplains(t *testing.T) {
	var stdout, stderr strings.Builder
	if code := run(context.Background(), []string{"-h"}, &stdout, &stderr); code != 0 {
		t.Fatalf("-h: exit status %d", code)
	}
	for _, want := range []string{
		"Discord-compatible gateway for tests",
		"gateway ws://HOST:PORT", "api http://HOST:PORT/api/v10",
		"-privileged NONE", "(default \"ALL\")", "gatewaytest.Config",
		"stressbot's\nembedded emulator", "-max-concurrency",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("-h does not say %q:\n%s", want, stderr.String())
		}
	}
	if stdout.Len() != 0 {
		t.Errorf("-h wrote to stdout: %q", stdout.String())
	}
}

// -max-concurrency 0 used to be served as 1; it is refused now, as is
// every other value that cannot mean anything, each with one clear line.
func TestNonsenseValuesRefused(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-max-concurrency", "0"}, "-max-concurrency 0: must be at least 1"},
		{[]string{"-max-concurrency", "-3"}, "-max-concurrency -3: must be at least 1"},
		{[]string{"-shards", "-1"}, "-shards -1: must not be negative"},
		{[]string{"-guilds", "-2"}, "-guilds -2: must not be negative"},
		{[]string{"-rate", "-1"}, "-rate -1: must not be negative"},
		{[]string{"-session-start-limit", "0"}, "-session-start-limit 0: must be at least 1"},
		{[]string{"-privileged", "NOPE"}, `-privileged "NOPE": unknown intent "NOPE"`},
		{[]string{"-nosuchflag"}, "flag provided but not defined: -nosuchflag"},
	} {
		var stdout, stderr strings.Builder
		if code := run(context.Background(), c.args, &stdout, &stderr); code != 2 {
			t.Errorf("%q: exit status %d, want 2", c.args, code)
		}
		msg := stderr.String()
		if strings.Count(msg, c.want) != 1 || strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "emulator: ") {
			t.Errorf("%q: want %q once on one line, got:\n%s", c.args, c.want, msg)
		}
		if strings.Contains(msg, "usage:") || strings.Contains(msg, "intents: ") {
			t.Errorf("%q: the message stutters: %s", c.args, msg)
		}
		if stdout.Len() != 0 {
			t.Errorf("%q: wrote to stdout: %q", c.args, stdout.String())
		}
	}
}
