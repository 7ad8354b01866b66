package cluster

import (
	"fmt"
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

func TestAssignJoinAndLeaveMoveFewShards(t *testing.T) {
	const shards = 600
	three := Assign(members(1000, 1000, 1000), shards)
	four := Assign(members(1000, 1000, 1000, 1000), shards)
	m := moved(three, four)
	// The newcomer takes about a quarter; nothing moves between the others.
	if m < shards/4-60 || m > shards/4+60 {
		t.Fatalf("join moved %d shards, want about %d", m, shards/4)
	}
	for s, o := range three {
		if four[s] != o && four[s] != "node-3" {
			t.Fatalf("shard %d moved from %s to %s, not to the newcomer", s, o, four[s])
		}
	}
	// node-1 leaves (or drains): only its shards move.
	left := members(1000, 1000, 1000)
	left[1].Draining = true
	two := Assign(left, shards)
	for s, o := range three {
		if o != "node-1" && two[s] != o {
			t.Fatalf("shard %d of %s moved to %s when node-1 left", s, o, two[s])
		}
		if two[s] == "node-1" {
			t.Fatalf("shard %d assigned to draining node-1", s)
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
