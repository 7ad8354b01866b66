package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

// The README's table of defaults (cmd/emulator against stressbot's embedded
// emulator) must say what the flags really default to.
func TestREADMEStatesTheDefaults(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		fmt.Sprintf("`-time-scale %v`", cfg.TimeScale),
		fmt.Sprintf("`-max-concurrency %d`", cfg.MaxConcurrency),
		fmt.Sprintf("`-guilds %d`", cfg.Guilds),
		fmt.Sprintf("`-rate %v`", cfg.Rate),
		fmt.Sprintf("`-chaos %v`", cfg.Chaos),
	} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README does not state the default %s", want)
		}
	}
}
