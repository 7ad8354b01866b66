package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

// The README states the embedded emulator's defaults and the identify cap:
// they must be what the flags really default to.
func TestREADMEStatesTheDefaults(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	o, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		fmt.Sprintf("`-time-scale %v`", o.timeScale),
		fmt.Sprintf("`-emu-max-concurrency %d`", o.emuMaxConcurrency),
		fmt.Sprintf("`-emu-guilds %d`", o.emuGuilds),
		fmt.Sprintf("`-emu-rate %v`", o.emuRate),
		fmt.Sprintf("`-chaos %v`", o.chaos),
		fmt.Sprintf("`-max-identifies` (default %d)", o.maxIdentifies),
	} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README does not state the default %s", want)
		}
	}
}
