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
