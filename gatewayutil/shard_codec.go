package gatewayutil

import (
	"github.com/gatewaykit/gateway/encoding"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/opcode"
)

// shardJSON is the JSON codec a Shard gives its protocol Client: encoding's
// JSON codec, with a fast path in front of its Decode for messages shaped
// the way Discord writes them.
//
// Discord writes every message as {"t":…,"s":…,"op":…,"d":…}: the three
// small keys first, d last. For such a message the fast path reads t, s and
// op strictly and takes d to be everything from its first byte up to the
// message's closing brace, checked only for a consistent first and last
// byte ({…}, […], "…", null, true, false or a number). It does not walk d:
// a 1.4 KB MESSAGE_CREATE costs tens of nanoseconds instead of the
// microsecond a full validating pass takes, which is as much as reading the
// message off the socket. d is parsed for real by whoever reads it (the
// Client for HELLO and READY, a handler's Decode, the Dispatcher's topic
// keys), and none of that happens for an event nobody subscribed to.
//
// Anything else — keys in another order (the emulator's reorder fault),
// escapes in a key or in t, an unknown event name, extra keys before d,
// whitespace quirks the fast path does not know — goes to encoding's
// validating Decode, which handles any valid message. The one message the
// fast path reads differently from it is a valid one with a key after d,
// which Discord never sends: its Data then holds the text of the keys after
// d too (and a handler decoding it gets a syntax error rather than the
// wrong value). A malformed d is passed on as it is rather than refused.
//
// A shardJSON belongs to one connection (one Client), which uses it from one
// goroutine at a time: it remembers the last event name it read, since
// events of one type tend to come in runs, to skip the name lookup.
//
// It also remembers the Envelope it last filled: the Client keeps that
// Envelope between messages, and its D would keep the shard's message
// buffer (or read chunk) reachable after the shard gave it back to its
// pool, for as long as the connection stays quiet. forget drops it.
type shardJSON struct {
	encoding.Codec
	lastName string
	env      *encoding.Envelope
}

// newShardJSON returns the codec for encoding=json.
func newShardJSON() encoding.Codec { return &shardJSON{Codec: encoding.JSON()} }

// Decode implements encoding.Codec.
func (c *shardJSON) Decode(msg []byte, env *encoding.Envelope) error {
	c.env = env
	if env != nil && c.decodeCanonical(msg, env) {
		return nil
	}
	return c.Codec.Decode(msg, env)
}

// forget clears what the last decoded Envelope holds of its message. The
// shard calls it once the Client is done with the message, on the
// goroutine that called Process (the only one that uses the Envelope).
func (c *shardJSON) forget() {
	if c.env != nil {
		*c.env = encoding.Envelope{}
	}
}

// The envelope keys, as bits of what decodeCanonical has seen.
const (
	seenT uint8 = 1 << iota
	seenS
	seenOp
	seenAll = seenT | seenS | seenOp
)

// decodeCanonical is the fast path of shardJSON.Decode. It fills env and
// reports true for a message whose keys are t, s and op, in any order,
// then d; otherwise it reports false and leaves env alone.
func (c *shardJSON) decodeCanonical(b []byte, env *encoding.Envelope) bool {
	var (
		op, seq int64
		hasS    bool
		name    string
		seen    uint8
	)
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i++
	for {
		i = skipWS(b, i)
		if i+3 >= len(b) || b[i] != '"' {
			return false
		}
		// The key: t, s, op or d, without escapes.
		var key uint8
		switch {
		case b[i+2] == '"' && b[i+1] == 't':
			key, i = seenT, i+3
		case b[i+2] == '"' && b[i+1] == 's':
			key, i = seenS, i+3
		case b[i+2] == '"' && b[i+1] == 'd':
			key, i = 0, i+3
		case b[i+1] == 'o' && b[i+2] == 'p' && b[i+3] == '"':
			key, i = seenOp, i+4
		default:
			return false
		}
		i = skipWS(b, i)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipWS(b, i+1)
		if i >= len(b) {
			return false
		}
		var ok bool
		switch key {
		case seenT:
			name, i, ok = c.readName(b, i)
		case seenS:
			seq, hasS, i, ok = readSeq(b, i)
		case seenOp:
			var has bool
			op, has, i, ok = readSeq(b, i)
			ok = ok && has // op may not be null
		default: // d
			if seen != seenAll {
				return false
			}
			d, ok := tailValue(b, i)
			if !ok {
				return false
			}
			*env = encoding.Envelope{Op: opcode.Opcode(op), S: seq, HasS: hasS, T: name, D: d}
			return true
		}
		if !ok {
			return false
		}
		seen |= key
		i = skipWS(b, i)
		if i >= len(b) || b[i] != ',' {
			return false
		}
		i++
	}
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// readName reads t: null, or a documented event name without escapes.
func (c *shardJSON) readName(b []byte, i int) (string, int, bool) {
	if b[i] == 'n' {
		if i+4 <= len(b) && string(b[i:i+4]) == "null" {
			return "", i + 4, true
		}
		return "", i, false
	}
	if b[i] != '"' {
		return "", i, false
	}
	for j := i + 1; j < len(b) && j-i <= 64; j++ {
		switch b[j] {
		case '"':
			raw := b[i+1 : j]
			if string(raw) == c.lastName {
				return c.lastName, j + 1, true
			}
			s, ok := event.Intern(raw)
			if ok {
				c.lastName = s
			}
			return s, j + 1, ok
		case '\\':
			return "", i, false
		}
	}
	return "", i, false
}

// readSeq reads s or op: null (hasValue false), or an integer of at most 18
// digits without sign, fraction or exponent.
func readSeq(b []byte, i int) (v int64, hasValue bool, end int, ok bool) {
	if b[i] == 'n' {
		if i+4 <= len(b) && string(b[i:i+4]) == "null" {
			return 0, false, i + 4, true
		}
		return 0, false, i, false
	}
	j := i
	for j < len(b) && j-i < 18 && b[j] >= '0' && b[j] <= '9' {
		v = v*10 + int64(b[j]-'0')
		j++
	}
	if j == i || (b[i] == '0' && j-i > 1) || j-i == 18 {
		return 0, false, i, false
	}
	if j < len(b) && (b[j] == '.' || b[j] == 'e' || b[j] == 'E') {
		return 0, false, i, false
	}
	return v, true, j, true
}

// tailValue returns the value that starts at b[i] and runs to the object's
// closing brace at the end of b, if its first and last bytes agree.
func tailValue(b []byte, i int) ([]byte, bool) {
	j := len(b)
	for j > i && isWS(b[j-1]) {
		j--
	}
	if j <= i || b[j-1] != '}' {
		return nil, false
	}
	j--
	for j > i && isWS(b[j-1]) {
		j--
	}
	if j <= i {
		return nil, false
	}
	v := b[i:j:j]
	switch first, last := v[0], v[len(v)-1]; first {
	case '{':
		return v, last == '}'
	case '[':
		return v, last == ']'
	case '"':
		return v, len(v) >= 2 && last == '"'
	case 'n':
		return v, string(v) == "null"
	case 't':
		return v, string(v) == "true"
	case 'f':
		return v, string(v) == "false"
	}
	for _, c := range v {
		if (c < '0' || c > '9') && c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E' {
			return nil, false
		}
	}
	return v, true
}

func isWS(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }
