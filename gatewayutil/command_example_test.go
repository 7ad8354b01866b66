package gatewayutil_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"strconv"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/opcode"
)

// startExampleEmulator starts a time-scaled emulator for the examples.
func startExampleEmulator(cfg gatewaytest.Config) *gatewaytest.Server {
	cfg.TimeScale = 0.01
	emu, err := gatewaytest.NewServer(cfg)
	if err != nil {
		log.Fatal(err)
	}
	if err := emu.Start(context.Background()); err != nil {
		log.Fatal(err)
	}
	return emu
}

// exampleShard runs a shard against emu until ctx ends.
func exampleShard(ctx context.Context, emu *gatewaytest.Server, cfg gatewayutil.Config) *gatewayutil.Shard {
	cfg.Token = gateway.NewToken("my-bot-token")
	cfg.URL = emu.URL()
	cfg.ResumeURLPolicy = gatewayutil.LoopbackResumeURLs
	cfg.CommandWindow = 600 * time.Millisecond // the emulator's 60 s, time-scaled
	if cfg.Intents == 0 {
		cfg.Intents = intents.Guilds
	}
	sh, err := gatewayutil.NewShard(cfg)
	if err != nil {
		log.Fatal(err)
	}
	go func() { _ = sh.Run(ctx) }()
	return sh
}

// idle is a command of the bot's own: an Update Presence (op 3). Any type
// with Op and AppendPayload is a Command; the discord package has them
// all, typed.
type idle struct{ since int64 }

func (idle) Op() opcode.Opcode { return opcode.PresenceUpdate }

func (p idle) AppendPayload(dst []byte) ([]byte, error) {
	dst = append(dst, `{"since":`...)
	dst = strconv.AppendInt(dst, p.since, 10)
	return append(dst, `,"activities":[],"status":"idle","afk":true}`...), nil
}

func ExampleShard_SendCommand() {
	emu := startExampleEmulator(gatewaytest.Config{Guilds: 1})
	defer emu.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sh := exampleShard(ctx, emu, gatewayutil.Config{})

	// SendCommand waits for the connection and for the command limiter.
	sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
	defer scancel()
	if err := sh.SendCommand(sctx, idle{since: 1700000000000}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("sent")
	// Output: sent
}

// guildCommand is a raw Request Channel Info (op 43) for one guild.
type guildCommand struct{ guild uint64 }

func (guildCommand) Op() opcode.Opcode { return opcode.RequestChannelInfo }
func (c guildCommand) Guild() uint64   { return c.guild }
func (c guildCommand) AppendPayload(dst []byte) ([]byte, error) {
	dst = append(dst, `{"guild_id":"`...)
	dst = strconv.AppendUint(dst, c.guild, 10)
	return append(dst, `","fields":["status"]}`...), nil
}

func ExampleShard_RequestChannelInfo() {
	emu := startExampleEmulator(gatewaytest.Config{Guilds: 1})
	defer emu.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sh := exampleShard(ctx, emu, gatewayutil.Config{})

	g := emu.Guilds()[0]
	d, err := sh.RequestChannelInfo(ctx, guildCommand{guild: g})
	if err != nil {
		log.Fatal(err)
	}
	var info struct {
		GuildID string `json:"guild_id"`
	}
	_ = json.Unmarshal(d, &info)
	fmt.Println("CHANNEL_INFO for our guild:", info.GuildID == strconv.FormatUint(g, 10))
	// Output: CHANNEL_INFO for our guild: true
}

// members is a raw Request Guild Members (op 8) by user id.
type members struct {
	guild uint64
	user  uint64
	nonce string
}

func (members) Op() opcode.Opcode      { return opcode.RequestGuildMembers }
func (m members) Guild() uint64        { return m.guild }
func (m members) RequestNonce() string { return m.nonce }
func (m members) AppendPayload(dst []byte) ([]byte, error) {
	return fmt.Appendf(dst, `{"guild_id":"%d","user_ids":["%d"],"nonce":%q}`, m.guild, m.user, m.nonce), nil
}

func ExampleShard_RequestGuildMembers() {
	emu := startExampleEmulator(gatewaytest.Config{Guilds: 1})
	defer emu.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sh := exampleShard(ctx, emu, gatewayutil.Config{})

	// The bot is a member of its guild; user 42 is not.
	got, err := sh.RequestGuildMembers(ctx, members{guild: emu.Guilds()[0], user: 42, nonce: "n1"})
	if err != nil {
		log.Fatal(err)
	}
	var chunk struct {
		Members  []json.RawMessage `json:"members"`
		NotFound []string          `json:"not_found"`
	}
	_ = json.Unmarshal(got.Chunks[0], &chunk)
	fmt.Println("chunks:", len(got.Chunks), "members:", len(chunk.Members), "not found:", chunk.NotFound)
	// Output: chunks: 1 members: 0 not found: [42]
}

// sounds is a raw Request Soundboard Sounds (op 31).
type sounds struct{ guilds []uint64 }

func (sounds) Op() opcode.Opcode  { return opcode.RequestSoundboardSounds }
func (s sounds) Guilds() []uint64 { return s.guilds }
func (s sounds) AppendPayload(dst []byte) ([]byte, error) {
	dst = append(dst, `{"guild_ids":[`...)
	for i, g := range s.guilds {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendQuote(dst, strconv.FormatUint(g, 10))
	}
	return append(dst, "]}"...), nil
}

func ExampleShard_RequestSoundboardSounds() {
	emu := startExampleEmulator(gatewaytest.Config{Guilds: 2})
	defer emu.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sh := exampleShard(ctx, emu, gatewayutil.Config{})

	got, err := sh.RequestSoundboardSounds(ctx, sounds{guilds: emu.Guilds()})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("SOUNDBOARD_SOUNDS for", len(got), "guilds")
	// Output: SOUNDBOARD_SOUNDS for 2 guilds
}
