package main

import (
	"fmt"
	"io"
	"testing"

	"github.com/gatewaykit/gateway/internal/testenv"
)

// The README's table of defaults (cmd/emulator against stressbot's embedded
// emulator) must say what the flags really default to.
func TestREADMEStatesTheDefaults(t *testing.T) {
	cfg, _, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	testenv.DocStates(t, "../../README.md",
		fmt.Sprintf("`-time-scale %v`", cfg.TimeScale),
		fmt.Sprintf("`-max-concurrency %d`", cfg.MaxConcurrency),
		fmt.Sprintf("`-guilds %d`", cfg.Guilds),
		fmt.Sprintf("`-rate %v`", cfg.Rate),
		fmt.Sprintf("`-chaos %v`", cfg.Chaos),
	)
}
