package gatewaytest

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// This file holds the low-level pieces the traffic generator builds JSON
// with: appending snowflakes, timestamps and escaped strings to a byte
// slice, and the stateless hash that derives per-object attributes from the
// seed. Nothing here allocates except by growing the destination slice.

// discordEpoch is the first millisecond of 2015 in Unix time; snowflake
// timestamps count milliseconds from it.
const discordEpoch = 1420070400000

// snowLowMask selects the 22 low bits of a snowflake (worker, process and
// increment in Discord's layout).
const snowLowMask = 1<<22 - 1

// makeSnowflake builds an id from a Unix millisecond time and 22 low bits.
func makeSnowflake(unixMilli int64, low uint64) uint64 {
	return uint64(unixMilli-discordEpoch)<<22 | low&snowLowMask
}

// snowflakeTime returns the Unix millisecond time encoded in id.
func snowflakeTime(id uint64) int64 {
	return int64(id>>22) + discordEpoch
}

// appendID appends id as a JSON string, as Discord serialises snowflakes.
func appendID(b []byte, id uint64) []byte {
	b = append(b, '"')
	b = strconv.AppendUint(b, id, 10)
	return append(b, '"')
}

// appendIDOrNull appends id as a JSON string, or null when id is 0.
func appendIDOrNull(b []byte, id uint64) []byte {
	if id == 0 {
		return append(b, "null"...)
	}
	return appendID(b, id)
}

// appendInt appends a JSON number.
func appendInt(b []byte, n int64) []byte {
	return strconv.AppendInt(b, n, 10)
}

// appendBool appends a JSON boolean.
func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

// appendTimestamp appends unixMilli as a quoted ISO 8601 timestamp in the
// form Discord uses, e.g. "2017-07-11T17:27:07.299000+00:00".
func appendTimestamp(b []byte, unixMilli int64) []byte {
	t := time.UnixMilli(unixMilli).UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	ms := int(unixMilli % 1000)
	if ms < 0 {
		ms += 1000
	}
	b = append(b, '"')
	b = appendPad(b, y, 4)
	b = append(b, '-')
	b = appendPad(b, int(mo), 2)
	b = append(b, '-')
	b = appendPad(b, d, 2)
	b = append(b, 'T')
	b = appendPad(b, h, 2)
	b = append(b, ':')
	b = appendPad(b, mi, 2)
	b = append(b, ':')
	b = appendPad(b, s, 2)
	b = append(b, '.')
	b = appendPad(b, ms, 3)
	return append(b, `000+00:00"`...)
}

// appendTimestampOrNull appends a timestamp, or null when unixMilli is 0.
func appendTimestampOrNull(b []byte, unixMilli int64) []byte {
	if unixMilli == 0 {
		return append(b, "null"...)
	}
	return appendTimestamp(b, unixMilli)
}

// appendPad appends n in decimal, left-padded with zeros to width digits.
func appendPad(b []byte, n, width int) []byte {
	var tmp [20]byte
	i := len(tmp)
	for n >= 10 || width > 1 {
		i--
		tmp[i] = byte('0' + n%10)
		n /= 10
		width--
	}
	i--
	tmp[i] = byte('0' + n)
	return append(b, tmp[i:]...)
}

const lowerHex = "0123456789abcdef"

// appendHex appends the n low nibbles of the hash chain started at h as
// lower-case hex, the shape of Discord's asset hashes and session ids.
func appendHex(b []byte, h uint64, n int) []byte {
	for i := 0; i < n; i++ {
		if i%16 == 0 && i > 0 {
			h = mix64(h)
		}
		b = append(b, lowerHex[h>>(60-4*(i%16))&0xf])
	}
	return b
}

// appendQuotedHex appends appendHex's output as a JSON string.
func appendQuotedHex(b []byte, h uint64, n int) []byte {
	b = append(b, '"')
	b = appendHex(b, h, n)
	return append(b, '"')
}

// appendString appends s as a JSON string, escaping what JSON requires
// (quote, backslash, control characters) and replacing invalid UTF-8 with
// U+FFFD, so the output is always valid JSON.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendEscaped(b, s)
	return append(b, '"')
}

// appendEscaped appends the JSON-escaped body of s without quotes.
func appendEscaped(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"':
				b = append(b, `\"`...)
			case '\\':
				b = append(b, `\\`...)
			case '\n':
				b = append(b, `\n`...)
			case '\r':
				b = append(b, `\r`...)
			case '\t':
				b = append(b, `\t`...)
			default:
				b = append(b, `\u00`...)
				b = append(b, lowerHex[c>>4], lowerHex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}

// mix64 is the SplitMix64 finaliser: a cheap, well-distributed hash used
// to derive stable attributes (names, roles, avatars) from ids and the seed
// without storing them.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// hash2 combines two values into one well-mixed 64-bit hash.
func hash2(a, b uint64) uint64 {
	return mix64(a ^ mix64(b))
}

// pickHashed returns an element of list chosen by h.
func pickHashed[T any](list []T, h uint64) T {
	return list[h%uint64(len(list))]
}
