package cluster

import (
	"hash/fnv"
	"math"
	"sort"
	"strconv"
)

// Assign spreads shards [0, shardCount) over the members that are not
// draining, by rendezvous hashing weighted by capacity: each shard goes to the
// member with the highest score capacity / -ln(h), h a hash of (instance,
// shard) in (0, 1), among those that still have room (a member never gets more
// than its capacity). Every node computes the same answer from the same
// member list, and a member joining or leaving moves only the shards that
// score highest on it (about shardCount/members), not the others.
//
// The result maps each shard to an instance; a shard is missing when the
// members' capacities together are too small.
func Assign(members []Member, shardCount int) map[int]string {
	live := make([]Member, 0, len(members))
	for _, m := range members {
		if !m.Draining && m.Capacity > 0 && m.Instance != "" {
			live = append(live, m)
		}
	}
	// Same order everywhere, whatever order the list came in.
	sort.Slice(live, func(i, j int) bool { return live[i].Instance < live[j].Instance })
	out := make(map[int]string, shardCount)
	if len(live) == 0 {
		return out
	}
	load := make([]int, len(live))
	for s := range shardCount {
		best, bestScore := -1, math.Inf(-1)
		for i, m := range live {
			if load[i] >= m.Capacity {
				continue
			}
			if sc := score(m.Instance, s, m.Capacity); sc > bestScore {
				best, bestScore = i, sc
			}
		}
		if best < 0 {
			continue
		}
		load[best]++
		out[s] = live[best].Instance
	}
	return out
}

// score is the weighted rendezvous score of a member for a shard.
func score(instance string, shard, weight int) float64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(instance))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write([]byte(strconv.Itoa(shard)))
	x := mix64(h.Sum64())
	// (x + 0.5) / 2^64 is in (0, 1): never 0, never 1.
	u := (float64(x>>11) + 0.5) / (1 << 53)
	return float64(weight) / -math.Log(u)
}

// mix64 spreads the bits of an FNV hash (splitmix64's finaliser), whose high
// bits vary little for inputs that differ only at the end.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
