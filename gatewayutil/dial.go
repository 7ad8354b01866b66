package gatewayutil

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
)

// APIVersion is the gateway version shards connect with (the "v" query
// parameter).
const APIVersion = 10

// ErrBadURL is matched by the errors for a gateway URL a shard cannot use:
// unparsable, not ws:// or wss://, no host, or plain ws:// to a host that
// is not loopback.
var ErrBadURL = errors.New("gatewayutil: unusable gateway URL")

// gatewayURL returns base with the query parameters a gateway connection
// needs (docs/protocol.md §1.2): v, encoding and, for transport compression,
// compress. It is built with net/url, so a base with or without a trailing
// slash, or with a query of its own, comes out right. Plain ws:// is refused
// unless the host is loopback or allowPlain is set.
func gatewayURL(base string, encoding string, comp Compression, allowPlain bool) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadURL, err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	switch u.Scheme {
	case "wss":
	case "ws":
		if !allowPlain && !isLoopbackHost(u.Hostname()) {
			return "", fmt.Errorf("%w: %s: plain ws:// is only allowed to loopback hosts", ErrBadURL, u.Redacted())
		}
	default:
		return "", fmt.Errorf("%w: %s: scheme must be wss (or ws to loopback)", ErrBadURL, u.Redacted())
	}
	if u.Host == "" {
		return "", fmt.Errorf("%w: %q has no host", ErrBadURL, base)
	}
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" {
		u.Path, u.RawPath = "/", ""
	}
	q := u.Query()
	q.Set("v", strconv.Itoa(APIVersion))
	q.Set("encoding", encoding)
	if c := comp.queryValue(); c != "" {
		q.Set("compress", c)
	} else {
		q.Del("compress")
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// isLoopbackHost reports whether host (no port) names the local machine.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// dialer opens WebSocket connections for a shard.
type dialer struct {
	handshakeTimeout time.Duration
	writeTimeout     time.Duration
	tlsConfig        *tls.Config
	netDial          func(ctx context.Context, network, addr string) (net.Conn, error)
	userAgent        string
}

// dial connects to rawURL (already built by gatewayURL) and completes the
// WebSocket handshake within the handshake timeout. TLS certificates are
// verified against the system roots unless tlsConfig says otherwise.
func (d *dialer) dial(ctx context.Context, rawURL string, binaryData bool, wire *atomic.Int64) (*wsConn, error) {
	wd := ws.Dialer{
		Timeout:   d.handshakeTimeout,
		TLSConfig: d.tlsConfig,
		NetDial:   d.netDial,
	}
	if d.userAgent != "" {
		wd.Header = ws.HandshakeHeaderHTTP(http.Header{"User-Agent": {d.userAgent}})
	}
	nc, br, _, err := wd.Dial(ctx, rawURL)
	if err != nil {
		if nc != nil {
			_ = nc.Close()
		}
		return nil, fmt.Errorf("gatewayutil: dialing %s: %w", redactURL(rawURL), err)
	}
	c := newWSConn(nc, binaryData, d.writeTimeout, wire)
	if br != nil {
		// The server spoke right after the handshake: keep those bytes.
		if n := br.Buffered(); n > 0 {
			p, _ := br.Peek(n)
			c.rd.preload(p)
			wire.Add(int64(n))
		}
		ws.PutReader(br)
	}
	return c, nil
}

// redactURL hides any password in a URL for logs and errors.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparsable URL>"
	}
	return u.Redacted()
}
