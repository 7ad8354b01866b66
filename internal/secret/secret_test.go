package secret

import (
	"fmt"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	for _, s := range []string{"", "a", strings.Repeat("token.part-", 40)} {
		sealed := Seal(s)
		if got := sealed.Open(); got != s {
			t.Fatalf("Open(Seal(%q)) = %q", s, got)
		}
		if sealed.IsZero() != (s == "") {
			t.Fatalf("IsZero of Seal(%q) = %v", s, sealed.IsZero())
		}
	}
}

func TestSealedStringIsNotInItsBytes(t *testing.T) {
	const s = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789"
	sealed := Seal(s)
	if strings.Contains(string(sealed.masked), s[:16]) {
		t.Fatal("the masked bytes hold the clear text")
	}
	type holder struct{ v String }
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		for _, v := range []any{sealed, &sealed, holder{sealed}, &holder{sealed}} {
			out := fmt.Sprintf(verb, v)
			if strings.Contains(out, s[:16]) || strings.Contains(out, fmt.Sprintf("%x", s[:16])) || strings.Contains(out, fmt.Sprintf("%X", s[:16])) {
				t.Fatalf("%s of %T prints the secret: %s", verb, v, out)
			}
		}
	}
}
