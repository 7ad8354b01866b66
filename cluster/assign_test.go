package cluster

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"testing"
)

func members(caps ...int) []Member {
	var ms []Member
	for i, c := range caps {
		ms = append(ms, Member{Instance: fmt.Sprintf("node-%d", i), Capacity: c})
	}
	return ms
}

func moved(a, b map[int]string) int {
	n := 0
	for s, o := range a {
		if b[s] != o {
			n++
		}
	}
	return n
}

func TestAssignIsStableAndBalanced(t *testing.T) {
	const shards = 1000
	ms := members(1000, 1000, 1000)
	a := Assign(ms, shards)
	// Order of the member list does not matter.
	b := Assign([]Member{ms[2], ms[0], ms[1]}, shards)
	if moved(a, b) != 0 || len(a) != shards {
		t.Fatalf("assignment depends on member order (%d moved) or misses shards (%d of %d)", moved(a, b), len(a), shards)
	}
	load := map[string]int{}
	for _, o := range a {
		load[o]++
	}
	for o, n := range load {
		if n < shards/3-80 || n > shards/3+80 {
			t.Errorf("%s got %d shards, want about %d", o, n, shards/3)
		}
	}
}

// spread returns the largest and smallest load among ms.
func spread(a map[int]string, ms []Member) (most, least int) {
	load := map[string]int{}
	for _, o := range a {
		load[o]++
	}
	least = -1
	for _, m := range ms {
		if m.Draining {
			continue
		}
		n := load[m.Instance]
		most = max(most, n)
		if least < 0 || n < least {
			least = n
		}
	}
	return most, least
}

func TestAssignSpreadsFewShardsEvenly(t *testing.T) {
	// Rendezvous hashing alone left a node of three with nothing for up
	// to 13 shards; with quotas, equal capacities differ by one at most.
	for nodes := 2; nodes <= 5; nodes++ {
		caps := make([]int, nodes)
		for i := range caps {
			caps[i] = 1000
		}
		ms := members(caps...)
		for shards := 1; shards <= 64; shards++ {
			a := Assign(ms, shards)
			most, least := spread(a, ms)
			if len(a) != shards || most-least > 1 {
				t.Errorf("%d nodes, %d shards: %d assigned, loads from %d to %d", nodes, shards, len(a), least, most)
			}
		}
	}
	// Unequal capacities: in proportion, within one shard.
	a := Assign(members(10, 20, 30), 30)
	load := map[string]int{}
	for _, o := range a {
		load[o]++
	}
	if load["node-0"] != 5 || load["node-1"] != 10 || load["node-2"] != 15 {
		t.Errorf("capacities 10/20/30, 30 shards: loads %v, want 5/10/15", load)
	}
}

func TestAssignJoinAndLeaveMoveFewShards(t *testing.T) {
	sizes := []int{100, 600, 1000}
	for s := 4; s <= 64; s++ {
		sizes = append(sizes, s)
	}
	for _, shards := range sizes {
		// The fewest moves any balanced assignment could make are the
		// newcomer's share (join) and the leaver's shards (leave); the
		// quotas may push a few more between the others (measured: at
		// most 3 for up to 64 shards, 2 % of 1,000).
		slack := 3 + shards/40
		three := Assign(members(1000, 1000, 1000), shards)
		four := Assign(members(1000, 1000, 1000, 1000), shards)
		toNew, between := 0, 0
		for s, o := range three {
			switch four[s] {
			case "node-3":
				toNew++
			case o:
			default:
				between++
			}
		}
		if want := shards / 4; toNew < want || toNew > want+1 || between > slack {
			t.Errorf("join, %d shards: %d moved to the newcomer (want %d or %d), %d between the others (at most %d)",
				shards, toNew, want, want+1, between, slack)
		}
		// node-1 leaves (or drains): its shards move, and few others.
		left := members(1000, 1000, 1000)
		left[1].Draining = true
		two := Assign(left, shards)
		between = 0
		for s, o := range three {
			if two[s] == "node-1" {
				t.Fatalf("%d shards: shard %d assigned to draining node-1", shards, s)
			}
			if o != "node-1" && two[s] != o {
				between++
			}
		}
		if len(two) != shards || between > slack {
			t.Errorf("leave, %d shards: %d assigned, %d moved between the others (at most %d)", shards, len(two), between, slack)
		}
	}
}

func TestAssignRespectsCapacity(t *testing.T) {
	a := Assign(members(10, 30, 100), 100)
	load := map[string]int{}
	for _, o := range a {
		load[o]++
	}
	if load["node-0"] > 10 || load["node-1"] > 30 || len(a) != 100 {
		t.Fatalf("loads %v over capacities 10/30/100, %d assigned", load, len(a))
	}
	short := Assign(members(10, 20), 50)
	if len(short) != 30 {
		t.Fatalf("%d shards assigned with total capacity 30", len(short))
	}
	if len(Assign(nil, 5)) != 0 {
		t.Fatal("shards assigned to nobody")
	}
}

func BenchmarkAssign(b *testing.B) {
	ms := members(1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000)
	b.ReportAllocs()
	for b.Loop() {
		Assign(ms, 10000)
	}
}

func TestAssignHashIsFNV1a(t *testing.T) {
	// The inlined hash must stay FNV-1a of "instance\x00shard": every
	// node of a cluster has to compute the same scores.
	for _, inst := range []string{"", "node-0", "gatewayd-west-17"} {
		for _, shard := range []int{0, 7, 1234567} {
			h := fnv.New64a()
			_, _ = h.Write([]byte(inst + "\x00" + strconv.Itoa(shard)))
			want := h.Sum64()
			got := hashPrefix(inst)
			for _, c := range []byte(strconv.Itoa(shard)) {
				got = (got ^ uint64(c)) * fnvPrime
			}
			if got != want {
				t.Errorf("hash of %q, shard %d: %x, want %x", inst, shard, got, want)
			}
		}
	}
}
