package gatewayutil_test

import (
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// wss:// verifies the server's certificate: an unknown authority is refused,
// and the same server is accepted once its certificate is trusted.
func TestShardTLS(t *testing.T) {
	srv := startShardEmulator(t, gatewaytest.Config{Guilds: 2})
	tlsSrv := httptest.NewUnstartedServer(srv)
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	wss := "wss" + strings.TrimPrefix(tlsSrv.URL, "https")

	untrusted := runShard(t, srv, func(c *gatewayutil.Config) { c.URL = wss })
	waitUntil(t, 5*time.Second, "a failed attempt", func() bool { return untrusted.Status().LastError != nil })
	var unknown x509.UnknownAuthorityError
	require.True(t, errors.As(untrusted.Status().LastError, &unknown), "refused for its certificate: %v", untrusted.Status().LastError)
	require.Zero(t, untrusted.Status().Connections)

	trusted := runShard(t, srv, func(c *gatewayutil.Config) {
		c.URL = wss
		c.TLSConfig = tlsSrv.Client().Transport.(*http.Transport).TLSClientConfig
	})
	trusted.waitConnected(t)
	trusted.waitEvents(t, 3)
	trusted.check.requireClean(t)
}
