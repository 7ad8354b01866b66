package encoding

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/gatewaykit/gateway/event"
)

// messageCreate returns the realistic MESSAGE_CREATE dispatch kept in
// testdata, without the file's final newline.
func messageCreate(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile("testdata/message_create.json")
	if err != nil {
		tb.Fatalf("read testdata: %v", err)
	}
	return bytes.TrimSpace(b)
}

// guildCreate builds a GUILD_CREATE dispatch of at least size bytes, shaped
// like Discord's: guild fields, roles, channels, then members with presences
// until the size is reached. The content is deterministic.
func guildCreate(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"t":"GUILD_CREATE","s":2,"op":0,"d":{"id":"1091403920930152448","name":"Gateway Kit — Dev Hub ✨","icon":"a_1b2c3d4e5f60718293a4b5c6d7e8f901","owner_id":"298765432109876543","afk_timeout":300,"verification_level":2,"default_message_notifications":1,"explicit_content_filter":2,"features":["COMMUNITY","NEWS","ANIMATED_ICON","INVITE_SPLASH","ROLE_ICONS"],"mfa_level":1,"premium_tier":2,"premium_subscription_count":9,"preferred_locale":"en-US","nsfw_level":0,"large":true,"unavailable":false,"joined_at":"2023-03-29T09:12:44.000000+00:00","member_count":48213,"roles":[`)
	for r := range 40 {
		if r > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%d","name":"role \"%d\" ⚙","color":%d,"hoist":%t,"position":%d,"permissions":"%d","managed":false,"mentionable":true,"icon":null,"unicode_emoji":null,"flags":0,"tags":{}}`,
			1091404163428028446+r*7919, r, r*104729%16777216, r%3 == 0, r, uint64(1)<<(r%50)|1071698660929)
	}
	b.WriteString(`],"channels":[`)
	for c := range 60 {
		if c > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%d","type":%d,"name":"channel-%d","position":%d,"parent_id":"1091403921475407000","topic":"Talk about\nthings #%d, \"politely\"","rate_limit_per_user":0,"nsfw":false,"last_message_id":"%d","permission_overwrites":[{"id":"1091403920930152448","type":0,"allow":"0","deny":"1024"},{"id":"%d","type":1,"allow":"3072","deny":"0"}]}`,
			1091403921475407882+c*31, c%6, c, c, c, 1434612333180436481+c*97, 298765432109876543+c)
	}
	b.WriteString(`],"members":[`)
	var presences bytes.Buffer
	for m := 0; b.Len()+presences.Len() < size; m++ {
		if m > 0 {
			b.WriteByte(',')
			presences.WriteByte(',')
		}
		id := 412345678901234567 + uint64(m)*1000003
		fmt.Fprintf(&b, `{"user":{"id":"%d","username":"user_%d","global_name":"Üser %d 🎮","discriminator":"0","avatar":"%032x","public_flags":%d,"bot":%t},"roles":["1091404163428028446","%d"],"nick":%s,"joined_at":"2024-0%d-1%dT10:2%d:00.%06d+00:00","premium_since":null,"deaf":false,"mute":false,"pending":false,"flags":0}`,
			id, m, m, id*2654435761, m%128, m%50 == 0, 1091404163428028446+(m%40)*7919, nick(m), 1+m%9, m%10, m%10, m*37%1000000)
		fmt.Fprintf(&presences, `{"user":{"id":"%d"},"status":"online","client_status":{"desktop":"online"},"activities":[{"name":"Custom Status","type":4,"state":"shipping gateway code \\o/","emoji":{"name":"🚀"},"created_at":%d}]}`,
			id, 1730000000000+m)
	}
	b.WriteString(`],"presences":[`)
	b.Write(presences.Bytes())
	b.WriteString(`],"voice_states":[],"threads":[],"stage_instances":[],"guild_scheduled_events":[],"soundboard_sounds":[]}}`)
	return b.Bytes()
}

func nick(m int) string {
	if m%3 == 0 {
		return "null"
	}
	return strconv.Quote("nick " + strconv.Itoa(m))
}

func benchDecode(b *testing.B, msg []byte) {
	b.Helper()
	codec := JSON()
	var env Envelope
	if err := codec.Decode(msg, &env); err != nil {
		b.Fatalf("Decode: %v", err)
	}
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := codec.Decode(msg, &env); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeMessageCreate is the hot path: one realistic dispatch.
func BenchmarkDecodeMessageCreate(b *testing.B) {
	benchDecode(b, messageCreate(b))
}

// BenchmarkDecodeHeartbeatACK measures the fixed cost of a tiny message.
func BenchmarkDecodeHeartbeatACK(b *testing.B) {
	benchDecode(b, []byte(`{"t":null,"s":null,"op":11,"d":null}`))
}

// BenchmarkDecodeGuildCreate100K and ...1M measure large dispatches, where
// the cost is all in validating d.
func BenchmarkDecodeGuildCreate100K(b *testing.B) { benchDecode(b, guildCreate(100<<10)) }
func BenchmarkDecodeGuildCreate1M(b *testing.B)   { benchDecode(b, guildCreate(1<<20)) }

func benchValid(b *testing.B, msg []byte) {
	b.Helper()
	if !json.Valid(msg) {
		b.Fatal("test message is not valid JSON")
	}
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if !json.Valid(msg) {
			b.Fatal("not valid")
		}
	}
}

// BenchmarkStdlibValidMessageCreate is the floor to compare with: only
// validating the same bytes with encoding/json.
func BenchmarkStdlibValidMessageCreate(b *testing.B) { benchValid(b, messageCreate(b)) }
func BenchmarkStdlibValidGuildCreate1M(b *testing.B) { benchValid(b, guildCreate(1<<20)) }

// BenchmarkStdlibUnmarshalMessageCreate is what a naive envelope decode
// costs: encoding/json into a struct with a json.RawMessage d.
func BenchmarkStdlibUnmarshalMessageCreate(b *testing.B) {
	msg := messageCreate(b)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		var env struct {
			Op int             `json:"op"`
			S  *int64          `json:"s"`
			T  *string         `json:"t"`
			D  json.RawMessage `json:"d"`
		}
		if err := json.Unmarshal(msg, &env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeHeartbeat(b *testing.B) {
	codec := JSON()
	env := Envelope{Op: 1, D: []byte("1337")}
	dst := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dst, err = codec.Encode(dst[:0], &env); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(dst)))
}

func BenchmarkEncodeDispatch(b *testing.B) {
	codec := JSON()
	var in Envelope
	if err := codec.Decode(messageCreate(b), &in); err != nil {
		b.Fatal(err)
	}
	if in.T != event.MessageCreate {
		b.Fatalf("T = %q", in.T)
	}
	dst := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dst, err = codec.Encode(dst[:0], &in); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(dst)))
}

// BenchmarkLookupGuildID reads guild_id from a MESSAGE_CREATE's d, as the
// dispatcher does to route an event; the bytes counted are d's.
func BenchmarkLookupGuildID(b *testing.B) {
	var e Envelope
	if err := JSON().Decode(messageCreate(b), &e); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(e.D)))
	b.ReportAllocs()
	for b.Loop() {
		raw, found, err := Lookup(e.D, "guild_id")
		if err != nil || !found {
			b.Fatal(found, err)
		}
		if _, ok := ParseSnowflake(raw); !ok {
			b.Fatal("guild_id is not a snowflake")
		}
	}
}

// BenchmarkLookupKeys3 reads guild_id, channel_id and author in one pass.
func BenchmarkLookupKeys3(b *testing.B) {
	var e Envelope
	if err := JSON().Decode(messageCreate(b), &e); err != nil {
		b.Fatal(err)
	}
	keys := []string{"guild_id", "channel_id", "author"}
	b.SetBytes(int64(len(e.D)))
	b.ReportAllocs()
	for b.Loop() {
		var v [3][]byte
		if err := LookupKeys(e.D, keys, v[:]); err != nil || v[2] == nil {
			b.Fatal(err)
		}
	}
}
