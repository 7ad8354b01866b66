package gatewayutil

import (
	"net/url"
	"strings"
)

// ResumeURLPolicy decides whether a shard may follow the resume_gateway_url
// a READY handed it. READY comes from the server, so a policy keeps a
// compromised or impostor gateway from steering a shard, and the token it
// sends in Resume, to a host of its choosing. When the policy refuses a URL
// the shard resumes on its original gateway URL instead and logs a warning.
type ResumeURLPolicy func(u *url.URL) bool

// discordHosts are the domains whose subdomains host Discord's gateways.
var discordHosts = []string{"discord.gg", "discord.com", "discordapp.com"}

// DiscordResumeURLs is the default ResumeURLPolicy: wss:// to discord.gg,
// discord.com or discordapp.com, or a subdomain of one, on
// the default port.
func DiscordResumeURLs(u *url.URL) bool {
	if u == nil || !strings.EqualFold(u.Scheme, "wss") || u.User != nil {
		return false
	}
	if p := u.Port(); p != "" && p != "443" {
		return false
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	for _, d := range discordHosts {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// LoopbackResumeURLs allows what DiscordResumeURLs allows, plus ws:// and
// wss:// to loopback hosts on any port: for tests against a local emulator.
func LoopbackResumeURLs(u *url.URL) bool {
	if u == nil {
		return false
	}
	if (strings.EqualFold(u.Scheme, "ws") || strings.EqualFold(u.Scheme, "wss")) && u.User == nil && isLoopbackHost(u.Hostname()) {
		return true
	}
	return DiscordResumeURLs(u)
}

// resumeURLAllowed parses raw and asks policy about it.
func resumeURLAllowed(raw string, policy ResumeURLPolicy) bool {
	if raw == "" {
		return false
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	return policy(u)
}
