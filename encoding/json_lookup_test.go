package encoding

import (
	"errors"
	"testing"

	"github.com/gatewaykit/gateway/internal/testenv"
)

func TestLookup(t *testing.T) {
	msg := messageCreate(t)
	var e Envelope
	if err := JSON().Decode(msg, &e); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		obj   string
		key   string
		want  string
		found bool
	}{
		{"string keeps its quotes", `{"guild_id":"1091403920930152448","id":"1"}`, "guild_id", `"1091403920930152448"`, true},
		{"last key", `{"a":1,"guild_id":"7"}`, "guild_id", `"7"`, true},
		{"missing", `{"a":1,"b":{"guild_id":"7"}}`, "guild_id", "", false},
		{"nested keys are not top-level", `{"x":[{"id":"1"}],"y":{"id":"2"}}`, "id", "", false},
		{"object value whole", `{"author":{"id":"2","x":[1]},"id":"1"}`, "author", `{"id":"2","x":[1]}`, true},
		{"number", `{"guild_id":1091403920930152448}`, "guild_id", `1091403920930152448`, true},
		{"null", `{"guild_id":null}`, "guild_id", `null`, true},
		{"whitespace trimmed", " {\n \"user_id\" : \"8\" ,\n \"x\":[1]\n} \n", "user_id", `"8"`, true},
		{"escaped key matches", `{"guild\u005fid":"1"}`, "guild_id", `"1"`, true},
		{"escaped quote in key", `{"a\"b":1}`, `a"b`, `1`, true},
		{"escape not matched literally", `{"a\nb":1}`, `a\nb`, "", false},
		{"literal backslash key", `{"a\\nb":1}`, `a\nb`, `1`, true},
		{"surrogate pair key", `{"\ud83d\ude00":1}`, "😀", `1`, true},
		{"invalid UTF-8 key reads as U+FFFD", "{\"\xff\":1}", "\ufffd", `1`, true},
		{"invalid UTF-8 lookup key never matches", "{\"\xff\":1}", "\xff", "", false},
		{"duplicate key, last wins", `{"guild_id":"1","guild_id":"2"}`, "guild_id", `"2"`, true},
		{"empty key", `{"":5}`, "", `5`, true},
		{"empty object", `{}`, "a", "", false},
		{"message create d guild_id", string(e.D), "guild_id", `"1091403920930152448"`, true},
		{"message create d channel_id", string(e.D), "channel_id", `"1091403921475407882"`, true},
		{"message create d type", string(e.D), "type", `0`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, found, err := Lookup([]byte(tc.obj), tc.key)
			if err != nil {
				t.Fatalf("Lookup(%q, %q): %v", tc.obj, tc.key, err)
			}
			if found != tc.found || string(v) != tc.want {
				t.Fatalf("Lookup(%q, %q) = %q, %v; want %q, %v", tc.obj, tc.key, v, found, tc.want, tc.found)
			}
			checkLookup(t, []byte(tc.obj), tc.key)
		})
	}
}

func TestLookupNested(t *testing.T) {
	msg := messageCreate(t)
	var e Envelope
	if err := JSON().Decode(msg, &e); err != nil {
		t.Fatal(err)
	}
	author, found, err := Lookup(e.D, "author")
	if err != nil || !found {
		t.Fatalf("Lookup(d, author) = %v, %v", found, err)
	}
	id, found, err := Lookup(author, "id")
	if err != nil || !found {
		t.Fatalf("Lookup(author, id) = %v, %v", found, err)
	}
	if v, ok := ParseSnowflake(id); !ok || v != 298765432109876543 {
		t.Fatalf("author.id = %s → %d, %v", id, v, ok)
	}
}

func TestLookupErrors(t *testing.T) {
	tests := []struct {
		obj    string
		offset int
	}{
		{``, 0},
		{`null`, 0},
		{`[{"a":1}]`, 0},
		{`"a"`, 0},
		{`{"a":1`, 6},
		{`{"a":1,"b":tru}`, 14}, // invalid after the match
		{`{"b":[1,],"a":1}`, 8}, // invalid before the match
		{`{"a":1} {"a":2}`, 8},  // trailing value
		{`{"a" 1}`, 5},          // missing colon
		{"{\"a\":\"\x01\"}", 6}, // control byte
		{`{"a":1,}`, 7},         // trailing comma
		{`{"a":` + deepArray(maxDepth) + `}`, 5 + maxDepth - 1}, // too deep
	}
	for _, tc := range tests {
		_, found, err := Lookup([]byte(tc.obj), "a")
		var se *SyntaxError
		if !errors.As(err, &se) || !errors.Is(err, ErrMalformed) || found {
			t.Fatalf("Lookup(%.40q) = %v, %v; want a SyntaxError", tc.obj, found, err)
		}
		if se.Offset != tc.offset {
			t.Errorf("Lookup(%.40q) offset %d (%s), want %d", tc.obj, se.Offset, se.Msg, tc.offset)
		}
	}
}

func TestLookupAllocs(t *testing.T) {
	testenv.SkipAllocationCounts(t)
	var e Envelope
	if err := JSON().Decode(messageCreate(t), &e); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"guild_id", "author", "nonexistent", "\ufffd"} {
		allocs := testing.AllocsPerRun(50, func() {
			if _, _, err := Lookup(e.D, key); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("Lookup(d, %q) allocates %v times, want 0", key, allocs)
		}
	}
}

func TestLookupKeys(t *testing.T) {
	var e Envelope
	if err := JSON().Decode(messageCreate(t), &e); err != nil {
		t.Fatal(err)
	}
	keys := []string{"guild_id", "channel_id", "author", "user_id", "guild_id"}
	var values [5][]byte
	values[3] = []byte("stale") // must be cleared
	if err := LookupKeys(e.D, keys, values[:]); err != nil {
		t.Fatal(err)
	}
	for n, key := range keys {
		want, found, err := Lookup(e.D, key)
		if err != nil || string(values[n]) != string(want) || (values[n] != nil) != found {
			t.Errorf("LookupKeys %q = %q; Lookup gives %q, %v, %v", key, values[n], want, found, err)
		}
	}
	if values[3] != nil {
		t.Errorf("absent user_id = %q, want nil", values[3])
	}

	if err := LookupKeys(e.D, keys, values[:2]); err == nil || errors.Is(err, ErrMalformed) {
		t.Errorf("LookupKeys with too few value slots: err %v, want a usage error", err)
	}
	values = [5][]byte{}
	err := LookupKeys([]byte(`{"guild_id":"1","x":[}`), keys, values[:])
	if !errors.Is(err, ErrMalformed) || values[0] != nil {
		t.Errorf("LookupKeys on a malformed object = %v, guild_id %q; want ErrMalformed and nil", err, values[0])
	}
	if err := LookupKeys(e.D, nil, nil); err != nil {
		t.Errorf("LookupKeys with no keys on a valid object: %v", err)
	}
}

func TestLookupKeysAllocs(t *testing.T) {
	testenv.SkipAllocationCounts(t)
	var e Envelope
	if err := JSON().Decode(messageCreate(t), &e); err != nil {
		t.Fatal(err)
	}
	keys := []string{"guild_id", "channel_id", "author"}
	allocs := testing.AllocsPerRun(50, func() {
		var v [3][]byte
		if err := LookupKeys(e.D, keys, v[:]); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("LookupKeys allocates %v times, want 0", allocs)
	}
}

func TestParseSnowflake(t *testing.T) {
	tests := []struct {
		raw  string
		want uint64
		ok   bool
	}{
		{`"1091403920930152448"`, 1091403920930152448, true},
		{`1091403920930152448`, 1091403920930152448, true},
		{`"0"`, 0, true},
		{`0`, 0, true},
		{`"18446744073709551615"`, 1<<64 - 1, true},
		{`"18446744073709551616"`, 0, false}, // overflows
		{`"99999999999999999999"`, 0, false},
		{`"000000000000000000001"`, 0, false},
		{`"01"`, 0, false},
		{`""`, 0, false},
		{``, 0, false},
		{`"`, 0, false},
		{`null`, 0, false},
		{`"-1"`, 0, false},
		{`-1`, 0, false},
		{`1.0`, 0, false},
		{`1e3`, 0, false},
		{`"12a"`, 0, false},
		{`" 12"`, 0, false},
		{` 12`, 0, false},
		{`"\u0031"`, 0, false},
		{`"12`, 0, false},
		{`12"`, 0, false},
	}
	for _, tc := range tests {
		got, ok := ParseSnowflake([]byte(tc.raw))
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseSnowflake(%s) = %d, %v; want %d, %v", tc.raw, got, ok, tc.want, tc.ok)
		}
		checkSnowflake(t, []byte(tc.raw))
	}
}
