package main

import (
	"fmt"
	"io"
	"testing"

	"github.com/gatewaykit/gateway/internal/testenv"
)

// The README states the embedded emulator's defaults and the identify cap:
// they must be what the flags really default to.
func TestREADMEStatesTheDefaults(t *testing.T) {
	o, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	testenv.DocStates(t, "../../README.md",
		fmt.Sprintf("`-time-scale %v`", o.timeScale),
		fmt.Sprintf("`-emu-max-concurrency %d`", o.emuMaxConcurrency),
		fmt.Sprintf("`-emu-guilds %d`", o.emuGuilds),
		fmt.Sprintf("`-emu-rate %v`", o.emuRate),
		fmt.Sprintf("`-chaos %v`", o.chaos),
		fmt.Sprintf("`-max-identifies` (default %d)", o.maxIdentifies),
	)
}
