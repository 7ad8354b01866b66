package discord

import (
	"encoding/json"
	"errors"
	"time"
)

// Timestamp is an ISO 8601 time as Discord sends it,
// "2025-11-02T18:04:31.512000+00:00": fractional seconds optional, any UTC
// offset or "Z". It is kept in UTC and written back in Discord's own form,
// with microseconds and "+00:00". The zero Timestamp is JSON null (or a
// missing field where the field is optional).
type Timestamp struct {
	time.Time
}

// TimestampLayout is how a Timestamp is written.
const TimestampLayout = "2006-01-02T15:04:05.000000+00:00"

// timestampLayoutNano is TimestampLayout with nanoseconds.
const timestampLayoutNano = "2006-01-02T15:04:05.000000000+00:00"

// errTimestamp is returned for a string that is not an ISO 8601 time.
var errTimestamp = errors.New("discord: timestamp is not an ISO 8601 date and time")

// MarshalJSON writes t as a string in TimestampLayout, or null when zero.
func (t Timestamp) MarshalJSON() ([]byte, error) { return t.appendJSON(nil), nil }

// UnmarshalJSON reads an ISO 8601 string; null leaves t unchanged.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, ok := parseTimestamp([]byte(s))
	if !ok {
		return errTimestamp
	}
	*t = v
	return nil
}

func (t Timestamp) appendJSON(dst []byte) []byte {
	if t.IsZero() {
		return append(dst, "null"...)
	}
	dst = append(dst, '"')
	if t.Nanosecond()%1000 != 0 {
		// Finer than Discord's microseconds: keep every digit.
		dst = t.UTC().AppendFormat(dst, timestampLayoutNano)
	} else {
		dst = t.UTC().AppendFormat(dst, TimestampLayout)
	}
	return append(dst, '"')
}

func (t *Timestamp) decodeJSON(d *decoder) {
	if d.r.Null() {
		*t = Timestamp{}
		return
	}
	raw, _ := d.r.String()
	if d.r.Err() != nil {
		return
	}
	v, ok := parseTimestamp(raw)
	if !ok {
		d.r.Fail(errTimestamp.Error())
		return
	}
	*t = v
}

// parseTimestamp reads YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM): the
// forms Discord writes through parseTimestampFixed, anything else (and
// anything that one leaves) through parseTimestampGeneral.
func parseTimestamp(b []byte) (Timestamp, bool) {
	if t, ok := parseTimestampFixed(b); ok {
		return t, true
	}
	return parseTimestampGeneral(b)
}

// parseTimestampGeneral reads YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)
// without allocating (time.Parse builds a zone for every offset).
func parseTimestampGeneral(b []byte) (Timestamp, bool) {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != 't' && b[10] != ' ') || b[13] != ':' || b[16] != ':' {
		return Timestamp{}, false
	}
	// The fourteen digits of the date and time, checked in one pass
	// before any is used.
	for _, p := range dateTimeDigits {
		if b[p]-'0' > 9 {
			return Timestamp{}, false
		}
	}
	year := digitValue(b[0])*1000 + digitValue(b[1])*100 + digitValue(b[2])*10 + digitValue(b[3])
	month := digitValue(b[5])*10 + digitValue(b[6])
	day := digitValue(b[8])*10 + digitValue(b[9])
	hour := digitValue(b[11])*10 + digitValue(b[12])
	minute := digitValue(b[14])*10 + digitValue(b[15])
	sec := digitValue(b[17])*10 + digitValue(b[18])
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 60 {
		return Timestamp{}, false
	}
	i := 19
	nsec := 0
	if b[i] == '.' {
		i++
		digits := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if digits < 9 {
				nsec = nsec*10 + int(b[i]-'0')
			}
			digits++
			i++
		}
		if digits == 0 {
			return Timestamp{}, false
		}
		for ; digits < 9; digits++ {
			nsec *= 10
		}
	}
	offset := 0
	if !(i < len(b) && (b[i] == 'Z' || b[i] == 'z') && i+1 == len(b)) {
		var ok bool
		if offset, ok = parseOffset(b[i:]); !ok {
			return Timestamp{}, false
		}
	}
	if day > daysIn(month, year) || hour == 23 && minute == 59 && sec == 60 {
		// 31 February and the like; a leap second at 23:59:60 would roll
		// over into the next day, which time.Date (used here before)
		// reported as a different day, so it stays refused.
		return Timestamp{}, false
	}
	// Seconds since the Unix epoch, computed directly: time.Date
	// normalises every field and looks up the location, which costs more
	// than the rest of the parse. A leap second (60) rolls over into the
	// next minute, as time.Date would have it.
	unix := daysFromCivil(year, month, day)*86400 + int64(hour*3600+minute*60+sec-offset)
	if unix < minTimestampUnix || unix >= maxTimestampUnix {
		return Timestamp{}, false // not writable back as four digits
	}
	return Timestamp{time.Unix(unix, int64(nsec)).UTC()}, true
}

// dateTimeDigits are the offsets of the digits in YYYY-MM-DDTHH:MM:SS.
var dateTimeDigits = [...]uint8{0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18}

// digitValue returns the value of an ASCII digit already checked.
func digitValue(c byte) int { return int(c - '0') }

// The seconds since the Unix epoch of 0001-01-01T00:00:00Z and of
// 10000-01-01T00:00:00Z: the range of times a four-digit year can write.
var (
	minTimestampUnix = daysFromCivil(1, 1, 1) * 86400
	maxTimestampUnix = daysFromCivil(10000, 1, 1) * 86400
)

// daysFromCivil returns the number of days from 1970-01-01 to the given
// date of the proleptic Gregorian calendar.
func daysFromCivil(year, month, day int) int64 {
	y := int64(year)
	if month <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400 // [0, 399]
	m := int64(month)
	if m > 2 {
		m -= 3
	} else {
		m += 9
	}
	doy := (153*m+2)/5 + int64(day) - 1 // [0, 365]
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// daysIn returns the number of days in month of year.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// parseOffset reads a "±hh:mm" UTC offset, the whole of b, as seconds east
// of UTC.
func parseOffset(b []byte) (int, bool) {
	if len(b) != 6 || (b[0] != '+' && b[0] != '-') || b[3] != ':' {
		return 0, false
	}
	h1, h2, m1, m2 := b[1]-'0', b[2]-'0', b[4]-'0', b[5]-'0'
	if h1 > 9 || h2 > 9 || m1 > 9 || m2 > 9 {
		return 0, false
	}
	oh, om := int(h1)*10+int(h2), int(m1)*10+int(m2)
	if oh > 23 || om > 59 {
		return 0, false
	}
	offset := oh*3600 + om*60
	if b[0] == '-' {
		offset = -offset
	}
	return offset, true
}
