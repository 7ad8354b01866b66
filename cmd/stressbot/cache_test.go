package main

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// TestCacheRunEqualsTheWorld runs -cache under chaos with a restart from
// the snapshots every 2 s: the run must resume, re-identify and restore
// (chaos 2: some 50 faults, of which about one in eight re-identifies),
// and end with the cache equal to the emulator's world.
func TestCacheRunEqualsTheWorld(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-cache", "-cache-restart-every", "2s", "-shards", "4", "-emu-guilds", "16",
		"-duration", "6s", "-json", "-quiet", "-time-scale", "0.05", "-chaos", "2", "-seed", "3"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	m := lastLineJSON(t, stdout.String())
	if m["cache_differences"] != 0.0 {
		t.Fatalf("cache_differences = %v: %v", m["cache_differences"], m["cache"])
	}
	c := m["cache"].(map[string]any)
	if c["restarts"].(float64) < 1 || c["restored_shards"].(float64) < 1 {
		t.Errorf("no restart from a snapshot restored a shard: %v", c)
	}
	if c["guilds"] != 16.0 || c["applied"].(float64) == 0 || c["decode_errors"] != 0.0 {
		t.Errorf("cache: %v", c)
	}
	// The world moved: members joined and left, roles, channels, voice
	// states and threads changed (some 4 × 50 × 6 × 9.5% ≈ 110 changes).
	if c["world_changes"].(float64) < 20 {
		t.Errorf("the emulator's world hardly changed: %v", c)
	}
	// The restarts alone resume every shard they restore; chaos adds
	// re-identifies.
	if m["resumes"].(float64) < c["restored_shards"].(float64) || m["identifies"].(float64) <= 4 {
		t.Errorf("the run did not both resume and re-identify: %v", m)
	}
	for _, k := range []string{"lost", "duplicated", "out_of_order", "errors"} {
		if m[k] != 0.0 {
			t.Errorf("%s = %v, want 0", k, m[k])
		}
	}
}

// TestCacheReportFailsOnADifference makes sure a -cache run can fail: a
// cache that lacks a guild and holds a member the world lacks is reported
// as differences and an error (exit 1).
func TestCacheReportFailsOnADifference(t *testing.T) {
	emu, err := gatewaytest.NewServer(gatewaytest.Config{Tokens: []string{emulatorToken}, Shards: 1, Guilds: 2, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	r := newCacheRun(emu, nil, 1, nil, 10*time.Millisecond)
	ctx := context.Background()
	guilds := emu.Guilds()
	send := func(seq int64, typ string, data []byte) {
		if err := r.c.Dispatch(ctx, &gatewayutil.Event{Type: typ, Seq: seq, Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	send(1, event.GuildCreate, emu.GuildCreate(guilds[0]))
	send(2, event.GuildCreate, emu.GuildCreate(guilds[1]))
	if d := r.settle(ctx); len(d) != 0 {
		t.Fatalf("a cache fed the world's GUILD_CREATEs differs from it: %q", d)
	}
	send(3, event.GuildMemberAdd, []byte(`{"guild_id":"`+strconv.FormatUint(guilds[1], 10)+`","user":{"id":"77","username":"stranger"},"roles":[],"joined_at":"2026-01-01T00:00:00Z"}`))
	r.differences = r.settle(ctx)
	var sum Summary
	err = r.report(&sum)
	if err == nil || sum.CacheDifferences == nil || *sum.CacheDifferences == 0 {
		t.Fatalf("a member the world lacks went unnoticed: err %v, summary %+v", err, sum.Cache)
	}
	if !strings.Contains(err.Error(), "differs from the emulator's world") {
		t.Errorf("error %q", err)
	}
	var table bytes.Buffer
	if err := sum.WriteTable(&table); err != nil || !strings.Contains(table.String(), "cache differences") {
		t.Errorf("the table does not show the differences: %v\n%s", err, table.String())
	}
}

func TestCacheFlagNeedsTheEmulator(t *testing.T) {
	for _, args := range [][]string{{"-cache", "-token", "x"}, {"-cache", "-gateway", "ws://127.0.0.1:1"}, {"-cache-restart-every", "-1s"}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%q: exit %d, want 2 (%s)", args, code, stderr.String())
		}
	}
}
