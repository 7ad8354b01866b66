package cluster

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/opcode"
	"github.com/nats-io/nats.go"
)

// commandsSent counts the commands of an op the emulator received for a shard
// (over every connection).
func (h *harness) commandsSent(op opcode.Opcode) int {
	n := 0
	for _, c := range h.emu.Conns() {
		for _, cr := range c.Record().Commands {
			if cr.Op == op {
				n++
			}
		}
	}
	return n
}

// Commands reach whichever node owns the shard, also while shards move from
// one node to another; the owner's refusals come back typed; with no owner
// the command is retried until the deadline, then fails with ErrNoOwner.
func TestCommandsReachTheOwnerWhileShardsMove(t *testing.T) {
	h := newHarness(t, 4, 2)
	h.nodeTweak = func(_ *Buckets, _ *nats.Conn, c *NodeConfig) { c.ServeCommands = true }
	a := h.startNode("a", false)
	h.waitAllConnected(30 * time.Second)
	cmd, err := NewCommander(connectNATS(t, h.nats.URL(), "commander"), h.cfg, h.shards)
	if err != nil {
		t.Fatal(err)
	}
	presence := []byte(`{"since":null,"activities":[],"status":"online","afk":false}`)
	ctx := context.Background()
	send := func(shard int) error {
		c, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		return cmd.Send(c, shard, opcode.PresenceUpdate, presence)
	}
	if err := cmd.Broadcast(ctx, opcode.PresenceUpdate, presence); err != nil {
		t.Fatal(err)
	}
	sent := h.shards

	// A second node joins: about half the shards move to it (hand-over).
	// Commands sent meanwhile all arrive.
	h.startNode("b", false)
	moving := time.Now()
	for time.Since(moving) < 3*time.Second {
		for s := range h.shards {
			if err := send(s); err != nil {
				t.Fatalf("command to shard %d while shards move: %v", s, err)
			}
			sent++
		}
		// Well inside the 120 commands per minute of a connection.
		time.Sleep(150 * time.Millisecond)
	}
	h.waitAllConnected(30 * time.Second)
	bOwns := len(h.nodes["b"].node.Status().Shards)
	if bOwns == 0 {
		t.Fatal("no shard moved to b")
	}
	eventually(t, 5*time.Second, "the emulator received every command", func() bool { return h.commandsSent(opcode.PresenceUpdate) >= sent })
	if got := h.commandsSent(opcode.PresenceUpdate); got != sent {
		t.Fatalf("emulator received %d presence updates, want %d", got, sent)
	}
	t.Logf("%d commands, %d shards moved to b; every command delivered once", sent, bOwns)

	// Typed refusals from the owner: a full command limiter,
	rateLimited := false
	for range 200 {
		c, cancel := context.WithTimeout(ctx, time.Second)
		err := cmd.Send(c, 2, opcode.PresenceUpdate, presence)
		cancel()
		if errors.Is(err, ErrCommandRateLimited) {
			rateLimited = true
			break
		}
		if err != nil {
			t.Fatalf("flooding shard 2: got %v before ErrCommandRateLimited", err)
		}
	}
	if !rateLimited {
		t.Fatal("200 commands in a row to one shard were never rate limited")
	}
	// an oversized payload, an op that is not a command.
	big := []byte(`"` + strings.Repeat("x", 4090) + `"`)
	c, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = cmd.Send(c, 0, opcode.PresenceUpdate, big[:4094])
	cancel()
	if !errors.Is(err, gateway.ErrPayloadTooLarge) {
		t.Fatalf("oversized payload: got %v, want gateway.ErrPayloadTooLarge", err)
	}
	c, cancel = context.WithTimeout(ctx, 5*time.Second)
	err = cmd.Send(c, 0, opcode.Heartbeat, []byte(`1`))
	cancel()
	if !errors.Is(err, gateway.ErrNotCommand) {
		t.Fatalf("heartbeat as a command: got %v, want gateway.ErrNotCommand", err)
	}
	c, cancel = context.WithTimeout(ctx, 5*time.Second)
	err = cmd.SendToGuild(c, 5<<22, opcode.PresenceUpdate, presence)
	cancel()
	if err != nil {
		t.Fatalf("by guild: %v", err)
	}

	// Nobody owns anything: retried until the deadline, then ErrNoOwner.
	for _, tn := range []*testNode{a, h.nodes["b"]} {
		dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
		if err := tn.node.Drain(dctx); err != nil {
			t.Fatal(err)
		}
		dcancel()
	}
	c, cancel = context.WithTimeout(ctx, 400*time.Millisecond)
	start := time.Now()
	err = cmd.Send(c, 1, opcode.PresenceUpdate, presence)
	cancel()
	if !errors.Is(err, ErrNoOwner) {
		t.Fatalf("no owner: got %v, want ErrNoOwner", err)
	}
	if waited := time.Since(start); waited < 350*time.Millisecond {
		t.Fatalf("gave up after %v, before the 400 ms deadline", waited)
	}
}
