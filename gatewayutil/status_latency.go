package gatewayutil

// HasLatency reports whether Latency was measured: false until a heartbeat
// was acknowledged, when Latency is 0 because it is unknown, not because the
// round trip took no time. Print "n/a" rather than 0 then.
func (s Status) HasLatency() bool { return len(s.Latencies) > 0 }

// latencyText is Latency for String: "n/a" until it was measured.
func (s Status) latencyText() string {
	if !s.HasLatency() {
		return "n/a"
	}
	return s.Latency.String()
}
