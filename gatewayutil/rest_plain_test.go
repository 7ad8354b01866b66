package gatewayutil

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingTransport refuses every request and counts them.
type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	c.n.Add(1)
	return nil, errors.New("no network in tests")
}

// An http:// API base to a host that is not loopback is refused before any
// request (the token would cross the network in clear text, and a forged
// answer names the gateway the token goes to), as ws:// is on the gateway
// side; loopback (an emulator) is fine, and a Manager whose shards allow
// plain ws:// allows it too. Before, any http:// base was used.
func TestRESTRefusesPlainHTTPToRemoteHosts(t *testing.T) {
	tr := &countingTransport{}
	client := &http.Client{Transport: tr}
	for _, base := range []string{"http://discord.com/api/v10", "http://10.0.0.5:8080/api", "HTTP://example.com", "http://127.0.0.1.example.com/api"} {
		_, err := FetchGatewayBot(t.Context(), client, base, testToken)
		if err == nil || !strings.Contains(err.Error(), "https") {
			t.Errorf("FetchGatewayBot with %s: got %v, want a refusal asking for https", base, err)
		}
		noLeak(t, err)
		if _, err := FetchGateway(t.Context(), client, base); err == nil || !strings.Contains(err.Error(), "https") {
			t.Errorf("FetchGateway with %s: got %v, want a refusal asking for https", base, err)
		}
	}
	if n := tr.n.Load(); n != 0 {
		t.Fatalf("%d requests were sent over plain http", n)
	}

	defer func(d time.Duration) { restBackoff = d }(restBackoff)
	restBackoff = time.Millisecond // the refused requests are retried
	for _, base := range []string{"http://127.0.0.1:9/api/v10", "http://localhost:9/api", "http://[::1]:9/api", "https://discord.com/api/v10"} {
		before := tr.n.Load()
		_, err := FetchGatewayBot(t.Context(), client, base, testToken)
		if err == nil || tr.n.Load() == before {
			t.Errorf("%s: got %v after %d requests; want the request sent (and failed by the test transport)", base, err, tr.n.Load()-before)
		}
	}
	before := tr.n.Load()
	if _, err := fetchGatewayBot(t.Context(), client, "http://10.0.0.5:8080/api", testToken, true); err == nil || tr.n.Load() == before {
		t.Errorf("with plain allowed: got %v, want the request sent", err)
	}
}
