package cluster

import (
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
)

// Connect connects to NATS with the options the cluster relies on, then opts:
//
//   - reconnect for ever, every 250 ms, so a node heals once NATS is back;
//   - no reconnect buffer: while disconnected a publish fails at once. A
//     buffered compare-and-set that times out here but lands after the
//     reconnect would change a lease or the budget behind the caller's back.
//
// name identifies the connection in NATS's monitoring.
func Connect(url, name string, opts ...nats.Option) (*nats.Conn, error) {
	base := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.ReconnectJitter(100*time.Millisecond, 100*time.Millisecond),
		nats.ReconnectBufSize(-1),
		nats.Timeout(2 * time.Second),
		nats.RetryOnFailedConnect(true),
	}
	nc, err := nats.Connect(url, append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("cluster: connect to NATS: %w", err)
	}
	return nc, nil
}
