package gatewayutil_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// Discord asks for "DiscordBot ($url, $versionNumber)"; the version is the
// module's own.
func TestUserAgentCarriesVersion(t *testing.T) {
	if !strings.Contains(gatewayutil.UserAgent, gateway.Version) {
		t.Fatalf("UserAgent %q does not contain gateway.Version %q", gatewayutil.UserAgent, gateway.Version)
	}
	want := regexp.MustCompile(`^DiscordBot \(https://\S+, ` + regexp.QuoteMeta(gateway.Version) + `\)$`)
	if !want.MatchString(gatewayutil.UserAgent) {
		t.Fatalf("UserAgent %q is not DiscordBot ($url, %s)", gatewayutil.UserAgent, gateway.Version)
	}
}
