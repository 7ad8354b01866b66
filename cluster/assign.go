package cluster

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"strconv"
)

// Assign spreads shards [0, shardCount) over the members that are not
// draining. Every node computes the same answer from the same member list,
// whatever its order.
//
// Each member has a quota, its share of the shards in proportion to its
// capacity (largest remainders: with equal capacities the loads differ by at
// most one), never above its capacity. Within the quotas, shards go by
// weighted rendezvous hashing: every (shard, member) pair has a score
// capacity / -ln(h), h a hash of (instance, shard) in (0, 1), and the pairs
// are taken from the highest score down, a shard going to the first member
// that still has room. So a shard goes to the member it scores highest on
// unless that member is full, and a member joining or leaving moves the
// shards that score highest on it plus the few that the changed quotas push
// between the others (measured in TestAssignJoinAndLeaveMoveFewShards).
//
// The result maps each shard to an instance; shards are missing when the
// members' capacities together are too small. The cost is one score per
// (shard, member) pair and a sort of them.
func Assign(members []Member, shardCount int) map[int]string {
	live := make([]Member, 0, len(members))
	for _, m := range members {
		if !m.Draining && m.Capacity > 0 && m.Instance != "" {
			live = append(live, m)
		}
	}
	// Same order everywhere, whatever order the list came in.
	slices.SortFunc(live, func(a, b Member) int { return cmp.Compare(a.Instance, b.Instance) })
	live = slices.CompactFunc(live, func(a, b Member) bool { return a.Instance == b.Instance })
	out := make(map[int]string, shardCount)
	if len(live) == 0 || shardCount <= 0 {
		return out
	}
	q := quotas(live, shardCount)

	type pair struct {
		score  float64
		shard  int32
		member int32
	}
	prefixes := make([]uint64, len(live))
	for i, m := range live {
		prefixes[i] = hashPrefix(m.Instance)
	}
	pairs := make([]pair, 0, shardCount*len(live))
	var digits [20]byte
	for s := range shardCount {
		d := strconv.AppendInt(digits[:0], int64(s), 10)
		for i, m := range live {
			pairs = append(pairs, pair{scoreFrom(prefixes[i], d, weight(m.Capacity)), int32(s), int32(i)})
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		if c := cmp.Compare(a.shard, b.shard); c != 0 {
			return c
		}
		return cmp.Compare(a.member, b.member)
	})
	load := make([]int, len(live))
	extras := q.extras
	for _, p := range pairs {
		if _, done := out[int(p.shard)]; done {
			continue
		}
		i := p.member
		switch {
		case load[i] < q.base[i]:
		case load[i] == q.base[i] && q.canExtra[i] && extras > 0:
			extras--
		default:
			continue
		}
		load[i]++
		out[int(p.shard)] = live[i].Instance
		if len(out) == shardCount {
			break
		}
	}
	return out
}

// memberQuotas is how many shards each member may take: base[i], plus one
// for at most extras of the members with canExtra.
type memberQuotas struct {
	base     []int
	canExtra []bool
	extras   int
}

// quotas shares shardCount among members in proportion to their capacities
// (the largest remainder method, the members with a remainder competing for
// the leftover shards), or gives every member its capacity when the
// capacities together are not more than shardCount.
func quotas(live []Member, shardCount int) memberQuotas {
	q := memberQuotas{base: make([]int, len(live)), canExtra: make([]bool, len(live))}
	var total uint64
	for _, m := range live {
		total += uint64(weight(m.Capacity))
	}
	if total <= uint64(shardCount) {
		for i, m := range live {
			q.base[i] = m.Capacity
		}
		return q
	}
	given := 0
	for i, m := range live {
		// shardCount * w / total without overflow; the quotient is at most
		// shardCount, so Div64 cannot overflow.
		hi, lo := bits.Mul64(uint64(shardCount), uint64(weight(m.Capacity)))
		share, rem := bits.Div64(hi, lo, total)
		q.base[i] = int(share)
		// A member with a remainder has share < its exact share <= its
		// capacity, so one more still fits its capacity.
		q.canExtra[i] = rem != 0
		given += int(share)
	}
	q.extras = shardCount - given
	return q
}

// weight is a member's capacity as a weight, bounded so that the capacities
// of any realistic cluster add up without overflow.
func weight(capacity int) int { return min(capacity, 1<<32) }

// FNV-1a, 64 bits.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// hashPrefix is the FNV-1a state after an instance and a zero byte, the
// part of score's hash that does not depend on the shard.
func hashPrefix(instance string) uint64 {
	h := uint64(fnvOffset)
	for i := range len(instance) {
		h = (h ^ uint64(instance[i])) * fnvPrime
	}
	return h * fnvPrime // the zero byte: h ^ 0 is h
}

// scoreFrom is the weighted rendezvous score of a member for a shard, from
// the member's hashPrefix and the shard id's decimal digits.
func scoreFrom(prefix uint64, shardDigits []byte, weight int) float64 {
	h := prefix
	for _, c := range shardDigits {
		h = (h ^ uint64(c)) * fnvPrime
	}
	x := mix64(h)
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
