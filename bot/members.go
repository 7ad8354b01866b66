package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// MemberRequester is what can collect the answer to a Request Guild
// Members: a *gatewayutil.Shard (the guild must be on it) or a
// *gatewayutil.Manager (which picks the guild's shard).
type MemberRequester interface {
	RequestGuildMembers(ctx context.Context, req gatewayutil.MembersRequest) (*gatewayutil.MemberChunks, error)
}

// Members is the whole answer to a Request Guild Members, its chunks
// merged.
type Members struct {
	GuildID discord.Snowflake // the guild asked about
	Nonce   string            // the request's nonce, which every chunk carried
	// Members in the order the chunks gave them.
	Members []discord.Member
	// Presences of the members, when asked for with Presences.
	Presences []discord.Presence
	// NotFound are the requested user ids that are not members.
	NotFound []discord.Snowflake
	// Chunks is how many GUILD_MEMBERS_CHUNK dispatches the answer took.
	Chunks int
}

// RequestGuildMembers sends req (op 8) through r and returns every member
// of the answer, decoded. An empty req.Nonce gets a random one. Errors are
// gatewayutil's: *gatewayutil.CommandError when the command could not be
// sent, *gatewayutil.IncompleteError (naming the chunks that arrived) when
// ctx ended first, *gatewayutil.RateLimitedError when the gateway refused
// it; a chunk that does not decode is an error naming its index.
func RequestGuildMembers(ctx context.Context, r MemberRequester, req discord.RequestGuildMembers) (*Members, error) {
	if req.Nonce == "" {
		req.Nonce = newNonce()
	}
	raw, err := r.RequestGuildMembers(ctx, req)
	if err != nil {
		return nil, err
	}
	out := &Members{GuildID: discord.Snowflake(raw.GuildID), Nonce: raw.Nonce, Chunks: len(raw.Chunks)}
	for i, d := range raw.Chunks {
		var c discord.GuildMembersChunk
		if err := c.DecodeJSON(d); err != nil {
			return nil, fmt.Errorf("bot: guild %d nonce %q: chunk %d of %d: %w", raw.GuildID, raw.Nonce, i, len(raw.Chunks), err)
		}
		out.Members = append(out.Members, c.Members...)
		out.Presences = append(out.Presences, c.Presences...)
		out.NotFound = append(out.NotFound, c.NotFound...)
	}
	return out, nil
}

// newNonce returns 16 random bytes in hex: 32 characters, the most the
// gateway echoes.
func newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
