package discord

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// checkFixedAgainstGeneral fails when the fixed-form parser accepts s
// but the general one does not, or reads another instant, or when
// parseTimestamp differs from the general parser in any way. It returns
// whether the fixed-form parser took s.
func checkFixedAgainstGeneral(t *testing.T, s string) bool {
	t.Helper()
	want, wantOK := parseTimestampGeneral([]byte(s))
	fixed, fixedOK := parseTimestampFixed([]byte(s))
	if fixedOK && (!wantOK || fixed.Time != want.Time) {
		t.Fatalf("parseTimestampFixed(%q) = %v, true; parseTimestampGeneral: %v, %v", s, fixed.Time, want.Time, wantOK)
	}
	got, ok := parseTimestamp([]byte(s))
	if ok != wantOK || got.Time != want.Time {
		t.Fatalf("parseTimestamp(%q) = %v, %v; parseTimestampGeneral: %v, %v", s, got.Time, ok, want.Time, wantOK)
	}
	return fixedOK
}

// randomTimestamp writes a timestamp whose fields are drawn over and
// a little beyond their ranges (day 31 of every month, hour 24, minute
// and second 60 and 61), with a fraction of 0 to 10 digits and one of
// Discord's offsets or a random one.
func randomTimestamp(rng *rand.Rand, minYear, maxYear int) string {
	year := minYear + rng.IntN(maxYear-minYear+1)
	s := fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d", year, 1+rng.IntN(12), 1+rng.IntN(31), rng.IntN(25), rng.IntN(61), rng.IntN(62))
	if digits := rng.IntN(11); digits > 0 {
		s += "." + fmt.Sprintf("%010d", rng.Uint64N(1e10))[:digits]
	}
	switch rng.IntN(4) {
	case 0:
		s += "+00:00"
	case 1:
		s += "Z"
	default:
		sign := "+-"[rng.IntN(2)]
		s += fmt.Sprintf("%c%02d:%02d", sign, rng.IntN(25), rng.IntN(61))
	}
	return s
}

// TestParseTimestampFixedMatchesGeneral checks the fixed-form parser
// against the general one (itself checked against time.Date) over
// random timestamps, of Discord's years and of every year, and over
// every byte of Discord's forms replaced by bytes next to the ones
// expected (a digit's neighbours '/' and ':', letters, separators,
// bytes outside ASCII): any string the fixed-form parser accepts, the
// general one accepts as the same instant, and parseTimestamp refuses
// exactly what the general parser refuses.
func TestParseTimestampFixedMatchesGeneral(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 3))
	took := 0
	for i := range 200000 {
		minYear, maxYear := 1970, 2099
		if i%2 == 0 {
			minYear, maxYear = 0, 9999
		}
		if checkFixedAgainstGeneral(t, randomTimestamp(rng, minYear, maxYear)) {
			took++
		}
	}
	// About half the random strings are valid; most of those have a
	// fraction of seven digits or fewer. If the fixed-form parser took
	// none, the comparison above would have tested nothing.
	if took < 200000/5 {
		t.Fatalf("the fixed-form parser took %d of 200000 random timestamps; expected most valid ones", took)
	}

	edges := []string{
		"1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000000+00:00", "1969-12-31T23:59:59.999999+00:00",
		"0001-01-01T00:00:00Z", "0001-01-01T00:59:59+01:00", "0001-01-01T01:00:00+01:00", "0000-12-31T23:00:00-01:00",
		"9999-12-31T23:59:59.9999999Z", "9999-12-31T23:59:59.999999999+00:00", "9999-12-31T23:00:00-01:00",
		"2099-12-31T23:59:59.999999+00:00", "2100-01-01T00:00:00+00:00",
		"2024-02-29T12:00:00+00:00", "2000-02-29T12:00:00+00:00", "2023-02-29T12:00:00+00:00",
		"2100-02-29T12:00:00+00:00", "1900-02-29T00:00:00Z", "2025-02-30T00:00:00Z", "2025-04-31T00:00:00Z",
		"2025-00-10T00:00:00Z", "2025-13-10T00:00:00Z", "2025-01-00T00:00:00Z", "2025-01-32T00:00:00Z",
		"2025-11-02T24:00:00+00:00", "2025-11-02T23:60:00+00:00", "2025-11-02T23:59:60+00:00",
		"2025-11-02T12:59:60+00:00", "2025-11-02T12:00:61Z", "2016-12-31T23:59:60Z",
		"2025-11-02T18:04:31.512000+00:00", "2025-11-02T18:04:31.5+00:00", "2025-11-02T18:04:31.5Z",
		"2025-11-02T18:04:31.51234567+00:00", "2025-11-02T18:04:31.512345678+00:00",
		"2025-11-02T18:04:31.5123456789+00:00", "2025-11-02T18:04:31.+00:00", "2025-11-02T18:04:31.Z",
		"2025-11-02T18:04:31+23:59", "2025-11-02T18:04:31-23:59", "2025-11-02T18:04:31+24:00",
		"2025-11-02T18:04:31+23:60", "2025-11-02T18:04:31+0000", "2025-11-02T18:04:31+00:00:00",
		"2025-11-02t18:04:31Z", "2025-11-02 18:04:31Z", "2025-11-02T18:04:31z", "2025-11-02T18:04:31",
		"2025-11-02T18:04:31.512000+00:00x", "2025-11-02T18:04:31.512000", "2025-11-02T18:04:31ZZ",
		"", "2025", "2025-11-02T18:04:31.", "2025-11-02T18:04:31.1234",
	}
	for _, s := range edges {
		checkFixedAgainstGeneral(t, s)
	}
	for _, s := range []string{"2025-11-02T18:04:31.512000+00:00", "2025-11-02T18:04:31Z", "2024-02-29T23:59:59.1-07:30"} {
		if !checkFixedAgainstGeneral(t, s) {
			t.Errorf("the fixed-form parser refused Discord's form %q", s)
		}
	}

	bases := []string{"2025-11-02T18:04:31.512000+00:00", "2024-02-29T09:09:59Z", "1999-09-19T19:39:49.9-09:59"}
	replacements := []byte{'/', ':', '0', '9', 'a', 'A', 'T', 't', 'Z', '-', '+', '.', ' ', 0, 0x7F, 0x80, 0xB0, 0xFF}
	for _, base := range bases {
		for i := range len(base) {
			for _, c := range replacements {
				b := []byte(base)
				b[i] = c
				checkFixedAgainstGeneral(t, string(b))
			}
			checkFixedAgainstGeneral(t, base[:i])
			checkFixedAgainstGeneral(t, base[:i]+base[i+1:])
		}
	}
}

// TestCivilDaysMatchesDaysFromCivil checks the unsigned day count on
// every day of every year a timestamp can write.
func TestCivilDaysMatchesDaysFromCivil(t *testing.T) {
	for year := 0; year <= 9999; year++ {
		for month := 1; month <= 12; month++ {
			for _, day := range []int{1, 15, 28, daysIn(month, year)} {
				if got, want := civilDays(year, month, day), daysFromCivil(year, month, day); got != want {
					t.Fatalf("civilDays(%d, %d, %d) = %d, want %d", year, month, day, got, want)
				}
			}
		}
	}
}

// FuzzTimestampFixed compares the fixed-form timestamp parser with the
// general one on any input.
func FuzzTimestampFixed(f *testing.F) {
	for _, s := range []string{
		"2025-11-02T18:04:31.512000+00:00", "2025-11-02T18:04:31Z", "2024-02-29T23:59:59.1-07:30",
		"2025-02-30T00:00:00Z", "2025-11-02T24:00:00+00:00", "2025-11-02T12:59:60+00:00",
		"9999-12-31T23:59:59.9999999Z", "0001-01-01T00:59:59+01:00", "2025-11-02T18:04:31.51234567+00:00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkFixedAgainstGeneral(t, s)
	})
}
