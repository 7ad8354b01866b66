package cache_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gatewaykit/gateway/cache"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// fuzzEvent builds one event from three bytes: which kind, and two small
// ids (guild, and channel/user/role), so that random sequences keep
// hitting the same objects.
func fuzzEvent(op, a, b byte) (string, string) {
	g := 100 + int(a%3)
	x := 1 + int(b%5)
	ch := g*10 + x
	user := fmt.Sprintf(`{"id":"%d","username":"u%d","discriminator":"0","global_name":null,"avatar":null}`, x, x)
	member := fmt.Sprintf(`{"guild_id":"%d","user":%s,"roles":["%d"],"joined_at":"2025-01-01T00:00:00+00:00","flags":0}`, g, user, g*100+x)
	switch op % 26 {
	case 0:
		return event.GuildCreate, fmt.Sprintf(`{"id":"%d","name":"g","owner_id":"1","roles":[{"id":"%d","name":"@everyone","permissions":"1024","position":0}],"channels":[{"id":"%d","type":0,"name":"c"}],"threads":[{"id":"%d","type":11,"parent_id":"%d","thread_metadata":{"archived":false,"auto_archive_duration":60,"archive_timestamp":"2025-01-01T00:00:00+00:00","locked":false}}],"members":[{"user":%s,"roles":[],"joined_at":"2025-01-01T00:00:00+00:00","flags":0}],"voice_states":[{"channel_id":"%d","user_id":"%d","session_id":"s","deaf":false,"mute":false,"self_deaf":false,"self_mute":false,"self_video":false,"suppress":false}]}`, g, g, ch, ch+1, ch, user, ch, x)
	case 1:
		return event.GuildCreate, fmt.Sprintf(`{"id":"%d","unavailable":true}`, g)
	case 2:
		return event.GuildDelete, fmt.Sprintf(`{"id":"%d","unavailable":true}`, g)
	case 3:
		return event.GuildDelete, fmt.Sprintf(`{"id":"%d"}`, g)
	case 4:
		return event.GuildUpdate, fmt.Sprintf(`{"id":"%d","name":"g2","owner_id":"%d","roles":[{"id":"%d","name":"@everyone","permissions":"8","position":0}]}`, g, x, g)
	case 5:
		return event.ChannelCreate, fmt.Sprintf(`{"id":"%d","type":0,"guild_id":"%d","name":"n","permission_overwrites":[{"id":"%d","type":1,"allow":"1024","deny":"0"}]}`, ch, g, x)
	case 6:
		return event.ChannelDelete, fmt.Sprintf(`{"id":"%d","type":0,"guild_id":"%d"}`, ch, g)
	case 7:
		return event.ThreadCreate, fmt.Sprintf(`{"id":"%d","type":11,"guild_id":"%d","parent_id":"%d","thread_metadata":{"archived":false,"auto_archive_duration":60,"archive_timestamp":"2025-01-01T00:00:00+00:00","locked":false}}`, ch+5, g, ch)
	case 8:
		return event.ThreadDelete, fmt.Sprintf(`{"id":"%d","type":11,"guild_id":"%d","parent_id":"%d"}`, ch+5, g, ch)
	case 9:
		return event.ThreadListSync, fmt.Sprintf(`{"guild_id":"%d","channel_ids":["%d"],"threads":[],"members":[]}`, g, ch)
	case 10:
		return event.GuildMemberAdd, member
	case 11:
		return event.GuildMemberUpdate, member
	case 12:
		return event.GuildMemberRemove, fmt.Sprintf(`{"guild_id":"%d","user":%s}`, g, user)
	case 13:
		return event.GuildMembersChunk, fmt.Sprintf(`{"guild_id":"%d","members":[%s,%s],"chunk_index":0,"chunk_count":1}`, g, member, member)
	case 14:
		return event.GuildRoleCreate, fmt.Sprintf(`{"guild_id":"%d","role":{"id":"%d","name":"r","permissions":"2048","position":1}}`, g, g*100+x)
	case 15:
		return event.GuildRoleDelete, fmt.Sprintf(`{"guild_id":"%d","role_id":"%d"}`, g, g*100+x)
	case 16:
		return event.VoiceStateUpdate, fmt.Sprintf(`{"guild_id":"%d","channel_id":"%d","user_id":"%d","session_id":"s","deaf":false,"mute":false,"self_deaf":false,"self_mute":false,"self_video":false,"suppress":false}`, g, ch, x)
	case 17:
		return event.VoiceStateUpdate, fmt.Sprintf(`{"guild_id":"%d","channel_id":null,"user_id":"%d","session_id":"s","deaf":false,"mute":false,"self_deaf":false,"self_mute":false,"self_video":false,"suppress":false}`, g, x)
	case 18:
		return event.PresenceUpdate, fmt.Sprintf(`{"guild_id":"%d","user":{"id":"%d"},"status":"online","activities":[],"client_status":{}}`, g, x)
	case 19:
		return event.MessageCreate, fmt.Sprintf(`{"id":"%d","channel_id":"%d","guild_id":"%d","author":%s,"content":"x","timestamp":"2025-01-01T00:00:00+00:00","tts":false,"mention_everyone":false,"mentions":[],"mention_roles":[],"attachments":[],"embeds":[],"pinned":false,"type":0}`, 1000+int(b), ch, g, user)
	case 20:
		if b&1 == 0 {
			return event.ThreadMembersUpdate, fmt.Sprintf(`{"id":"%d","guild_id":"%d","member_count":%d}`, ch+5, g, b)
		}
		return event.MessageDeleteBulk, fmt.Sprintf(`{"ids":["%d"],"channel_id":"%d","guild_id":"%d"}`, 1000+int(b), ch, g)
	case 22:
		if b&1 == 0 {
			return event.ChannelPinsUpdate, fmt.Sprintf(`{"guild_id":"%d","channel_id":"%d","last_pin_timestamp":"2025-01-01T00:00:00+00:00"}`, g, ch)
		}
		return event.ChannelPinsUpdate, fmt.Sprintf(`{"channel_id":"%d","last_pin_timestamp":null}`, 900+x)
	case 23:
		return event.VoiceChannelStatusUpdate, fmt.Sprintf(`{"id":"%d","guild_id":"%d","status":"s%d"}`, ch, g, b)
	case 24:
		return event.MessageCreate, fmt.Sprintf(`{"id":"%d","channel_id":"%d","author":%s,"content":"dm","timestamp":"2025-01-01T00:00:00+00:00","type":0}`, 2000+int(b), 900+x, user)
	case 25:
		if b&1 == 0 {
			return event.ChannelCreate, fmt.Sprintf(`{"id":"%d","type":1,"recipients":[%s]}`, 900+x, user)
		}
		return event.ChannelDelete, fmt.Sprintf(`{"id":"%d","type":1}`, 900+x)
	default:
		return event.Ready, fmt.Sprintf(`{"v":10,"user":%s,"guilds":[{"id":"%d","unavailable":true}],"session_id":"s%d","resume_gateway_url":"ws://x"}`, user, g, b)
	}
}

// FuzzEventSequence applies random sequences of events (some with
// malformed data, some replayed, on two shards) and checks that nothing
// panics and nothing dangles.
func FuzzEventSequence(f *testing.F) {
	f.Add([]byte{0, 1, 1, 10, 1, 2, 5, 1, 3, 6, 1, 3, 3, 1, 0})
	f.Add([]byte{21, 0, 0, 0, 0, 0, 7, 0, 0, 13, 0, 1, 19, 0, 0, 2, 0, 0, 3, 0, 0})
	f.Add([]byte{0, 2, 2, 4, 2, 2, 14, 2, 2, 15, 2, 2, 12, 2, 2, 9, 2, 2, 8, 2, 2})
	// Pins, voice status and DMs, and the same shard id under a second
	// shard count (op bytes with the high bit set), as during a reshard.
	f.Add([]byte{0, 0, 0, 22, 0, 0, 22, 0, 1, 23, 0, 0, 24, 0, 0, 24, 0, 1, 24, 0, 2, 25, 0, 0, 25, 0, 1, 128 + 21, 0, 0, 128, 0, 0, 128 + 10, 0, 3, 10, 0, 3})
	f.Fuzz(func(t *testing.T, ops []byte) {
		c := cache.New(nil, cache.Policy{Kinds: cache.KindAll, MessagesPerChannel: 3, MaxPerGuild: 4, MaxMembersPerGuild: 3, MaxGuilds: 2, MaxDMChannels: 2})
		seq := [4]int64{} // two shards of two counts, as during a reshard
		for i := 0; i+2 < len(ops) && i < 600; i += 3 {
			typ, data := fuzzEvent(ops[i], ops[i+1], ops[i+2])
			shard := int(ops[i+1]>>7)&1 | int(ops[i]>>7)<<1 // index: id, count
			switch {
			case ops[i+2]&0x40 != 0 && len(data) > 4:
				data = data[:len(data)*int(ops[i+2]&0x3f)/64] // truncated
			case ops[i+2]&0x20 != 0 && seq[shard] > 1:
				seq[shard]-- // a replay
			}
			if typ == event.Ready {
				seq[shard] = 0
			}
			seq[shard]++
			e := &gatewayutil.Event{Shard: shard & 1, ShardCount: 1 + shard>>1, Type: typ, Seq: seq[shard], Data: []byte(data)}
			_ = c.Dispatch(context.Background(), e)
			cache.Old[cache.Member](c, e)
			if err := c.CheckInvariants(); err != nil {
				t.Fatalf("after %s %s: %v", typ, data, err)
			}
		}
		for _, id := range c.GuildIDs() {
			for _, ch := range c.Channels(id) {
				_, _ = c.Permissions(id, ch.ID, 1, 1)
			}
		}
	})
}
