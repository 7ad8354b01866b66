package gatewaytest

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gatewaykit/gateway/intents"
)

// TestDiscordJSClient runs a mature third-party client, discord.js's
// @discordjs/ws, unchanged against the emulator: two shards, each
// compression it supports, with chaos. It needs Node.js and the package:
//
//	mkdir /tmp/djs && cd /tmp/djs && npm install @discordjs/ws@2
//	GATEWAYTEST_DISCORDJS=/tmp/djs go test ./gatewaytest -run TestDiscordJSClient -v
func TestDiscordJSClient(t *testing.T) {
	dir := os.Getenv("GATEWAYTEST_DISCORDJS")
	if dir == "" {
		t.Skip("THIRD-PARTY CLIENT TEST SKIPPED: set GATEWAYTEST_DISCORDJS to a directory where `npm install @discordjs/ws@2` was run")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skipf("THIRD-PARTY CLIENT TEST SKIPPED: no node on PATH: %v", err)
	}
	script, err := os.ReadFile("testdata/discordjs/run.mjs")
	if err != nil {
		t.Fatal(err)
	}
	// ES modules resolve imports next to the script: put it beside
	// node_modules.
	f, err := os.CreateTemp(dir, "gatewaytest-*.mjs")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(f.Name()) })
	if _, err := f.Write(script); err != nil {
		t.Fatal(err)
	}
	f.Close()

	for _, mode := range []string{"none", "zlib", "payload"} {
		t.Run(mode, func(t *testing.T) {
			s := newTestServer(t, Config{
				Guilds: 6, Shards: 2, Tokens: []string{"tok"}, AllowedPrivileged: intents.MessageContent,
				Traffic: true, Rate: 100, Chaos: 1, TimeScale: 0.1, Seed: 3,
			})
			out, err := exec.Command(node, f.Name(), s.APIURL(), mode, "1000").Output()
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			var sum struct {
				Total  int            `json:"total"`
				Counts map[string]int `json:"counts"`
			}
			if jerr := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil || jerr != nil {
				t.Fatalf("node: %v, output %q", err, out)
			}
			st := s.Stats()
			t.Logf("discord.js (%s): %d dispatches %v; emulator: %d faults, %d resumes, %d identifies", mode, sum.Total, sum.Counts, st.FaultsInjected, st.Resumes, st.Identifies)
			if sum.Counts["READY"] < 2 || sum.Counts["GUILD_CREATE"] < 6 || sum.Counts["MESSAGE_CREATE"] == 0 {
				t.Fatalf("discord.js saw %v", sum.Counts)
			}
			if st.Violations != 0 {
				for _, c := range s.Conns() {
					if r := c.Record(); len(r.Violations) > 0 {
						t.Errorf("%v", r)
					}
				}
				t.Fatalf("discord.js broke the protocol %d times", st.Violations)
			}
		})
	}
}
