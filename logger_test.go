package gateway_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/gatewaykit/gateway"
)

// quiet discards logs, for fuzzing and benchmarks.
var quiet = slog.New(slog.DiscardHandler)

// Without WithLogger a Client logs to slog.Default(), so what it reports is
// visible unless the program says otherwise.
func TestClientLogsToDefaultLogger(t *testing.T) {
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	defer slog.SetDefault(prev)

	c := newClient(t)
	w := &wire{}
	process(t, c, w, hello)
	process(t, c, w, msg(7, nil, nil, "null"))
	if !strings.Contains(buf.String(), "gateway asked to reconnect") {
		t.Fatalf("the default logger got %q, want the client's op 7 message", buf.String())
	}

	// WithLogger(nil) keeps the default too.
	buf.Reset()
	c = newClient(t, gateway.WithLogger(nil))
	process(t, c, w, hello)
	process(t, c, w, msg(7, nil, nil, "null"))
	if !strings.Contains(buf.String(), "gateway asked to reconnect") {
		t.Fatalf("with WithLogger(nil) the default logger got %q", buf.String())
	}
}
