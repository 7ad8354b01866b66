package gateway_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/encoding"
)

// TestHelloIntervalBounds: a HELLO interval under 1 ms (which used to be
// taken, down to 0 for a fraction of a nanosecond, making the heartbeat
// timer spin) or over 10 minutes is refused as malformed, naming the
// range; the bounds themselves are accepted.
func TestHelloIntervalBounds(t *testing.T) {
	for _, ms := range []string{"0.999", "0.5", "1e-7", "1e-300", "0", "-0", "600000.001"} {
		c := newClient(t)
		_, err := c.ProcessNext(bytes.NewReader(msg(10, nil, nil, `{"heartbeat_interval":`+ms+`}`)), &wire{})
		require.ErrorIs(t, err, encoding.ErrMalformed, ms)
		assert.Contains(t, err.Error(), "out of range [1ms, 10m0s]", ms)
		assert.Equal(t, gateway.StateHello, c.State())
	}
	for ms, want := range map[float64]time.Duration{1: time.Millisecond, 600000: 10 * time.Minute, 41250: 41250 * time.Millisecond} {
		c := newClient(t)
		process(t, c, &wire{}, msg(10, nil, nil, fmt.Sprintf(`{"heartbeat_interval":%v}`, ms)))
		assert.Equal(t, want, c.HeartbeatInterval())
	}
}
