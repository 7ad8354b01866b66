package cache_test

import (
	"testing"
	"time"

	"github.com/gatewaykit/gateway/cache"
	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/event"
)

const (
	view    = discord.PermissionViewChannel
	send    = discord.PermissionSendMessages
	react   = discord.PermissionAddReactions
	embed   = discord.PermissionEmbedLinks
	attach  = discord.PermissionAttachFiles
	mention = discord.PermissionMentionEveryone
	history = discord.PermissionReadMessageHistory
	kick    = discord.PermissionKickMembers
)

// The cases follow Discord's permission documentation: the base is the
// @everyone role ORed with the member's roles; ADMINISTRATOR and the owner
// bypass everything; overwrites go @everyone, then the member's roles
// (their denies together, then their allows together), then the member;
// denying VIEW_CHANNEL denies everything, and denying SEND_MESSAGES takes
// MENTION_EVERYONE, SEND_TTS_MESSAGES, ATTACH_FILES and EMBED_LINKS with
// it; a timed-out member keeps VIEW_CHANNEL and READ_MESSAGE_HISTORY.
func TestComputePermissions(t *testing.T) {
	const guild, owner, user = 10, 11, 12
	const roleA, roleB = 20, 21
	roles := map[cache.Snowflake]cache.Role{
		guild: {ID: guild, Permissions: view | send | history | embed},
		roleA: {ID: roleA, Permissions: react},
		roleB: {ID: roleB, Permissions: kick},
	}
	ow := func(id cache.Snowflake, typ int, allow, deny discord.Permissions) discord.PermissionOverwrite {
		return discord.PermissionOverwrite{ID: id, Type: typ, Allow: allow, Deny: deny}
	}
	member := &cache.Member{UserID: user, Roles: cache.MakeRoleSet([]cache.Snowflake{roleA, roleB})}
	cases := []struct {
		name   string
		roles  map[cache.Snowflake]cache.Role
		member *cache.Member
		ows    []discord.PermissionOverwrite
		now    cache.Time
		want   discord.Permissions
	}{
		{"base is @everyone OR roles", roles, member, nil, 0, view | send | history | embed | react | kick},
		{"no roles: @everyone only", roles, &cache.Member{UserID: user}, nil, 0, view | send | history | embed},
		{"@everyone overwrite denies send", roles, member,
			[]discord.PermissionOverwrite{ow(guild, 0, 0, send)}, 0, view | history | react | kick},
		{"role overwrite allows what @everyone's overwrite denies", roles, member,
			[]discord.PermissionOverwrite{ow(guild, 0, 0, send), ow(roleA, 0, send, 0)}, 0, view | send | history | embed | react | kick},
		{"one role denies, another allows: the allow wins", roles, member,
			[]discord.PermissionOverwrite{ow(roleA, 0, 0, react), ow(roleB, 0, react, 0)}, 0, view | send | history | embed | react | kick},
		{"overwrite of a role the member lacks is ignored", roles, &cache.Member{UserID: user, Roles: cache.MakeRoleSet([]cache.Snowflake{roleB})},
			[]discord.PermissionOverwrite{ow(roleA, 0, mention, 0)}, 0, view | send | history | embed | kick},
		{"member overwrite beats role overwrite", roles, member,
			[]discord.PermissionOverwrite{ow(roleA, 0, attach, 0), ow(user, 1, 0, attach)}, 0, view | send | history | embed | react | kick},
		{"member overwrite allows", roles, member,
			[]discord.PermissionOverwrite{ow(user, 1, attach, 0)}, 0, view | send | history | embed | react | kick | attach},
		{"member overwrite typed as role does not apply to the member", roles, member,
			[]discord.PermissionOverwrite{ow(user, 0, attach, 0)}, 0, view | send | history | embed | react | kick},
		{"no VIEW_CHANNEL: nothing", roles, member,
			[]discord.PermissionOverwrite{ow(guild, 0, 0, view)}, 0, 0},
		{"no SEND_MESSAGES: no embed, attach, mention", roles, member,
			[]discord.PermissionOverwrite{ow(user, 1, attach|mention, send)}, 0, view | history | react | kick},
		{"administrator bypasses overwrites", map[cache.Snowflake]cache.Role{
			guild: {ID: guild, Permissions: view}, roleA: {ID: roleA, Permissions: discord.PermissionAdministrator}},
			member, []discord.PermissionOverwrite{ow(user, 1, 0, view)}, 0, cache.AllPermissions},
		{"owner has everything", roles, &cache.Member{UserID: owner},
			[]discord.PermissionOverwrite{ow(guild, 0, 0, view)}, 0, cache.AllPermissions},
		{"timed out: view and history only", roles, timedOut(&cache.Member{UserID: user, Roles: cache.MakeRoleSet([]cache.Snowflake{roleA})}, 2000),
			nil, 1000, view | history},
		{"timeout over: back to normal", roles, timedOut(&cache.Member{UserID: user}, 500),
			nil, 1000, view | send | history | embed},
	}
	for _, tc := range cases {
		got := cache.ComputePermissions(guild, owner, tc.roles, tc.member, tc.ows, tc.now)
		if got != tc.want {
			t.Errorf("%s: got %b, want %b", tc.name, got, tc.want)
		}
	}
}

// TestCachePermissions asks the cache itself, a thread taking its parent's
// overwrites.
func TestCachePermissions(t *testing.T) {
	c, f := newFed(t, cache.Policy{})
	f.send(event.GuildCreate, guildJSON)
	f.send(event.ChannelUpdate, `{"id":"300","type":0,"guild_id":"100","name":"general","permission_overwrites":[{"id":"100","type":0,"allow":"0","deny":"1024"},{"id":"200","type":0,"allow":"1024","deny":"0"}]}`)
	now := cache.Time(time.Now().UnixMicro())
	for _, tc := range []struct {
		channel, user cache.Snowflake
		want          discord.Permissions
		err           bool
	}{
		{300, 2, view | discord.PermissionManageMessages, false}, // mod role re-allows view
		{302, 2, view | discord.PermissionManageMessages, false}, // thread: parent's overwrites
		{301, 2, view | discord.PermissionManageMessages, false},
		{300, 1, cache.AllPermissions, false}, // owner
		{300, 77, 0, true},
		{999, 2, 0, true},
	} {
		got, err := c.Permissions(100, tc.channel, tc.user, now)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("channel %d user %d: got %b, %v; want %b (error %v)", tc.channel, tc.user, got, err, tc.want, tc.err)
		}
	}
	if p, err := c.GuildPermissions(100, 2); err != nil || p != view|discord.PermissionManageMessages {
		t.Errorf("guild permissions %b %v", p, err)
	}
}

func timedOut(m *cache.Member, until cache.Time) *cache.Member {
	m.SetRare("", 0, until)
	return m
}
