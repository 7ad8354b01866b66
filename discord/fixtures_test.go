package discord_test

import (
	"encoding/json"
	"os"
	"sort"
	"testing"

	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewaytest"
)

// TestDocumentedPayloadsRoundTrip decodes testdata/payloads.json, one
// payload in the shape Discord documents for each event the emulator does
// not generate, and re-encodes it with no field lost. With the traffic mix
// (TestTrafficMixRoundTrip) every one of the 79 events is covered.
func TestDocumentedPayloadsRoundTrip(t *testing.T) {
	raw, err := os.ReadFile("testdata/payloads.json")
	if err != nil {
		t.Fatal(err)
	}
	var fixtures map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fixtures); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(fixtures))
	for name := range fixtures {
		names = append(names, name)
	}
	sort.Strings(names)
	covered := map[string]bool{event.GuildCreate: true} // from the emulator's world
	for _, typ := range gatewaytest.TrafficEventTypes() {
		covered[typ] = true
	}
	for _, name := range names {
		if !event.Known(name) {
			t.Errorf("fixture for unknown event %s", name)
		}
		covered[name] = true
		t.Run(name, func(t *testing.T) { checkPayload(t, name, fixtures[name]) })
	}
	for _, name := range event.All {
		if !covered[name] {
			t.Errorf("no fixture and no generated traffic for %s", name)
		}
	}
}
