package gatewayutil_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// Many guilds on four shards, a PerGuild subscription on a few lanes, and
// handlers that take random time: every guild's events are handled one at
// a time and in the order of their sequence numbers, none is lost, and
// different guilds are handled at the same time.
func TestPerGuildKeepsOrderPerGuild(t *testing.T) {
	noLeak(t)
	const (
		shards           = 4
		guilds           = 64
		eventsPerGuild   = 150
		lanes            = 8
		dmEventsPerShard = 50
	)
	d := gatewayutil.NewDispatcher()
	var (
		mu       sync.Mutex
		seen     = make(map[uint64][]int64) // guild → seqs in handling order
		inGuild  = make(map[uint64]int)     // guild → handlers running
		overlap  int                        // times a guild had two handlers at once
		running  atomic.Int32
		parallel atomic.Int32 // most handlers seen running at once
	)
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) {
		g := e.GuildID()
		mu.Lock()
		inGuild[g]++
		if inGuild[g] > 1 {
			overlap++
		}
		seen[g] = append(seen[g], e.Seq)
		mu.Unlock()
		n := running.Add(1)
		for {
			p := parallel.Load()
			if n <= p || parallel.CompareAndSwap(p, n) {
				break
			}
		}
		if r := rand.IntN(4); r == 0 {
			time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond)
		} else if r == 1 {
			for range rand.IntN(2000) { // spin a little
				_ = e.Data[0]
			}
		}
		running.Add(-1)
		mu.Lock()
		inGuild[g]--
		mu.Unlock()
	}, gatewayutil.Deliver(gatewayutil.PerGuild), gatewayutil.Lanes(lanes), gatewayutil.QueueSize(8))

	var wg sync.WaitGroup
	for shard := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := &gatewayutil.Event{}
			seq := int64(0)
			for i := range eventsPerGuild {
				for g := shard; g < guilds; g += shards {
					seq++
					guild := uint64(41771983423143937 + g<<22)
					*e = *msg(seq, guild, uint64(g), uint64(i))
					e.Shard = shard
					if err := d.Dispatch(context.Background(), e); err != nil {
						t.Errorf("Dispatch: %v", err)
						return
					}
				}
				if shard == 0 && i < dmEventsPerShard {
					seq++
					*e = *msg(seq, 0, 5, 6) // a DM: the guild-less lane
					if err := d.Dispatch(context.Background(), e); err != nil {
						t.Errorf("Dispatch: %v", err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	closeOK(t, d)

	if overlap != 0 {
		t.Errorf("a guild had two handlers running at once %d times", overlap)
	}
	if len(seen) != guilds+1 {
		t.Errorf("%d guilds seen, want %d and the DM lane", len(seen), guilds)
	}
	for g, seqs := range seen {
		want := eventsPerGuild
		if g == 0 {
			want = dmEventsPerShard
		}
		if len(seqs) != want {
			t.Errorf("guild %d: %d events handled, want %d", g, len(seqs), want)
		}
		for i := 1; i < len(seqs); i++ {
			if seqs[i] <= seqs[i-1] {
				t.Errorf("guild %d: seq %d handled after %d", g, seqs[i], seqs[i-1])
				break
			}
		}
	}
	if p := parallel.Load(); p < 2 {
		t.Errorf("at most %d handler running at once: guilds were not handled in parallel", p)
	}
	st := d.Stats().Events[event.MessageCreate]
	if want := uint64(guilds*eventsPerGuild + dmEventsPerShard); st.Delivered != want || st.Dropped != 0 {
		t.Errorf("stats %+v, want %d delivered and none dropped", st, want)
	}
	t.Logf("at most %d handlers ran at once", parallel.Load())
}
