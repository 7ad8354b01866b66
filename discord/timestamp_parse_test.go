package discord

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestParseTimestampMatchesTimeDate checks the direct computation of a
// timestamp's Unix time against time.Date over random dates of every year
// a timestamp can hold, offsets, leap days and leap seconds included, and
// that impossible dates and years out of range are refused.
func TestParseTimestampMatchesTimeDate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		year := 1 + rng.IntN(9999)
		month := 1 + rng.IntN(12)
		day := 1 + rng.IntN(31)
		hour, minute, sec := rng.IntN(24), rng.IntN(60), rng.IntN(61)
		oh, om := rng.IntN(24), rng.IntN(60)
		sign := "+"
		offset := oh*3600 + om*60
		if rng.IntN(2) == 0 {
			sign, offset = "-", -offset
		}
		micros := rng.IntN(1000000)
		s := fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d.%06d%s%02d:%02d", year, month, day, hour, minute, sec, micros, sign, oh, om)
		want := time.Date(year, time.Month(month), day, hour, minute, sec, micros*1000, time.UTC)
		valid := want.Day() == day
		want = want.Add(-time.Duration(offset) * time.Second)
		if y := want.Year(); y < 1 || y > 9999 {
			valid = false
		}
		got, ok := parseTimestamp([]byte(s))
		if ok != valid {
			t.Fatalf("parseTimestamp(%q) ok = %v, want %v", s, ok, valid)
		}
		if ok && (!got.Equal(want) || got.Location() != time.UTC || got.Time != want) {
			t.Fatalf("parseTimestamp(%q) = %v, want %v", s, got.Time, want)
		}
	}
}

// TestParseDecimalMatchesParseSnowflake checks the snowflake fast path
// against the reference parser, at the edges of uint64 and of the format.
func TestParseDecimalMatchesParseSnowflake(t *testing.T) {
	cases := []string{"", "0", "00", "01", "1", "9", "a", "12a", "-1", "1.0",
		"1091403920930152448", "9999999999999999999", "10000000000000000000",
		"18446744073709551615", "18446744073709551616", "18446744073709551619",
		"19000000000000000000", "99999999999999999999", "184467440737095516150"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		cases = append(cases, fmt.Sprint(rng.Uint64()>>rng.IntN(64)))
	}
	for _, c := range cases {
		got, gotOK := parseDecimal([]byte(c))
		want, wantOK := ParseSnowflake(c)
		if gotOK != (wantOK == nil) || gotOK && got != uint64(want) {
			t.Errorf("parseDecimal(%q) = %d, %v; ParseSnowflake: %d, %v", c, got, gotOK, want, wantOK)
		}
	}
}
