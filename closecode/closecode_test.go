package closecode

import "testing"

func TestPolicy(t *testing.T) {
	want := map[Code]Action{
		4000: Resume, 4001: Resume, 4002: Resume, 4003: Reidentify, 4004: Fatal,
		4005: Resume, 4007: Reidentify, 4008: Resume, 4009: Reidentify, 4010: Fatal,
		4011: Fatal, 4012: Fatal, 4013: Fatal, 4014: Fatal,
		1000: Resume, 1001: Resume, 1006: Resume, 4006: Resume, 4999: Resume, 0: Resume,
	}
	for c, a := range want {
		if got := c.Action(); got != a {
			t.Errorf("%v.Action() = %v, want %v", c, got, a)
		}
		if c.Fatal() != (a == Fatal) {
			t.Errorf("%v.Fatal() = %v", c, c.Fatal())
		}
	}
	if len(All) != 14 {
		t.Fatalf("All has %d codes, want 14", len(All))
	}
	for _, c := range All {
		if !c.Known() {
			t.Errorf("%d not Known", int(c))
		}
	}
	if Code(4006).Known() {
		t.Error("4006 is a voice code and must not be known")
	}
	if !Normal.InvalidatesWhenSent() || !GoingAway.InvalidatesWhenSent() || Resumable.InvalidatesWhenSent() {
		t.Error("InvalidatesWhenSent wrong")
	}
}

func TestString(t *testing.T) {
	if got := AuthenticationFailed.String(); got != "4004 authentication failed" {
		t.Fatalf("got %q", got)
	}
	if got := Code(4999).String(); got != "4999" {
		t.Fatalf("got %q", got)
	}
}
