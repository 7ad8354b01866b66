package discord

import (
	"encoding/json"
	"errors"
	"fmt"
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
	// The common case, in one pass: digits between quotes.
	if v, ok := d.r.QuotedUint64(); ok {
		*s = Snowflake(v)
		return
	}
	if d.r.Null() {
		*s = 0
		return
	}
	if d.r.Kind() == '"' {
		raw, esc := d.r.String()
		var v uint64
		ok := false
		if esc {
			v, ok = encoding.ParseSnowflake(encoding.AppendUnquoted(d.scratch[:0], raw))
		} else {
			v, ok = parseDecimal(raw)
		}
		if !ok {
			d.r.Fail(errSnowflake.Error())
			return
		}
		*s = Snowflake(v)
		return
	}
	text, _ := d.r.Number()
	v, ok := encoding.ParseSnowflake(text)
	if !ok && d.r.Err() == nil {
		d.r.Fail(errSnowflake.Error())
		return
	}
	*s = Snowflake(v)
}

// parseDecimal reads a uint64 written in decimal without a leading zero, as
// encoding.ParseSnowflake does for text without quotes, but checks for
// overflow once instead of at every digit: nineteen digits always fit.
func parseDecimal(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 || b[0] == '0' && len(b) > 1 {
		return 0, false
	}
	var v uint64
	n := min(len(b), 19)
	for _, c := range b[:n] {
		c -= '0'
		if c > 9 {
			return 0, false
		}
		v = v*10 + uint64(c)
	}
	if len(b) == 20 {
		c := b[19] - '0'
		if c > 9 || v > (1<<64-1-uint64(c))/10 {
			return 0, false
		}
		v = v*10 + uint64(c)
	}
	return v, true
}

// ParseSnowflake reads an ID written in decimal, as Discord shows them
// ("1091403920930152448").
func ParseSnowflake(s string) (Snowflake, error) {
	v, ok := encoding.ParseSnowflake([]byte(s))
	if !ok {
		return 0, fmt.Errorf("%w: %q", errSnowflake, s)
	}
	return Snowflake(v), nil
}
