package intents_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/intents"
)

func TestTotals(t *testing.T) {
	if intents.All != 53608447 || intents.NonPrivileged != 53575421 || intents.Privileged != 33026 {
		t.Fatalf("All=%d NonPrivileged=%d Privileged=%d", intents.All, intents.NonPrivileged, intents.Privileged)
	}
	if intents.All.Count() != 21 {
		t.Fatalf("All has %d bits, want 21", intents.All.Count())
	}
}

func TestNamesBothWays(t *testing.T) {
	for bit := intents.Intent(1); bit != 0; bit <<= 1 {
		name, ok := intents.Name(bit)
		if ok != (bit&intents.All != 0) {
			t.Fatalf("Name(%#x) ok=%v", uint64(bit), ok)
		}
		if !ok {
			continue
		}
		got, ok := intents.Lookup(name)
		if !ok || got != bit {
			t.Fatalf("Lookup(%q) = %v, %v", name, got, ok)
		}
	}
	if n, _ := intents.Name(intents.GuildMessagePolls); n != "GUILD_MESSAGE_POLLS" {
		t.Fatal(n)
	}
}

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want intents.Intent
	}{
		{"GUILDS|GUILD_MESSAGES", intents.Guilds | intents.GuildMessages},
		{"guilds, guild_messages", intents.Guilds | intents.GuildMessages},
		{"513", 513},
		{"0x201", 513},
		{"GUILDS|512", 513},
		{"GUILD_BANS", intents.GuildModeration},
		{"GUILD_EMOJIS_AND_STICKERS", intents.GuildExpressions},
		{"all", intents.All},
		{"", 0},
		{"DIRECT_MESSAGE_POLLS", 1 << 25},
	}
	for _, c := range cases {
		got, err := intents.Parse(c.in)
		if err != nil || got != c.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"GUILDZ", "GUILDS|NOPE", "131072", "1<<3", "-1", "99999999999999999999999"} {
		_, err := intents.Parse(bad)
		if err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
	_, err := intents.Parse("GUILDS|NOPE")
	var ue *intents.UnknownError
	if !errors.Is(err, intents.ErrUnknown) || !errors.As(err, &ue) || ue.Name != "NOPE" {
		t.Fatalf("err = %v", err)
	}
	_, err = intents.Parse("131072")
	if !errors.As(err, &ue) || ue.Bits != 1<<17 {
		t.Fatalf("err = %v", err)
	}
}

func TestStringRoundTrip(t *testing.T) {
	for _, i := range []intents.Intent{0, 1, 513, intents.All, intents.Privileged, intents.NonPrivileged} {
		got, err := intents.Parse(i.String())
		if err != nil || got != i {
			t.Errorf("Parse(%q) = %v, %v", i.String(), got, err)
		}
	}
	if s := (intents.Guilds | 1<<17).String(); s != "GUILDS|0x20000" {
		t.Fatal(s)
	}
}

func TestEveryEventInTable(t *testing.T) {
	for _, e := range event.All {
		_, _, _, known := intents.Required(e)
		if !known {
			t.Errorf("%s missing from the event→intent table", e)
		}
	}
}

func TestFor(t *testing.T) {
	cases := []struct {
		events []string
		want   intents.Intent
	}{
		{[]string{event.MessageCreate}, intents.GuildMessages | intents.DirectMessages},
		{[]string{event.GuildCreate, event.PresenceUpdate}, intents.Guilds | intents.GuildPresences},
		{[]string{event.Ready, event.InteractionCreate, event.GuildMembersChunk}, 0},
		{[]string{event.MessagePollVoteAdd}, intents.GuildMessagePolls | intents.DirectMessagePolls},
		{[]string{event.TypingStart}, intents.GuildMessageTyping | intents.DirectMessageTyping},
		{[]string{event.AutoModerationActionExecution}, intents.AutoModerationExecution},
		{[]string{"UNKNOWN_THING"}, 0},
	}
	for _, c := range cases {
		if got := intents.For(c.events...); got != c.want {
			t.Errorf("For(%v) = %v, want %v", c.events, got, c.want)
		}
	}
	if got := intents.ForScope(intents.InGuilds, event.MessageCreate, event.MessageReactionAdd); got != intents.GuildMessages|intents.GuildMessageReactions {
		t.Errorf("ForScope guilds = %v", got)
	}
	if got := intents.ForScope(intents.InDMs, event.MessageCreate); got != intents.DirectMessages {
		t.Errorf("ForScope DMs = %v", got)
	}
	if intents.For(event.All...).Has(intents.MessageContent) {
		t.Error("For must never add MESSAGE_CONTENT")
	}
	if got := intents.For(event.All...); got != intents.All&^intents.MessageContent {
		t.Errorf("For(all events) = %v", got)
	}
}

func TestDelivers(t *testing.T) {
	i := intents.GuildMessages
	if !i.Delivers(event.MessageCreate, intents.InGuilds) || i.Delivers(event.MessageCreate, intents.InDMs) {
		t.Fatal("MESSAGE_CREATE scope")
	}
	if !intents.Intent(0).Delivers(event.Ready, intents.Anywhere) {
		t.Fatal("READY needs no intent")
	}
	ev := (intents.GuildModeration).Events()
	slices.Sort(ev)
	if !slices.Equal(ev, []string{"GUILD_AUDIT_LOG_ENTRY_CREATE", "GUILD_BAN_ADD", "GUILD_BAN_REMOVE"}) {
		t.Fatal(ev)
	}
	if !intents.Guilds.StripsContent() || (intents.Guilds | intents.MessageContent).StripsContent() {
		t.Fatal("StripsContent")
	}
}
