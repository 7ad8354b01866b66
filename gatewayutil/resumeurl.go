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

// DiscordResumeURLs is the default ResumeURLPolicy of a shard connecting to
// Discord: wss:// to discord.gg, discord.com or discordapp.com, or a
// subdomain of one, on the default port.
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

// SameHostResumeURLs returns a policy that allows resume URLs with the
// scheme and host (with its port) of gatewayURL, and nothing else: a
// self-hosted gateway may move a session to another path, never to
// another server.
func SameHostResumeURLs(gatewayURL string) ResumeURLPolicy {
	g, err := url.Parse(gatewayURL)
	if err != nil || g.Host == "" {
		return func(*url.URL) bool { return false }
	}
	scheme, host := strings.ToLower(g.Scheme), hostWithPort(g)
	return func(u *url.URL) bool {
		return u != nil && u.User == nil && strings.ToLower(u.Scheme) == scheme && hostWithPort(u) == host
	}
}

// hostWithPort is u's host, lower case, with the scheme's default port
// filled in, so that wss://h and wss://h:443 compare equal.
func hostWithPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch strings.ToLower(u.Scheme) {
		case "wss", "https":
			port = "443"
		case "ws", "http":
			port = "80"
		}
	}
	return strings.ToLower(strings.TrimSuffix(u.Hostname(), ".")) + ":" + port
}

// defaultResumeURLPolicy is the policy of a shard configured with
// gatewayURL and no policy of its own: Discord's gateways stay pinned to
// DiscordResumeURLs; a gateway of another host may also hand out resume
// URLs on its own host and scheme.
func defaultResumeURLPolicy(gatewayURL string) ResumeURLPolicy {
	if g, err := url.Parse(gatewayURL); err == nil && DiscordResumeURLs(g) {
		return DiscordResumeURLs
	}
	same := SameHostResumeURLs(gatewayURL)
	return func(u *url.URL) bool { return DiscordResumeURLs(u) || same(u) }
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
