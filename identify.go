package gateway

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/gatewaykit/gateway/opcode"
)

// identifyData is Identify's "d" (docs/protocol.md §3.1).
type identifyData struct {
	Token          string          `json:"token"`
	Properties     Properties      `json:"properties"`
	Compress       bool            `json:"compress,omitempty"`
	LargeThreshold int             `json:"large_threshold,omitempty"`
	Shard          *[2]int         `json:"shard,omitempty"`
	Presence       json.RawMessage `json:"presence,omitempty"`
	Intents        uint64          `json:"intents"`
}

// resumeData is Resume's "d" (docs/protocol.md §3.2).
type resumeData struct {
	Token     string `json:"token"`
	SessionID string `json:"session_id"`
	Seq       int64  `json:"seq"`
}

func (c *Client) sendIdentify(w io.Writer) error {
	d := identifyData{
		Token:          c.cfg.token.Open(),
		Properties:     c.cfg.properties,
		Compress:       c.cfg.compress,
		LargeThreshold: c.cfg.largeThreshold,
		Presence:       c.cfg.presence,
		Intents:        uint64(c.cfg.intents),
	}
	if c.cfg.shardSet {
		d.Shard = &[2]int{c.cfg.shardID, c.cfg.shardCount}
	}
	return c.sendSecret(w, opcode.Identify, d)
}

func (c *Client) sendResume(w io.Writer) error {
	return c.sendSecret(w, opcode.Resume, resumeData{Token: c.cfg.token.Open(), SessionID: c.sessionID, Seq: c.seq})
}

// sendSecret marshals a payload that holds the token, writes it, and wipes
// the marshalled bytes.
func (c *Client) sendSecret(w io.Writer, op opcode.Opcode, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		// Only reachable through a programming error; the message carries
		// no payload bytes, so no token.
		return fmt.Errorf("gateway: encoding %v failed", op)
	}
	err = c.write(w, op, b)
	clear(b)
	if err == nil && op == opcode.Identify {
		c.identifySent = true
	}
	return err
}
