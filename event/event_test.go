package event

import (
	"strings"
	"testing"
)

func TestAll(t *testing.T) {
	if len(All) != 79 {
		t.Fatalf("len(All) = %d, want 79 (docs/protocol.md §7)", len(All))
	}
	seen := map[string]bool{}
	for _, n := range All {
		if seen[n] {
			t.Errorf("duplicate %s", n)
		}
		seen[n] = true
		if n != strings.ToUpper(n) || strings.ContainsAny(n, " -") {
			t.Errorf("%q is not UPPER_SNAKE_CASE", n)
		}
		if !Known(n) {
			t.Errorf("%s not Known", n)
		}
	}
	for _, old := range []string{"MESSAGE_ACK", "CHANNEL_PINS_ACK", "USER_SETTINGS_UPDATE", "VOICE_SPEAKING_UPDATE", ""} {
		if Known(old) {
			t.Errorf("%q must be unknown", old)
		}
	}
}

func TestInternAllocs(t *testing.T) {
	b := []byte("MESSAGE_CREATE")
	allocs := testing.AllocsPerRun(100, func() {
		s, ok := Intern(b)
		if !ok || s != MessageCreate {
			t.Fatal("Intern failed")
		}
	})
	if allocs != 0 {
		t.Fatalf("Intern allocates %v times", allocs)
	}
	if _, ok := Intern([]byte("NOPE")); ok {
		t.Fatal("Intern accepted an unknown name")
	}
}
