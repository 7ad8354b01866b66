package gatewayutil

import (
	"encoding/json"
	"testing"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/event"
)

// FuzzReplyTap feeds the reply tap what a hostile gateway could send as
// the answers it parses (GUILD_MEMBERS_CHUNK, RATE_LIMITED,
// SOUNDBOARD_SOUNDS, CHANNEL_INFO, READY, GUILD_CREATE) while a collector
// of each kind waits: it must not panic, must keep a member collector
// within the chunk count it announced, and must finish it only with every
// chunk or an error.
func FuzzReplyTap(f *testing.F) {
	f.Add(uint8(0), []byte(`{"guild_id":"5","members":[],"chunk_index":0,"chunk_count":2,"nonce":"n"}`))
	f.Add(uint8(0), []byte(`{"guild_id":"5","members":[],"chunk_index":1,"chunk_count":2,"nonce":"n"}`))
	f.Add(uint8(0), []byte(`{"guild_id":"5","chunk_index":-1,"chunk_count":2500000,"nonce":"n"}`))
	f.Add(uint8(0), []byte(`{"guild_id":"6","chunk_index":0,"chunk_count":1,"nonce":"n"}`))
	f.Add(uint8(1), []byte(`{"opcode":8,"retry_after":1e308,"meta":{"guild_id":"5","nonce":"n"}}`))
	f.Add(uint8(2), []byte(`{"guild_id":"5","soundboard_sounds":[]}`))
	f.Add(uint8(3), []byte(`{"guild_id":"5","channels":[]}`))
	f.Add(uint8(4), []byte(`{"guilds":[{"id":"5","unavailable":true},{"id":5}]}`))
	f.Add(uint8(5), []byte(`{"id":"5"}`))
	f.Add(uint8(5), []byte(`{"id":"99999999999999999999"}`))
	types := []string{event.GuildMembersChunk, event.RateLimited, event.SoundboardSounds, event.ChannelInfo, event.Ready, event.GuildCreate}
	f.Fuzz(func(t *testing.T, kind uint8, d []byte) {
		s, err := NewShard(Config{Token: gateway.NewToken("t"), URL: "ws://127.0.0.1:1"})
		if err != nil {
			t.Fatal(err)
		}
		tap := &s.replies
		mc := &memberCollector{guild: 5, nonce: "n", done: make(chan struct{})}
		tap.members = map[string]*memberCollector{"n": mc}
		tap.waiting.Add(1)
		sc := &soundCollector{want: map[uint64]bool{5: true}, got: map[uint64]json.RawMessage{}, done: make(chan struct{})}
		register(tap, &tap.sounds, sc)
		cc := &channelCollector{guild: 5, done: make(chan struct{})}
		register(tap, &tap.channels, cc)

		s.observe(types[int(kind)%len(types)], d)
		s.observe(types[int(kind/8)%len(types)], d)

		mc.mu.Lock()
		defer mc.mu.Unlock()
		if mc.count < 0 || mc.count > MaxMemberChunks || len(mc.chunks) != mc.count || mc.got > mc.count {
			t.Fatalf("collector out of bounds: count %d, %d chunks, got %d", mc.count, len(mc.chunks), mc.got)
		}
		if mc.closed && mc.err == nil && mc.got != mc.count {
			t.Fatalf("finished without error with %d of %d chunks", mc.got, mc.count)
		}
		if got := sc.got[5]; got != nil && !json.Valid(got) {
			t.Fatalf("soundboard answer kept invalid JSON %q", got)
		}
	})
}
