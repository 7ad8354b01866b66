package discord_test

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/discord/internal/gen"
	"github.com/gatewaykit/gateway/event"
)

func sprintf(format string, v any) string { return fmt.Sprintf(format, v) }

func TestPayloadForEveryEvent(t *testing.T) {
	if len(event.All) != 79 {
		t.Fatalf("event.All has %d names, the table was written for 79", len(event.All))
	}
	types := map[string]string{}
	for _, name := range event.All {
		p, ok := discord.PayloadFor(name)
		if !ok {
			t.Errorf("no payload type for %s", name)
			continue
		}
		typ := fmt.Sprintf("%T", p)
		if other, dup := types[typ]; dup {
			t.Errorf("%s and %s share payload type %s", name, other, typ)
		}
		types[typ] = name
		if err := p.DecodeJSON([]byte(`{}`)); err != nil {
			t.Errorf("%s: decoding {}: %v", name, err)
		}
	}
	if _, ok := discord.PayloadFor("NOT_AN_EVENT"); ok {
		t.Error("PayloadFor(NOT_AN_EVENT) found a type")
	}
}

// TestGeneratedCodeIsCurrent fails when json_generated.go is not what the
// generator writes from today's struct definitions.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	want, err := gen.Generate(".")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(gen.OutputFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run go generate ./discord", gen.OutputFile)
	}
}
