package main

import (
	"io"
	"net"
	"testing"
)

// Without -addr the standalone emulator listens on 127.0.0.1 only: it
// accepts any token by default, so it must not be reachable from other
// machines unless the operator asks for it.
func TestDefaultAddrIsLoopback(t *testing.T) {
	cfg, _, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		t.Fatalf("default -addr %q is not a loopback address", cfg.Addr)
	}
	cfg, _, err = parseFlags([]string{"-addr", "127.0.0.1:4567"}, io.Discard)
	if err != nil || cfg.Addr != "127.0.0.1:4567" {
		t.Fatalf("-addr not taken: %q, %v", cfg.Addr, err)
	}
}
