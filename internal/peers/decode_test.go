package peers

import (
	"encoding/json"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	arikawagateway "github.com/diamondburned/arikawa/v3/gateway"
	arikawajson "github.com/diamondburned/arikawa/v3/utils/json"
	disgogateway "github.com/disgoorg/disgo/gateway"

	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/encoding"
)

// messageCreateD returns the d of the 1.45 KB MESSAGE_CREATE that the
// encoding and discord benchmarks use.
func messageCreateD(tb testing.TB) []byte {
	tb.Helper()
	msg, err := os.ReadFile("../../encoding/testdata/message_create.json")
	if err != nil {
		tb.Fatal(err)
	}
	d, found, err := encoding.Lookup(msg, "d")
	if err != nil || !found {
		tb.Fatalf("no d in message_create.json: %v", err)
	}
	return d
}

// decodedMessage is what every decoder must agree on, so that the
// benchmarks compare decoders that did the work.
type decodedMessage struct {
	id, author, content string
	embeds, mentions    int
}

// messageDecoders decode a MESSAGE_CREATE d the way each library does when
// the event arrives: ours into a new discord.MessageCreate (as
// gatewayutil.On does), discordgo with encoding/json into a new
// *discordgo.MessageCreate (its onEvent), arikawa with its json driver
// (encoding/json by default) into a new gateway.MessageCreateEvent, disgo
// through gateway.UnmarshalEventData (disgoorg/json, encoding/json by
// default).
var messageDecoders = []struct {
	name, short string
	// decode decodes d and returns the decoded value; it is all the
	// benchmark runs.
	decode func(d []byte) (any, error)
	// summary reads the fields the decoders must agree on from what
	// decode returned.
	summary func(v any) decodedMessage
}{
	{"gateway discord.MessageCreate (DecodeJSON)", "gateway-typed",
		func(d []byte) (any, error) { m := new(discord.MessageCreate); return m, m.DecodeJSON(d) },
		func(v any) decodedMessage {
			m := v.(*discord.MessageCreate)
			return decodedMessage{m.ID.String(), m.Author.ID.String(), m.Content, len(m.Embeds), len(m.Mentions)}
		}},
	{"gateway discord.MessageCreate (encoding/json)", "gateway-encoding-json",
		func(d []byte) (any, error) { m := new(discord.MessageCreate); return m, json.Unmarshal(d, m) },
		func(v any) decodedMessage {
			m := v.(*discord.MessageCreate)
			return decodedMessage{m.ID.String(), m.Author.ID.String(), m.Content, len(m.Embeds), len(m.Mentions)}
		}},
	{"discordgo v0.28.1", "discordgo",
		func(d []byte) (any, error) { m := new(discordgo.MessageCreate); return m, json.Unmarshal(d, m) },
		func(v any) decodedMessage {
			m := v.(*discordgo.MessageCreate)
			return decodedMessage{m.ID, m.Author.ID, m.Content, len(m.Embeds), len(m.Mentions)}
		}},
	{"arikawa v3.6.0", "arikawa",
		func(d []byte) (any, error) {
			m := new(arikawagateway.MessageCreateEvent)
			return m, arikawajson.Unmarshal(d, m)
		},
		func(v any) decodedMessage {
			m := v.(*arikawagateway.MessageCreateEvent)
			return decodedMessage{m.ID.String(), m.Author.ID.String(), m.Content, len(m.Embeds), len(m.Mentions)}
		}},
	{"disgo v0.18.15", "disgo",
		func(d []byte) (any, error) {
			return disgogateway.UnmarshalEventData(d, disgogateway.EventTypeMessageCreate)
		},
		func(v any) decodedMessage {
			m := v.(disgogateway.EventMessageCreate)
			return decodedMessage{m.ID.String(), m.Author.ID.String(), m.Content, len(m.Embeds), len(m.Mentions)}
		}},
}

// TestMessageCreateDecodersAgree checks that every decoder of the
// benchmark reads the payload without error and to the same message.
func TestMessageCreateDecodersAgree(t *testing.T) {
	d := messageCreateD(t)
	var want decodedMessage
	for i, dec := range messageDecoders {
		v, err := dec.decode(d)
		if err != nil {
			t.Fatalf("%s: %v", dec.name, err)
		}
		got := dec.summary(v)
		if i == 0 {
			want = got
			if got.id == "" || got.id == "0" || got.content == "" || got.embeds == 0 || got.mentions == 0 {
				t.Fatalf("%s decoded too little: %+v", dec.name, got)
			}
			continue
		}
		if got != want {
			t.Errorf("%s decoded %+v, %s decoded %+v", dec.name, got, messageDecoders[0].name, want)
		}
	}
}

// BenchmarkMessageCreateDecode decodes the same MESSAGE_CREATE d with each
// library's own types and decoder, in one run. cpu-ns/op is the process's
// CPU time per decode, garbage collection included (steadier than ns/op on
// a shared machine).
func BenchmarkMessageCreateDecode(b *testing.B) {
	d := messageCreateD(b)
	for i, dec := range messageDecoders {
		b.Run(strconv.Itoa(i)+"="+dec.short, func(b *testing.B) {
			b.SetBytes(int64(len(d)))
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				if _, err := dec.decode(d); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}

// cpuTime returns the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
