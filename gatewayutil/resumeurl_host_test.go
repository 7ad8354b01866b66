package gatewayutil_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway/gatewayutil"
)

// With no policy configured, a shard of a self-hosted gateway follows a
// resume_gateway_url on the host (and port) and scheme it was configured
// with; before, every resume URL of a gateway that was not Discord was
// refused, so the shard always resumed on the original URL.
func TestDefaultResumePolicyFollowsConfiguredHost(t *testing.T) {
	dialed, g, _ := resumeURLRun(t, "ws://$SELF/resume-here", nil)
	assert.Equal(t, []string{g.Addr(), g.Addr()}, dialed)
	assert.Equal(t, []string{"/", "/resume-here"}, g.Paths(), "the resume went to resume_gateway_url")
}

// Any other host, port, scheme or user info is never dialed by the default
// policy of a self-hosted gateway.
func TestDefaultResumePolicyRefusesOtherHosts(t *testing.T) {
	evil := startScriptedGateway(t, func(c *gwConn, n int) { c.hello(); c.drain(5 * time.Second) })
	for _, hostile := range []string{
		"ws://" + evil.Addr(),     // same IP, another port
		"wss://$SELF",             // another scheme
		"ws://user@$SELF",         // user info
		"ws://evil.example",       // another host
		"ws://$SELF.evil.example", // a host that starts like ours
		"ws://evil.example/$SELF",
		"wss://evil.example?h=$SELF",
	} {
		t.Run(hostile, func(t *testing.T) {
			dialed, g, logs := resumeURLRun(t, hostile, nil)
			for _, a := range dialed {
				assert.Equal(t, g.Addr(), a, "the shard dialed %s", a)
			}
			assert.Equal(t, []string{"/", "/"}, g.Paths(), "resumed on the configured URL")
			assert.Contains(t, logs, "resume_gateway_url", "the refusal is logged")
		})
	}
	assert.Zero(t, evil.conns.Load(), "nobody connected to the other host")
}

// SameHostResumeURLs compares scheme, host and port, with default ports
// filled in, and refuses user info.
func TestSameHostResumeURLs(t *testing.T) {
	p := gatewayutil.SameHostResumeURLs("wss://gw.example.net/gateway")
	for raw, want := range map[string]bool{
		"wss://gw.example.net":            true,
		"wss://GW.example.net:443/resume": true,
		"wss://gw.example.net.":           true,
		"wss://gw.example.net:8443":       false,
		"ws://gw.example.net":             false,
		"wss://u@gw.example.net":          false,
		"wss://other.example.net":         false,
		"wss://example.net":               false,
	} {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		assert.Equal(t, want, p(u), raw)
	}
	assert.False(t, gatewayutil.SameHostResumeURLs("::bad")(&url.URL{Scheme: "wss", Host: "x"}))
}
