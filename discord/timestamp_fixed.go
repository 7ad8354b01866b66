package discord

import (
	"encoding/binary"
	"math/bits"
	"time"
)

// The byte masks of the fixed parts of a timestamp, read eight bytes at a
// time in little-endian order: "YYYY-MM-" from offset 0 and "HH:MM:SS"
// from offset 11.
const (
	asciiZeros  = 0x3030303030303030 // '0' in every byte
	asciiSixes  = 0x0606060606060606
	highNibbles = 0xF0F0F0F0F0F0F0F0
	dateDigits  = 0x00FFFF00FFFFFFFF // the digit bytes of "YYYY-MM-"
	dateDashes  = 0x2D00002D00000000 // its two '-'
	clockDigits = 0xFFFF00FFFF00FFFF // the digit bytes of "HH:MM:SS"
	clockColons = 0x00003A00003A0000 // its two ':'
)

// parseTimestampFixed reads the forms Discord writes,
// "2025-11-02T18:04:31.512000+00:00", with a fraction of one to seven
// digits or none, and "Z" or any ±HH:MM offset, without a loop over the
// bytes: the date and the clock are checked and read eight bytes at a
// time. For anything else (a lower-case 't' or 'z', a space, a leap
// second, eight digits of fraction or more, an impossible date, a year out
// of range) it returns false and parseTimestampGeneral decides, so what
// is accepted, and the instant read, never depend on which of the two
// read it.
func parseTimestampFixed(b []byte) (Timestamp, bool) {
	if len(b) < 20 || b[10] != 'T' {
		return Timestamp{}, false
	}
	date := binary.LittleEndian.Uint64(b)
	clock := binary.LittleEndian.Uint64(b[11:])
	if date&^dateDigits != dateDashes || clock&^clockDigits != clockColons {
		return Timestamp{}, false
	}
	dateValues := (date ^ asciiZeros) & dateDigits
	clockValues := (clock ^ asciiZeros) & clockDigits
	day1, day2 := b[8]-'0', b[9]-'0'
	if !allDigits(dateValues, dateDigits) || !allDigits(clockValues, clockDigits) || day1 > 9 || day2 > 9 {
		return Timestamp{}, false
	}
	// Each byte k becomes ten times digit k plus digit k+1: the two-digit
	// numbers start at bytes 0 and 2 (year), 5 (month), and 0, 3 and 6 of
	// the clock (hour, minute, second).
	datePairs := dateValues*10 + dateValues>>8
	clockPairs := clockValues*10 + clockValues>>8
	year := int(uint8(datePairs))*100 + int(uint8(datePairs>>16))
	month := int(uint8(datePairs >> 40))
	day := int(day1)*10 + int(day2)
	hour := int(uint8(clockPairs))
	minute := int(uint8(clockPairs >> 24))
	sec := int(uint8(clockPairs >> 48))
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return Timestamp{}, false
	}
	i, nsec := 19, 0
	if b[i] == '.' {
		// The eight bytes after the point, padded with zeros (not digits
		// once '0' is taken away) when the string ends before.
		var word uint64
		if len(b) >= 28 {
			// Discord's form: six digits and an offset follow.
			word = binary.LittleEndian.Uint64(b[20:28])
		} else {
			var next [8]byte
			copy(next[:], b[20:])
			word = binary.LittleEndian.Uint64(next[:])
		}
		fraction := word ^ asciiZeros
		// The first byte that is not a digit: its high nibble is set, or
		// adding 6 sets it. A carry out of a byte that is not a digit only
		// marks bytes after it.
		n := bits.TrailingZeros64((fraction|(fraction+asciiSixes))&highNibbles) >> 3
		if n == 0 || n == 8 {
			return Timestamp{}, false
		}
		nsec = eightDigits(fraction<<(8*(8-n))) * pow10Nanos[n]
		i = 20 + n
	}
	offset := 0
	if rest := b[i:]; string(rest) != "+00:00" && string(rest) != "Z" {
		var ok bool
		if offset, ok = parseOffset(rest); !ok {
			return Timestamp{}, false
		}
	}
	unix := civilDays(year, month, day)*86400 + int64(hour*3600+minute*60+sec-offset)
	if unix < minTimestampUnix || unix >= maxTimestampUnix {
		return Timestamp{}, false
	}
	return Timestamp{time.Unix(unix, int64(nsec)).UTC()}, true
}

// allDigits reports whether every byte of values that mask keeps, an
// ASCII byte with '0' taken away, is a digit (0 to 9).
func allDigits(values, mask uint64) bool {
	return (values|(values+asciiSixes&mask))&highNibbles == 0
}

// eightDigits returns the number whose eight decimal digits are the
// bytes of v, the most significant in the lowest byte.
func eightDigits(v uint64) int {
	v = (v * 10) + (v >> 8) // pairs: byte 2k holds digits 2k and 2k+1
	v = ((v&0x000000FF000000FF)*(100+(1000000<<32)) + ((v>>16)&0x000000FF000000FF)*(1+(10000<<32))) >> 32
	return int(uint32(v))
}

// pow10Nanos[n] turns a fraction of n digits into nanoseconds.
var pow10Nanos = [8]int{0, 1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 1e2}

// civilDays is daysFromCivil for the years a timestamp can write (0 to
// 9999), in unsigned arithmetic: the year is moved forward by one 400-year
// era so that it is never negative, which makes every division a
// multiplication.
func civilDays(year, month, day int) int64 {
	y := uint(year) + 400
	m := uint(month)
	if m <= 2 {
		y--
		m += 9
	} else {
		m -= 3
	}
	era := y / 400
	yoe := y - era*400
	doy := (153*m+2)/5 + uint(day) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era*146097+doe) - 719468 - 146097
}
