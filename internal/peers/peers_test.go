package peers

import (
	"context"
	"encoding/json"
	"runtime"
	"strconv"
	"testing"

	"github.com/bwmarrin/discordgo"
	arikawadiscord "github.com/diamondburned/arikawa/v3/discord"
	arikawagateway "github.com/diamondburned/arikawa/v3/gateway"
	"github.com/diamondburned/arikawa/v3/session"
	"github.com/diamondburned/arikawa/v3/state"
	"github.com/diamondburned/arikawa/v3/state/store/defaultstore"
	disgocache "github.com/disgoorg/disgo/cache"
	disgodiscord "github.com/disgoorg/disgo/discord"
	disgogateway "github.com/disgoorg/disgo/gateway"
	"github.com/disgoorg/snowflake/v2"

	"github.com/gatewaykit/gateway/cache"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// peer is one cache under test: feed gives it a GUILD_CREATE's d, member
// looks one member up.
type peer struct {
	name   string
	feed   func(d []byte) error
	member func(guildID, userID uint64) bool
	keep   any
}

func ours() *peer {
	c := cache.New(nil, cache.Policy{})
	seq := int64(0)
	return &peer{
		name: "gateway/cache",
		feed: func(d []byte) error {
			seq++
			return c.Dispatch(context.Background(), &gatewayutil.Event{Type: event.GuildCreate, Seq: seq, Data: d})
		},
		member: func(g, u uint64) bool { _, ok := c.Member(cache.Snowflake(g), cache.Snowflake(u)); return ok },
		keep:   c,
	}
}

func discordgoState() *peer {
	st := discordgo.NewState()
	return &peer{
		name: "discordgo v0.28.1 State",
		feed: func(d []byte) error {
			var gc discordgo.GuildCreate
			if err := json.Unmarshal(d, &gc); err != nil {
				return err
			}
			return st.GuildAdd(gc.Guild)
		},
		member: func(g, u uint64) bool {
			_, err := st.Member(strconv.FormatUint(g, 10), strconv.FormatUint(u, 10))
			return err == nil
		},
		keep: st,
	}
}

func arikawaState() *peer {
	cab := defaultstore.New()
	st := state.NewFromSession(session.New("Bot peer-measurement"), cab)
	return &peer{
		name: "arikawa v3.6.0 State (defaultstore)",
		feed: func(d []byte) error {
			ev := new(arikawagateway.GuildCreateEvent)
			if err := json.Unmarshal(d, ev); err != nil {
				return err
			}
			st.Session.Handler.Call(ev)
			return nil
		},
		member: func(g, u uint64) bool {
			_, err := cab.Member(arikawadiscord.GuildID(g), arikawadiscord.UserID(u))
			return err == nil
		},
		keep: st,
	}
}

func disgoCaches() *peer {
	caches := disgocache.New(disgocache.WithCaches(disgocache.FlagsAll))
	return &peer{
		name: "disgo v0.18.15 caches",
		feed: func(d []byte) error {
			var ev disgogateway.EventGuildCreate
			if err := json.Unmarshal(d, &ev); err != nil {
				return err
			}
			// What disgo's GUILD_CREATE handler does with the event.
			caches.AddGuild(ev.Guild)
			for _, ch := range ev.Channels {
				caches.AddChannel(disgodiscord.ApplyGuildIDToChannel(ch, ev.ID))
			}
			for _, th := range ev.Threads {
				caches.AddChannel(disgodiscord.ApplyGuildIDToThread(th, ev.ID))
			}
			for _, r := range ev.Roles {
				r.GuildID = ev.ID
				caches.AddRole(r)
			}
			for _, m := range ev.Members {
				m.GuildID = ev.ID
				caches.AddMember(m)
			}
			for _, vs := range ev.VoiceStates {
				vs.GuildID = ev.ID
				caches.AddVoiceState(vs)
			}
			for _, e := range ev.Emojis {
				e.GuildID = ev.ID
				caches.AddEmoji(e)
			}
			for _, s := range ev.Stickers {
				s.GuildID = &ev.ID
				caches.AddSticker(s)
			}
			for _, si := range ev.StageInstances {
				caches.AddStageInstance(si)
			}
			for _, se := range ev.GuildScheduledEvents {
				caches.AddGuildScheduledEvent(se)
			}
			for _, p := range ev.Presences {
				p.GuildID = ev.ID
				caches.AddPresence(p)
			}
			return nil
		},
		member: func(g, u uint64) bool {
			_, ok := caches.Member(snowflake.ID(g), snowflake.ID(u))
			return ok
		},
		keep: caches,
	}
}

var peers = []func() *peer{ours, discordgoState, arikawaState, disgoCaches}

// world is the emulator's world the measurements use: 1,000 guilds, every
// fiftieth one huge (2,000 members), as the emulator generates them.
func world() *gatewaytest.Traffic {
	return gatewaytest.NewTraffic(gatewaytest.TrafficConfig{Seed: 1, Guilds: 1000})
}

// heapOf feeds every GUILD_CREATE of the world to a new peer and returns
// the heap it holds afterwards.
func heapOf(t *testing.T, tr *gatewaytest.Traffic, mk func() *peer) (string, uint64) {
	var before, after runtime.MemStats
	gcTwice()
	runtime.ReadMemStats(&before)
	p := mk()
	for _, id := range tr.Guilds() {
		if err := p.feed(tr.GuildCreate(id)); err != nil {
			t.Fatalf("%s: guild %d: %v", p.name, id, err)
		}
	}
	gcTwice()
	runtime.ReadMemStats(&after)
	// Every peer must actually hold the members it was given.
	id := tr.Guilds()[0]
	var first struct {
		Members []struct {
			User struct {
				ID string `json:"id"`
			} `json:"user"`
		} `json:"members"`
	}
	if err := json.Unmarshal(tr.GuildCreate(id), &first); err != nil || len(first.Members) == 0 {
		t.Fatalf("world guild %d: %v", id, err)
	}
	uid, _ := strconv.ParseUint(first.Members[0].User.ID, 10, 64)
	if !p.member(id, uid) {
		t.Fatalf("%s does not hold member %d of guild %d", p.name, uid, id)
	}
	runtime.KeepAlive(p.keep)
	return p.name, after.HeapAlloc - before.HeapAlloc
}

// TestMemoryAgainstPeers reports the heap each cache holds per guild and
// per listed member after the same 1,000 GUILD_CREATEs, and checks the
// goal: ours at most a third of the smallest peer's.
func TestMemoryAgainstPeers(t *testing.T) {
	tr := world()
	members := 0
	for _, id := range tr.Guilds() {
		members += tr.GuildMemberCount(id)
	}
	guilds := float64(len(tr.Guilds()))
	var oursHeap uint64
	smallest := ^uint64(0)
	for i, mk := range peers {
		name, heap := heapOf(t, tr, mk)
		t.Logf("%-38s %8.0f bytes per guild  %6.0f bytes per member (heap / members listed: %d)", name, float64(heap)/guilds, float64(heap)/float64(members), members)
		if i == 0 {
			oursHeap = heap
		} else {
			smallest = min(smallest, heap)
		}
	}
	t.Logf("ours / smallest peer = %.3f", float64(oursHeap)/float64(smallest))
	if oursHeap*3 > smallest {
		t.Errorf("ours holds %d bytes, more than a third of the smallest peer's %d", oursHeap, smallest)
	}
}

// BenchmarkGuildCreate is the cost of applying one GUILD_CREATE of the
// world (decoding included), per peer.
func BenchmarkGuildCreate(b *testing.B) {
	tr := gatewaytest.NewTraffic(gatewaytest.TrafficConfig{Seed: 1, Guilds: 100, HugeEvery: -1})
	var payloads [][]byte
	for _, id := range tr.Guilds() {
		payloads = append(payloads, tr.GuildCreate(id))
	}
	for _, mk := range peers {
		p := mk()
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if err := p.feed(payloads[i%len(payloads)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMemberLookup is the cost of looking one member up by guild and
// user id, per peer.
func BenchmarkMemberLookup(b *testing.B) {
	tr := gatewaytest.NewTraffic(gatewaytest.TrafficConfig{Seed: 1, Guilds: 100, HugeEvery: -1})
	type key struct{ g, u uint64 }
	var keys []key
	for _, id := range tr.Guilds()[:20] {
		var gc struct {
			Members []struct {
				User struct {
					ID string `json:"id"`
				} `json:"user"`
			} `json:"members"`
		}
		_ = json.Unmarshal(tr.GuildCreate(id), &gc)
		for _, m := range gc.Members {
			u, _ := strconv.ParseUint(m.User.ID, 10, 64)
			keys = append(keys, key{id, u})
		}
	}
	for _, mk := range peers {
		p := mk()
		for _, id := range tr.Guilds() {
			if err := p.feed(tr.GuildCreate(id)); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				k := keys[i%len(keys)]
				if !p.member(k.g, k.u) {
					b.Fatalf("member %d of %d missing", k.u, k.g)
				}
			}
		})
	}
}

// gcTwice collects twice: the first collection moves what sync.Pools hold
// (decoder states that still point at the last payload they decoded) to
// their victim caches, the second frees it, so pooled buffers are not
// counted as cached state.
func gcTwice() {
	runtime.GC()
	runtime.GC()
}
