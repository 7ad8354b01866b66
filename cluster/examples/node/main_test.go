package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/cluster"
	"github.com/gatewaykit/gateway/cluster/internal/natsserver"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/internal/exampletest"
	"github.com/nats-io/nats.go/jetstream"
)

// Six shards in three identify buckets: two identify windows to start them
// all. Which node runs a shard is rendezvous hashing of the instance names:
// "node-a" and "node-b" both get some of six (of four, node-a would get all),
// and each has room for all six, so the survivor takes the others' over.
const (
	shardCount = 6
	maxConc    = 3
	app        = "example"
)

// Two copies of the program, as separate processes sharing one NATS server,
// split the bot's shards; each shard identifies once, cluster-wide at most
// one identify per bucket per window. SIGTERM drains one: the other resumes
// its shards (the emulator records no new identify) and receives their
// events.
func TestTwoNodesShareShardsAndResumeAfterDrain(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	nats, err := natsserver.Start(natsserver.Options{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer nats.Stop()
	emu, err := gatewaytest.NewServer(gatewaytest.Config{
		Tokens: []string{"example-token"}, Shards: shardCount, MaxConcurrency: maxConc, Guilds: 2 * shardCount,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer emu.Close()

	// The test's own view of the cluster: who holds each shard's lease, and
	// the budget.
	nc, err := cluster.Connect(nats.URL(), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	buckets, err := cluster.Open(ctx, js, cluster.Config{App: app})
	if err != nil {
		t.Fatal(err)
	}
	holders := func() map[int]string {
		m := map[int]string{}
		for s := range shardCount {
			if h, _, err := buckets.LeaseHolder(ctx, s); err == nil && h != "" {
				m[s] = h
			}
		}
		return m
	}

	bin := exampletest.Build(t)
	env := []string{"DISCORD_TOKEN=example-token"}
	start := func(instance string) *exampletest.Program {
		return exampletest.Start(t, bin, "", env,
			"-nats", nats.URL(), "-api", emu.APIURL(), "-instance", instance, "-capacity", fmt.Sprint(shardCount), "-app", app)
	}
	nodes := map[string]*exampletest.Program{"node-a": start("node-a"), "node-b": start("node-b")}

	// Every shard is leased, to both nodes between them, and its holder
	// printed that the shard is READY (or RESUMED, had it moved between the
	// nodes while they joined).
	var owners map[int]string
	waitFor(ctx, t, time.Minute, "every shard running, spread over both nodes", func() bool {
		owners = holders()
		if len(owners) != shardCount || len(slices.Compact(slices.Sorted(maps.Values(owners)))) != 2 {
			return false
		}
		for s, h := range owners {
			if !printed(nodes[h].Lines(), fmt.Sprintf("shard %d ready", s), fmt.Sprintf("shard %d resumed", s)) {
				return false
			}
		}
		return true
	})
	t.Logf("shards by node: %v", owners)
	st := emu.Stats()
	if st.Identifies != shardCount {
		t.Errorf("emulator counted %d identifies, want one per shard (%d)", st.Identifies, shardCount)
	}
	if st.MaxIdentifiesPerBucket > 1 || st.IdentifyRefused != 0 {
		t.Errorf("identify schedule broken across the processes: up to %d identifies per bucket per window, %d refused", st.MaxIdentifiesPerBucket, st.IdentifyRefused)
	}
	limiter, err := cluster.NewIdentifyLimiter(buckets, cluster.IdentifyConfig{MaxConcurrency: maxConc, Instance: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if budget, ok, err := limiter.ReadBudget(ctx); err != nil || !ok || budget.Remaining != budget.Total-shardCount {
		t.Errorf("shared budget %+v (stored %v, err %v): want %d spent", budget, ok, err, shardCount)
	}

	// Drain node-a. Note its shards, their open connections and sessions,
	// and how much node-b had printed.
	victim, survivor := "node-a", "node-b"
	var moved []int
	for s, h := range owners {
		if h == victim {
			moved = append(moved, s)
		}
	}
	slices.Sort(moved)
	sessionsBefore := map[int]string{}
	var victimConns []*gatewaytest.Conn
	for _, c := range emu.Conns() {
		if sess := c.Session(); sess != nil && !c.Closed() {
			id, _ := sess.Shard()
			sessionsBefore[id] = sess.ID()
			if slices.Contains(moved, id) {
				victimConns = append(victimConns, c)
			}
		}
	}
	if len(victimConns) != len(moved) {
		t.Fatalf("%s holds shards %v but the emulator has %d open connections of them", victim, moved, len(victimConns))
	}
	identifiesBefore := emu.Stats().Identifies
	printedBefore := len(nodes[survivor].Lines())

	drained := time.Now()
	if err := nodes[victim].Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := nodes[victim].Wait(time.Minute); err != nil {
		t.Fatalf("%s after SIGTERM: %v", victim, err)
	}
	for _, c := range victimConns {
		if r := c.Record(); r.CloseReceived != closecode.Resumable {
			t.Errorf("%s closed connection %d with %v, want %v (resumable)", victim, r.ID, r.CloseReceived, closecode.Resumable)
		}
	}

	// node-b takes the drained shards over and resumes them.
	waitFor(ctx, t, time.Minute, fmt.Sprintf("%s running shards %v", survivor, moved), func() bool {
		owners = holders()
		if len(owners) != shardCount || slices.ContainsFunc(slices.Collect(maps.Values(owners)), func(h string) bool { return h != survivor }) {
			return false
		}
		since := nodes[survivor].Lines()[printedBefore:]
		for _, s := range moved {
			if !printed(since, fmt.Sprintf("shard %d resumed", s)) {
				return false
			}
		}
		return true
	})
	t.Logf("%s resumed shards %v %v after the SIGTERM to %s", survivor, moved, time.Since(drained).Round(time.Millisecond), victim)
	since := nodes[survivor].Lines()[printedBefore:]
	for _, s := range moved {
		if !printed(since, fmt.Sprintf("shard %d taken over", s)) {
			t.Errorf("%s did not report taking shard %d over: %q", survivor, s, since)
		}
	}
	if printed(since, "ready") {
		t.Errorf("%s identified after the drain: %q", survivor, since)
	}
	if n := emu.Stats().Identifies; n != identifiesBefore {
		t.Errorf("emulator counted %d identifies after the drain, want none", n-identifiesBefore)
	}
	// The emulator's records: each moved shard's new connection resumed the
	// session node-a ran, and sent no identify.
	for _, s := range moved {
		var last *gatewaytest.Conn
		for _, c := range emu.Conns() {
			if sess := c.Session(); sess != nil {
				if id, _ := sess.Shard(); id == s && !c.Closed() {
					last = c
				}
			}
		}
		if last == nil {
			t.Errorf("shard %d: no open connection after the takeover", s)
			continue
		}
		r := last.Record()
		if r.Identify != nil || len(r.Resumes) != 1 || r.Resumes[0].Outcome != gatewaytest.Resumed || r.SessionID != sessionsBefore[s] {
			t.Errorf("shard %d after the takeover: identify %v, resumes %+v, session %q; want one resume of %q", s, r.Identify != nil, r.Resumes, r.SessionID, sessionsBefore[s])
		}
	}

	// An event of a moved shard reaches node-b.
	var guild uint64
	for _, g := range emu.Guilds() {
		if gatewaytest.ShardFor(g, shardCount) == moved[0] {
			guild = g
			break
		}
	}
	data := fmt.Sprintf(`{"id":"4242","channel_id":"1","guild_id":"%d","author":{"id":"7","username":"ada"},"content":""}`, guild)
	if n := emu.Publish(gatewaytest.Dispatch{Type: "MESSAGE_CREATE", GuildID: guild, ChannelID: 1, UserID: 7, Data: []byte(data)}); n != 1 {
		t.Fatalf("message delivered to %d sessions, want 1", n)
	}
	if _, err := nodes[survivor].WaitLine(ctx, fmt.Sprintf("shard %d: message 4242 in guild %d", moved[0], guild)); err != nil {
		t.Fatal(err)
	}

	if err := nodes[survivor].Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := nodes[survivor].Wait(time.Minute); err != nil {
		t.Fatalf("%s after SIGINT: %v", survivor, err)
	}
}

// printed reports whether one of lines contains one of substrs.
func printed(lines []string, substrs ...string) bool {
	return slices.ContainsFunc(lines, func(l string) bool {
		return slices.ContainsFunc(substrs, func(s string) bool { return strings.Contains(l, s) })
	})
}

// waitFor polls cond until it holds, failing the test after timeout or when
// ctx ends first.
func waitFor(ctx context.Context, t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-tick.C:
		}
	}
}
