package bot_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/bot"
	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
)

// exampleManager runs a Manager of 2 shards against a time-scaled
// emulator whose bot may ask for all members.
func exampleManager() (*gatewaytest.Server, *gatewayutil.Manager) {
	emu, err := gatewaytest.NewServer(gatewaytest.Config{
		Guilds: 4, Shards: 2, MaxConcurrency: 2, TimeScale: 0.01,
		AllowedPrivileged: intents.GuildMembers,
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := emu.Start(context.Background()); err != nil {
		log.Fatal(err)
	}
	m, err := gatewayutil.NewManager(gatewayutil.ManagerConfig{
		Shard: gatewayutil.Config{
			Token:           gateway.NewToken("my-bot-token"),
			Intents:         intents.Guilds | intents.GuildMembers,
			ResumeURLPolicy: gatewayutil.LoopbackResumeURLs,
			CommandWindow:   600 * time.Millisecond, // 60 s, time-scaled
		},
		APIBase:        emu.APIURL(),
		IdentifyWindow: 50 * time.Millisecond, // 5 s, time-scaled
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := m.Start(context.Background()); err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.WaitReady(ctx); err != nil {
		log.Fatal(err)
	}
	return emu, m
}

func ExampleRequestGuildMembers() {
	emu, m := exampleManager()
	defer emu.Close()
	defer func() { _ = m.Shutdown(context.Background()) }()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The Manager sends it on the guild's shard; every chunk is collected.
	g := discord.Snowflake(emu.Guilds()[1])
	all, err := bot.RequestGuildMembers(ctx, m, discord.RequestGuildMembers{GuildID: g})
	if err != nil {
		log.Fatal(err) // *gatewayutil.IncompleteError names the chunks that came
	}
	fmt.Println("guild:", all.GuildID == g, "chunks:", all.Chunks, "members:", len(all.Members) > 0)

	some, err := bot.RequestGuildMembers(ctx, m, discord.RequestGuildMembers{GuildID: g, UserIDs: []discord.Snowflake{42}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("not found:", some.NotFound)
	// Output:
	// guild: true chunks: 1 members: true
	// not found: [42]
}

func ExampleRequestChannelInfo() {
	emu, m := exampleManager()
	defer emu.Close()
	defer func() { _ = m.Shutdown(context.Background()) }()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	g := discord.Snowflake(emu.Guilds()[2])
	info, err := bot.RequestChannelInfo(ctx, m, discord.RequestChannelInfo{GuildID: g, Fields: []string{discord.ChannelInfoStatus}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("CHANNEL_INFO for the guild:", info.GuildID == g)
	// Output: CHANNEL_INFO for the guild: true
}

func ExampleRequestSoundboardSounds() {
	emu, m := exampleManager()
	defer emu.Close()
	defer func() { _ = m.Shutdown(context.Background()) }()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Op 31 is answered for the shard's own guilds: group them by shard.
	byShard := map[int][]discord.Snowflake{}
	for _, g := range emu.Guilds() {
		id := m.ShardForGuild(g)
		byShard[id] = append(byShard[id], discord.Snowflake(g))
	}
	total := 0
	for id, guilds := range byShard {
		got, err := bot.RequestSoundboardSounds(ctx, m.Shard(id), discord.RequestSoundboardSounds{GuildIDs: guilds})
		if err != nil {
			log.Fatal(err)
		}
		total += len(got)
	}
	fmt.Println("SOUNDBOARD_SOUNDS for", total, "guilds")
	// Output: SOUNDBOARD_SOUNDS for 4 guilds
}
