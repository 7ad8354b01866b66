package discord

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/gatewaykit/gateway/encoding"
)

// Snowflake is a Discord ID. Discord sends IDs as JSON strings of decimal
// digits (they do not fit a JavaScript number); in Go they are uint64. The
// zero Snowflake means "no ID": it is written as null, or left out where
// the field is optional.
type Snowflake uint64

// DiscordEpoch is the first second of 2015, the origin of the timestamp in
// every snowflake.
const DiscordEpoch = 1420070400000 // milliseconds since the Unix epoch

// Time returns when the snowflake was created: its top 42 bits count
// milliseconds since DiscordEpoch.
func (s Snowflake) Time() time.Time {
	return time.UnixMilli(int64(s>>22) + DiscordEpoch).UTC()
}

// String returns the ID in decimal, as Discord writes it.
func (s Snowflake) String() string { return strconv.FormatUint(uint64(s), 10) }

// IsZero reports whether s is the zero ("no ID") snowflake.
func (s Snowflake) IsZero() bool { return s == 0 }

// errSnowflake is returned for a value that is not a valid snowflake.
var errSnowflake = errors.New("discord: snowflake is not a string of decimal digits")

// MarshalJSON writes s as a JSON string, or null when s is zero.
func (s Snowflake) MarshalJSON() ([]byte, error) { return s.appendJSON(nil), nil }

// UnmarshalJSON reads a string of decimal digits or a bare integer; null
// leaves s unchanged, as encoding/json does for other types.
func (s *Snowflake) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		b = []byte(str)
	}
	v, ok := encoding.ParseSnowflake(b)
	if !ok {
		return errSnowflake
	}
	*s = Snowflake(v)
	return nil
}

func (s Snowflake) appendJSON(dst []byte) []byte {
	if s == 0 {
		return append(dst, "null"...)
	}
	dst = append(dst, '"')
	dst = strconv.AppendUint(dst, uint64(s), 10)
	return append(dst, '"')
}

func (s *Snowflake) decodeJSON(d *decoder) {
	switch d.r.Kind() {
	case 'n':
		d.r.Null()
		*s = 0
	case '"':
		raw, esc := d.r.String()
		if esc {
			raw = encoding.AppendUnquoted(d.scratch[:0], raw)
		}
		v, ok := encoding.ParseSnowflake(raw)
		if !ok {
			d.r.Fail(errSnowflake.Error())
			return
		}
		*s = Snowflake(v)
	default:
		text, _ := d.r.Number()
		v, ok := encoding.ParseSnowflake(text)
		if !ok && d.r.Err() == nil {
			d.r.Fail(errSnowflake.Error())
			return
		}
		*s = Snowflake(v)
	}
}
