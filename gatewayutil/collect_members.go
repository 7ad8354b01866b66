package gatewayutil

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gatewaykit/gateway/encoding"
	"github.com/gatewaykit/gateway/opcode"
)

// MembersRequest is a Request Guild Members command (op 8) whose answer
// can be collected: its guild, and the nonce its chunks will carry.
// discord.RequestGuildMembers implements it.
type MembersRequest interface {
	GuildCommand
	RequestNonce() string
}

// MaxMemberChunks bounds how many GUILD_MEMBERS_CHUNK dispatches one
// request collects (Discord sends at most 1000 members a chunk, so this
// is a guild of 2.5 million); an answer announcing more is refused.
const MaxMemberChunks = 2500

// MemberChunks is the whole answer to a Request Guild Members: the d of
// every GUILD_MEMBERS_CHUNK with the request's nonce, in chunk_index
// order, copied out of the read buffer. Each holds members, and may hold
// not_found and presences; decode them with the typed package of your
// choice (the bot package decodes them into discord types).
type MemberChunks struct {
	GuildID uint64            // the guild asked about
	Nonce   string            // the request's nonce, which every chunk carried
	Chunks  []json.RawMessage // each chunk's d, in chunk_index order
}

// ErrIncomplete matches a request whose answer did not arrive in full
// before ctx ended; the error is an *IncompleteError saying what did.
var ErrIncomplete = errors.New("gatewayutil: answer incomplete")

// IncompleteError is a request whose answer was incomplete when ctx ended:
// what was asked and what arrived. errors.Is matches ErrIncomplete and
// the context's error.
type IncompleteError struct {
	Op      opcode.Opcode // the command's op code
	Request string        // what was asked, e.g. "guild 81384788765712384 nonce m1"
	Arrived string        // what arrived, e.g. "chunks 0, 2 of 3"
	Err     error         // the context's error
}

// Error names the command and request, what arrived of the answer, and
// why the rest did not.
func (e *IncompleteError) Error() string {
	return fmt.Sprintf("gatewayutil: %v for %s: answer incomplete (arrived: %s): %v", e.Op, e.Request, e.Arrived, e.Err)
}

// Unwrap returns ErrIncomplete and the context's error.
func (e *IncompleteError) Unwrap() []error { return []error{ErrIncomplete, e.Err} }

// RateLimitedError is a RATE_LIMITED dispatch answering a command: the
// gateway refused it and says when to retry.
type RateLimitedError struct {
	Opcode     int           // op code of the refused command
	RetryAfter time.Duration // how long to wait before sending it again
	GuildID    uint64        // the guild the command was about
}

// Error names the refused op code and guild, and when to retry.
func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("gatewayutil: gateway rate limited op %d for guild %d; retry after %v", e.Opcode, e.GuildID, e.RetryAfter)
}

func secondsDuration(s float64) time.Duration {
	if s < 0 || s > 1e6 {
		return 0
	}
	return time.Duration(s * float64(time.Second))
}

// memberCollector gathers the chunks of one nonce.
type memberCollector struct {
	guild uint64
	nonce string

	mu     sync.Mutex
	count  int               // chunk_count, 0 until the first chunk
	chunks []json.RawMessage // by chunk_index
	got    int
	err    error
	done   chan struct{}
	closed bool
}

func (c *memberCollector) finish(err error) {
	if !c.closed {
		c.closed, c.err = true, err
		close(c.done)
	}
}

func (c *memberCollector) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.finish(err)
}

// add takes one chunk (d is copied).
func (c *memberCollector) add(guild uint64, index, count int, d []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return
	case guild != c.guild:
		c.finish(fmt.Errorf("gatewayutil: GUILD_MEMBERS_CHUNK with nonce %q is for guild %d, not %d", c.nonce, guild, c.guild))
		return
	case count < 1 || count > MaxMemberChunks || (c.count != 0 && count != c.count):
		c.finish(fmt.Errorf("gatewayutil: GUILD_MEMBERS_CHUNK with nonce %q announces %d chunks (want 1 to %d, the same in every chunk)", c.nonce, count, MaxMemberChunks))
		return
	case index < 0 || index >= count:
		c.finish(fmt.Errorf("gatewayutil: GUILD_MEMBERS_CHUNK with nonce %q has chunk_index %d of %d", c.nonce, index, count))
		return
	}
	if c.count == 0 {
		c.count = count
		c.chunks = make([]json.RawMessage, count)
	}
	if c.chunks[index] != nil {
		return // a repeat
	}
	c.chunks[index] = slices.Clone(d)
	c.got++
	if c.got == c.count {
		c.finish(nil)
	}
}

// arrived describes the chunks seen so far, for IncompleteError.
func (c *memberCollector) arrived() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.count == 0 {
		return "no chunk"
	}
	var idx []string
	for i, ch := range c.chunks {
		if ch != nil {
			idx = append(idx, fmt.Sprint(i))
		}
	}
	return fmt.Sprintf("chunks [%s] of %d", strings.Join(idx, " "), c.count)
}

// chunkKeys are the fields of a GUILD_MEMBERS_CHUNK a collector reads.
var chunkKeys = [4]string{"guild_id", "chunk_index", "chunk_count", "nonce"}

// onMembersChunk hands a chunk to the collector of its nonce.
func (tap *replyTap) onMembersChunk(d []byte) {
	// A chunk holds up to 1000 members: read its head without decoding
	// them.
	var v [4][]byte
	if encoding.LookupKeys(d, chunkKeys[:], v[:]) != nil || v[3] == nil {
		return
	}
	var nonce string
	if json.Unmarshal(v[3], &nonce) != nil || nonce == "" {
		return
	}
	guild, _ := encoding.ParseSnowflake(v[0])
	index, err1 := strconv.Atoi(string(v[1]))
	count, err2 := strconv.Atoi(string(v[2]))
	if err1 != nil || err2 != nil {
		index, count = -1, 0 // refused by add
	}
	tap.mu.Lock()
	c := tap.members[nonce]
	tap.mu.Unlock()
	if c != nil {
		c.add(guild, index, count, d)
	}
}

// RequestGuildMembers sends req (op 8) and collects its answer: every
// GUILD_MEMBERS_CHUNK carrying req's nonce, until chunk_index reaches
// chunk_count-1 for all of them. The nonce must be set and not in use by
// another request of this shard. When ctx ends first the error is an
// *IncompleteError naming the chunks that arrived; when the gateway
// answers RATE_LIMITED it is a *RateLimitedError; refusals to send are
// *CommandError. The guild must be on this shard (see
// Manager.RequestGuildMembers).
func (s *Shard) RequestGuildMembers(ctx context.Context, req MembersRequest) (*MemberChunks, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	nonce := req.RequestNonce()
	if nonce == "" {
		return nil, s.commandError(req.Op(), fmt.Errorf("%w: a collected member request needs a nonce", ErrInvalidCommand))
	}
	c := &memberCollector{guild: req.Guild(), nonce: nonce, done: make(chan struct{})}
	tap := &s.replies
	tap.mu.Lock()
	if tap.members == nil {
		tap.members = make(map[string]*memberCollector)
	}
	if tap.members[nonce] != nil {
		tap.mu.Unlock()
		return nil, s.commandError(req.Op(), fmt.Errorf("%w: nonce %q already in use", ErrInvalidCommand, nonce))
	}
	tap.members[nonce] = c
	tap.mu.Unlock()
	tap.waiting.Add(1)
	defer func() {
		tap.mu.Lock()
		delete(tap.members, nonce)
		tap.mu.Unlock()
		tap.waiting.Add(-1)
	}()

	if err := s.SendCommand(ctx, req); err != nil {
		return nil, err
	}
	select {
	case <-c.done:
	case <-ctx.Done():
		return nil, &IncompleteError{
			Op:      req.Op(),
			Request: fmt.Sprintf("guild %d nonce %q on shard %d", c.guild, nonce, s.cfg.ShardID),
			Arrived: c.arrived(),
			Err:     context.Cause(ctx),
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return nil, c.err
	}
	return &MemberChunks{GuildID: c.guild, Nonce: nonce, Chunks: c.chunks}, nil
}

// RequestGuildMembers sends req on the shard that owns its guild and
// collects the answer; see Shard.RequestGuildMembers.
func (m *Manager) RequestGuildMembers(ctx context.Context, req MembersRequest) (*MemberChunks, error) {
	sh, err := m.guildShard(req.Guild())
	if err != nil {
		return nil, err
	}
	return sh.RequestGuildMembers(ctx, req)
}
