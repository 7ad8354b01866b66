//go:build race

package interop

import "testing"

// TestDisgo is skipped under the race detector: disgo v0.18.15 races with
// itself (its heartbeat goroutine writes the cancel func that
// CloseWithCode reads, gateway_impl.go:237), which fails any run that
// reconnects. scripts/test runs it without -race.
func TestDisgo(t *testing.T) {
	t.Skip("DISGO TEST SKIPPED UNDER -race: disgo v0.18.15 has a data race of its own on reconnect (heartbeatCancel, gateway_impl.go:237); scripts/test runs TestDisgo without -race")
}
