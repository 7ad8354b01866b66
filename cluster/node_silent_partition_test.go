package cluster

import (
	"testing"
	"time"
)

// A silent partition: node a's NATS connection stays open but nothing gets
// through (a frozen proxy), and a's own writes fill the socket buffers, as
// a node publishing events into a black-holed link would. The NATS client
// then holds its connection's lock in a blocked write for up to its
// one-minute flusher timeout, and every KV call of a's, whatever its
// context, waits on that lock: lease renewals and session writes hang. a
// must still cut its shards' sockets by their leases' SafeUntil, before the
// others can take them, so the emulator never sees a shard on two
// connections at once. Before the deadline had its own timer, the watchdog
// lived in the same loop as the hung renewal and a kept its sockets until
// the freeze ended, long after b and c had resumed the shards.
func TestNodeSilentlyPartitionedStopsShardsBeforeLeaseExpiry(t *testing.T) {
	h := newHarness(t, 8, 2)
	a := h.startNode("a", true)
	h.startNode("b", false)
	h.startNode("c", false)
	h.waitAllConnected(30 * time.Second)
	identifies := h.emu.Stats().Identifies
	stop := h.publish(5 * time.Millisecond)
	owned := len(a.node.Status().Shards)
	if owned == 0 {
		t.Fatal("node a owns no shard")
	}

	a.proxy.Freeze()
	frozenAt := time.Now()
	// Fill a's socket to NATS until its writes block; the goroutine ends
	// when the freeze does.
	flooded := make(chan struct{})
	go func() {
		defer close(flooded)
		junk := make([]byte, 512<<10)
		for range 128 {
			if err := a.nc.Publish("flood", junk); err != nil {
				return
			}
		}
	}()
	t.Cleanup(a.proxy.Thaw) // before the harness kills the nodes
	eventually(t, h.cfg.LeaseTTL+10*time.Second, "a's shards running on b and c", func() bool {
		c := h.connected()
		if len(c) != h.shards {
			return false
		}
		for _, owners := range c {
			if len(owners) != 1 || owners[0] == "a" {
				return false
			}
		}
		return true
	})
	select {
	case <-flooded:
		t.Fatal("a's NATS writes never blocked: the test did not partition it silently")
	default:
	}
	t.Logf("froze a's link to NATS (%d shards): all running on b and c after %v", owned, time.Since(frozenAt).Round(time.Millisecond))
	// Some time with both sides up: a shard a failed to stop would show
	// now as two connections of one shard.
	time.Sleep(h.cfg.LeaseTTL)
	if d := h.doubleConnected(); len(d) > 0 {
		t.Fatalf("shards connected twice at once while a was partitioned: %v", d)
	}

	a.proxy.Thaw()
	<-flooded
	eventually(t, 30*time.Second, "node a runs shards again after the partition healed", func() bool { return len(a.node.Status().Shards) > 0 })
	h.waitAllConnected(15 * time.Second)
	time.Sleep(200 * time.Millisecond)
	stop()
	h.settle(10 * time.Second)
	c := h.audit.Counts()
	st := h.emu.Stats()
	t.Logf("audit %+v; emulator identifies %d (after cold start %d)", c, st.Identifies, identifies)
	if c.Lost != 0 || c.Duplicated != 0 {
		t.Errorf("audit: lost %d duplicated %d", c.Lost, c.Duplicated)
	}
	if st.Identifies != identifies {
		t.Errorf("the partition cost %d identifies", st.Identifies-identifies)
	}
	if d := h.doubleConnected(); len(d) > 0 {
		t.Errorf("shards connected twice at once: %v", d)
	}
	if ws := a.node.Status().WatchdogStops; ws < int64(owned) {
		t.Errorf("watchdog stopped %d shards, want at least %d", ws, owned)
	}
}
