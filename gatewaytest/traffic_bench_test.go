package gatewaytest

import (
	"testing"
)

// benchTraffic is the world the benchmarks draw from: 1000 guilds over 16
// shards, default sizes (huge guilds included).
func benchTraffic() *Traffic {
	return NewTraffic(TrafficConfig{Seed: 1, Guilds: 1000, ShardCount: 16})
}

// reportEventBytes reports the mean payload size as a custom metric; b.SetBytes
// needs a fixed size per op, which generated events do not have.
func reportEventBytes(b *testing.B, total int) {
	b.ReportMetric(float64(total)/float64(b.N), "B/event")
}

func BenchmarkTrafficNext(b *testing.B) {
	tr := benchTraffic()
	b.ReportAllocs()
	total := 0
	for b.Loop() {
		total += len(tr.Next().Data)
	}
	reportEventBytes(b, total)
}

func BenchmarkTrafficAppendNext(b *testing.B) {
	tr := benchTraffic()
	buf := make([]byte, 0, 8192)
	b.ReportAllocs()
	total := 0
	for b.Loop() {
		ev := tr.AppendNext(buf[:0])
		buf = ev.Data
		total += len(ev.Data)
	}
	reportEventBytes(b, total)
}

func BenchmarkTrafficNextForShard(b *testing.B) {
	benchNextForShard(b, benchTraffic().Fork(3))
}

// BenchmarkTrafficNextForShardMutable is NextForShard in a mutable world,
// whose events change it (a guild lock per event, and the changes).
func BenchmarkTrafficNextForShardMutable(b *testing.B) {
	benchNextForShard(b, NewTraffic(TrafficConfig{Seed: 1, Guilds: 1000, ShardCount: 16, Mutable: true}).Fork(3))
}

// benchNextForShard draws shard 3 of 16's events from tr.
func benchNextForShard(b *testing.B, tr *Traffic) {
	b.ReportAllocs()
	total := 0
	for b.Loop() {
		ev, _ := tr.NextForShard(3, 16)
		total += len(ev.Data)
	}
	reportEventBytes(b, total)
}

func BenchmarkTrafficMessageCreate(b *testing.B) {
	tr := NewTraffic(TrafficConfig{Seed: 1, Guilds: 1000, ShardCount: 16, Mix: map[string]int{"MESSAGE_CREATE": 1}})
	b.ReportAllocs()
	total := 0
	for b.Loop() {
		total += len(tr.Next().Data)
	}
	reportEventBytes(b, total)
}

func BenchmarkTrafficGuildCreate(b *testing.B) {
	for _, c := range []struct {
		name  string
		index int
	}{{"typical", 0}, {"huge", 49}} {
		b.Run(c.name, func(b *testing.B) {
			tr := benchTraffic()
			id := tr.Guilds()[c.index]
			b.SetBytes(int64(len(tr.GuildCreate(id))))
			b.ReportAllocs()
			for b.Loop() {
				_ = tr.GuildCreate(id)
			}
		})
	}
}

func BenchmarkNewTraffic(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = NewTraffic(TrafficConfig{Seed: 1, Guilds: 1000, ShardCount: 16})
	}
}
