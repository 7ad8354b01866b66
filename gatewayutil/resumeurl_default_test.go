package gatewayutil

import (
	"net/url"
	"testing"
)

// The default policy keeps a shard of Discord's gateway pinned to Discord's
// hosts on the default port (a same-host rule would have let another port
// of gateway.discord.gg in); a shard of another gateway also follows its
// own host.
func TestDefaultResumeURLPolicy(t *testing.T) {
	for gw, cases := range map[string]map[string]bool{
		"wss://gateway.discord.gg": {
			"wss://gateway-us-east1-b.discord.gg": true,
			"wss://gateway.discord.gg/?v=10":      true,
			"wss://gateway.discord.gg:8443":       false,
			"ws://gateway.discord.gg":             false,
			"wss://evil.example":                  false,
		},
		"wss://gw.example.net:7000/gateway": {
			"wss://gw.example.net:7000/resume":    true,
			"wss://gateway-us-east1-b.discord.gg": true,
			"wss://gw.example.net":                false,
			"ws://gw.example.net:7000":            false,
			"wss://evil.example:7000":             false,
		},
	} {
		p := defaultResumeURLPolicy(gw)
		for raw, want := range cases {
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if got := p(u); got != want {
				t.Errorf("gateway %s, resume URL %s: allowed %v, want %v", gw, raw, got, want)
			}
		}
	}
}
