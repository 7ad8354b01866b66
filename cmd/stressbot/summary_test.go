package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// The contract's keys (README, "stressbot") must all be present in -json output.
var contractKeys = []string{"shards", "ready", "events", "events_per_sec", "bytes_wire", "bytes_decoded",
	"identifies", "resumes", "reconnects", "invalid_sessions", "faults_injected", "lost",
	"duplicated", "out_of_order", "errors", "heap_bytes", "goroutines", "duration_sec"}

func TestSummaryJSONHasEveryContractKey(t *testing.T) {
	var buf bytes.Buffer
	s := Summary{Shards: 3, Lost: 2}
	if err := s.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if strings.Count(buf.String(), "\n") != 1 {
		t.Fatalf("not one line: %q", buf.String())
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range contractKeys {
		if _, ok := m[k]; !ok {
			t.Errorf("missing key %q", k)
		}
	}
	if m["shards"] != 3.0 || m["lost"] != 2.0 {
		t.Fatalf("%v", m)
	}
}

func TestBytesHuman(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 5 << 20: "5.0 MiB"} {
		if got := bytesHuman(n); got != want {
			t.Errorf("bytesHuman(%d) = %q, want %q", n, got, want)
		}
	}
}
