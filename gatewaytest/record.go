package gatewaytest

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/internal/secret"
	"github.com/gatewaykit/gateway/opcode"
)

// Token is a secret a client sent. Every way of printing or encoding it
// (fmt verbs, slog, encoding/json as a value or a map key, xml, gob,
// msgpack) shows "[REDACTED]", and it is kept masked in memory, so printers
// that dump a value by reflection (fmt on unexported fields, testify's
// diffs) show only noise. [Token.Reveal] returns it, to compare it.
type Token struct {
	masked secret.String
}

const redacted = "[REDACTED]"

// Reveal returns the token in clear text, as the client sent it without
// its "Bot " prefix. Never print what it returns.
func (t Token) Reveal() string { return t.masked.Open() }

// IsZero reports whether t holds no token.
func (t Token) IsZero() bool { return t.masked.IsZero() }

// String returns "[REDACTED]".
func (Token) String() string { return redacted }

// GoString returns "[REDACTED]" for %#v.
func (Token) GoString() string { return redacted }

// Format prints "[REDACTED]" whatever the verb.
func (Token) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// MarshalJSON returns the JSON string "[REDACTED]".
func (Token) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// LogValue makes slog print "[REDACTED]".
func (Token) LogValue() slog.Value { return slog.StringValue(redacted) }

// Properties are the connection properties of an identify.
type Properties struct {
	OS, Browser, Device string
}

// IdentifyRecord is an identify payload as the client sent it.
type IdentifyRecord struct {
	Time           time.Time
	Token          Token
	Properties     Properties
	Compress       bool
	LargeThreshold int // 0 when absent
	// Shard is [shard_id, num_shards], nil when absent.
	Shard    []int
	Intents  intents.Intent
	Presence json.RawMessage // nil when absent
	// Raw is the identify's d with the token replaced by "[REDACTED]".
	Raw json.RawMessage
}

// ResumeOutcome is how a resume ended.
type ResumeOutcome int

// Resume outcomes.
const (
	// Resumed: the missed events were replayed and RESUMED sent.
	Resumed ResumeOutcome = iota
	// ResumeInvalid: the session was unknown, expired, belonged to another
	// token, or had dropped events the client missed; op 9 false was sent.
	ResumeInvalid
	// ResumeClosed: the resume was refused with a close code (4004, 4007).
	ResumeClosed
)

// String returns "resumed", "invalid" or "closed".
func (o ResumeOutcome) String() string {
	switch o {
	case Resumed:
		return "resumed"
	case ResumeInvalid:
		return "invalid"
	case ResumeClosed:
		return "closed"
	}
	return fmt.Sprintf("ResumeOutcome(%d)", int(o))
}

// ResumeRecord is one resume attempt.
type ResumeRecord struct {
	Time      time.Time
	SessionID string
	Seq       int64 // the seq the client sent
	Outcome   ResumeOutcome
	Replayed  int // events replayed before RESUMED
}

// HeartbeatRecord is one heartbeat the client sent.
type HeartbeatRecord struct {
	Time   time.Time
	Seq    int64 // d; meaningful when HasSeq
	HasSeq bool  // false when d was null
	// Written is the last sequence number the server had written to this
	// connection when the heartbeat arrived.
	Written int64
}

// CommandRecord is one payload the client sent, of any op.
type CommandRecord struct {
	Time time.Time
	Op   opcode.Opcode
	Size int // bytes on the wire, after WebSocket framing is removed
}

// Violation is a protocol rule the client broke. Code is the close code the
// server answered with, or 0 when it answered otherwise (op 9 for identify
// concurrency).
type Violation struct {
	Time   time.Time
	Code   closecode.Code
	Reason string
}

// String returns the code and the reason.
func (v Violation) String() string {
	if v.Code == 0 {
		return v.Reason
	}
	return v.Code.String() + ": " + v.Reason
}

// FaultRecord is one fault injected into a connection.
type FaultRecord struct {
	Time   time.Time
	Kind   FaultKind
	Detail string
}

// maxRecorded bounds each list in a Record; older entries are dropped and
// only counted.
const maxRecorded = 1024

// Record is what one connection did, from the server's point of view. Get
// a copy with [Conn.Record]; the lists keep the most recent 1024 entries
// each, the counters count everything.
type Record struct {
	ID         uint64 // connection number, from 1, in order of acceptance
	RemoteAddr string
	Path       string // the URL path the client connected to
	// ResumeURL reports whether the client connected through the
	// resume_gateway_url READY handed out.
	ResumeURL bool
	Version   int    // the v query parameter
	Encoding  string // "json" or "etf"
	Compress  string // transport compression: "", "zlib-stream" or "zstd-stream"
	// PayloadCompress reports whether identify compress:true took effect.
	PayloadCompress bool

	Opened time.Time
	Closed time.Time // zero while open

	SessionID string // the session this connection identified or resumed, if any
	Identify  *IdentifyRecord
	Resumes   []ResumeRecord

	Heartbeats     []HeartbeatRecord
	HeartbeatCount int
	Commands       []CommandRecord
	CommandCount   int
	// MaxCommandsPerWindow is the most payloads the client sent within any
	// 60 s (scaled) window.
	MaxCommandsPerWindow int

	Violations []Violation
	Faults     []FaultRecord

	// InvalidSessions counts op 9 sent, whatever the reason.
	InvalidSessions int
	// CloseSent is the close code the server sent (0 if none); the reason
	// text is in CloseSentReason.
	CloseSent       closecode.Code
	CloseSentReason string
	// CloseReceived is the close code the client sent (0 if none, 1005 if
	// its close frame had no code).
	CloseReceived       closecode.Code
	CloseReceivedReason string
	// Dropped reports that the TCP connection ended without a close frame
	// from the client.
	Dropped bool

	Dispatches  int64 // dispatches written
	LastSeqSent int64
	BytesSent   int64 // payload bytes written, after compression (frame headers not counted)
}

// String summarizes the record on one line, without secrets.
func (r Record) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "conn %d %s v=%d encoding=%s", r.ID, r.Path, r.Version, r.Encoding)
	if r.Compress != "" {
		fmt.Fprintf(&sb, " compress=%s", r.Compress)
	}
	if r.SessionID != "" {
		fmt.Fprintf(&sb, " session=%s", r.SessionID)
	}
	if r.Identify != nil {
		fmt.Fprintf(&sb, " identify(shard=%v intents=%d)", r.Identify.Shard, uint64(r.Identify.Intents))
	}
	fmt.Fprintf(&sb, " resumes=%d heartbeats=%d commands=%d dispatches=%d", len(r.Resumes), r.HeartbeatCount, r.CommandCount, r.Dispatches)
	if len(r.Violations) > 0 {
		fmt.Fprintf(&sb, " violations=%q", r.Violations[len(r.Violations)-1].String())
	}
	if r.CloseSent != 0 {
		fmt.Fprintf(&sb, " close-sent=%d", int(r.CloseSent))
	}
	if r.CloseReceived != 0 {
		fmt.Fprintf(&sb, " close-received=%d", int(r.CloseReceived))
	}
	if r.Dropped {
		sb.WriteString(" dropped")
	}
	return sb.String()
}

// clone deep-copies the lists so the copy can be read while the original
// keeps changing.
func (r *Record) clone() Record {
	c := *r
	if r.Identify != nil {
		id := *r.Identify
		id.Shard = append([]int(nil), r.Identify.Shard...)
		c.Identify = &id
	}
	c.Resumes = append([]ResumeRecord(nil), r.Resumes...)
	c.Heartbeats = append([]HeartbeatRecord(nil), r.Heartbeats...)
	c.Commands = append([]CommandRecord(nil), r.Commands...)
	c.Violations = append([]Violation(nil), r.Violations...)
	c.Faults = append([]FaultRecord(nil), r.Faults...)
	return c
}

// appendBounded appends v to list, dropping the oldest entry beyond
// maxRecorded.
func appendBounded[T any](list []T, v T) []T {
	if len(list) >= maxRecorded {
		copy(list, list[1:])
		list = list[:len(list)-1]
	}
	return append(list, v)
}
