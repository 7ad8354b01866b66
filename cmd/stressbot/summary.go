package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
)

// Summary is the final report of a run. Its JSON keys up to duration_sec
// are a contract that other tools rely on: add to them, never rename.
type Summary struct {
	Shards          int     `json:"shards"`
	Ready           int     `json:"ready"`
	Events          int64   `json:"events"`
	EventsPerSec    float64 `json:"events_per_sec"`
	BytesWire       int64   `json:"bytes_wire"`
	BytesDecoded    int64   `json:"bytes_decoded"`
	Identifies      int64   `json:"identifies"`
	Resumes         int64   `json:"resumes"`
	Reconnects      int64   `json:"reconnects"`
	InvalidSessions int64   `json:"invalid_sessions"`
	FaultsInjected  int64   `json:"faults_injected"`
	Lost            int64   `json:"lost"`
	Duplicated      int64   `json:"duplicated"`
	OutOfOrder      int64   `json:"out_of_order"`
	Errors          int64   `json:"errors"`
	HeapBytes       uint64  `json:"heap_bytes"`
	Goroutines      int     `json:"goroutines"`
	DurationSec     float64 `json:"duration_sec"`

	// Beyond the contract.
	Encoding string `json:"encoding"`
	Compress string `json:"compress"`
	Target   string `json:"target"` // "emulator", "discord", or "custom gateway" (-gateway or -api)
	// The heartbeat latencies are null when no heartbeat was acknowledged
	// during the run: there is nothing to report, which is not 0 ms.
	LatencyP50Ms *float64 `json:"heartbeat_latency_p50_ms"`
	LatencyP99Ms *float64 `json:"heartbeat_latency_p99_ms"`
	// ProtocolDeviations counts sequence numbers that no Discord session
	// would send (a READY not numbered 1, s of 0 or less, a jump of more
	// than a million); they are not counted as lost or out of order.
	// DeviationExamples describes the first few.
	ProtocolDeviations int64    `json:"protocol_deviations"`
	DeviationExamples  []string `json:"protocol_deviation_examples,omitempty"`
	// ClosedResumable is how many shards were closed at the end with their
	// session still resumable: all of them after a clean stop or Ctrl-C.
	ClosedResumable int `json:"closed_resumable"`
	// IdentifyBudget is the number of identifies the run could spend at
	// its start, and IdentifyBudgetFrom where that number came from:
	// "gateway/bot" (the REST answer, also the embedded emulator's),
	// "-max-identifies" (a custom gateway whose budget is unknown).
	IdentifyBudget     int     `json:"identify_budget,omitempty"`
	IdentifyBudgetFrom string  `json:"identify_budget_from,omitempty"`
	Sessions           int64   `json:"sessions"`
	FatalError         string  `json:"fatal_error,omitempty"`
	StopReason         string  `json:"stop_reason"`
	WireMBPerSec       float64 `json:"wire_mb_per_sec"`
	DecodedMBPerS      float64 `json:"decoded_mb_per_sec"`
	// CacheDifferences is, with -cache, how many differences the
	// comparison of the cache with the emulator's world found (0 for a
	// pass); absent without -cache. Cache has the details.
	CacheDifferences *int64        `json:"cache_differences,omitempty"`
	Cache            *CacheSummary `json:"cache,omitempty"`
}

// WriteJSON writes the summary as one JSON object on one line.
func (s *Summary) WriteJSON(w io.Writer) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// WriteTable writes the summary as a readable two-column table.
func (s *Summary) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k string, v any) { fmt.Fprintf(tw, "  %s\t%v\n", k, v) }
	fmt.Fprintf(tw, "stressbot summary (%s, %s, compress %s)\n", s.Target, s.Encoding, s.Compress)
	row("duration", fmt.Sprintf("%.1f s (%s)", s.DurationSec, s.StopReason))
	row("shards ready", fmt.Sprintf("%d / %d", s.Ready, s.Shards))
	row("events", fmt.Sprintf("%d (%.0f/s)", s.Events, s.EventsPerSec))
	row("wire", fmt.Sprintf("%s (%.1f MB/s)", bytesHuman(s.BytesWire), s.WireMBPerSec))
	row("decoded", fmt.Sprintf("%s (%.1f MB/s)", bytesHuman(s.BytesDecoded), s.DecodedMBPerS))
	row("identifies / resumes", fmt.Sprintf("%d / %d", s.Identifies, s.Resumes))
	row("reconnects", s.Reconnects)
	row("invalid sessions", s.InvalidSessions)
	row("faults injected", s.FaultsInjected)
	row("lost / duplicated / out of order", fmt.Sprintf("%d / %d / %d", s.Lost, s.Duplicated, s.OutOfOrder))
	row("protocol deviations", s.ProtocolDeviations)
	for _, ex := range s.DeviationExamples {
		row("", "  "+printable(ex, maxPrintedError))
	}
	row("errors", s.Errors)
	row("heartbeat latency p50 / p99", millis(s.LatencyP50Ms)+" / "+millis(s.LatencyP99Ms))
	row("closed resumably", fmt.Sprintf("%d / %d", s.ClosedResumable, s.Shards))
	if s.IdentifyBudgetFrom != "" {
		row("identify budget", fmt.Sprintf("%d (from %s)", s.IdentifyBudget, s.IdentifyBudgetFrom))
	}
	row("heap / goroutines", fmt.Sprintf("%s / %d", bytesHuman(int64(s.HeapBytes)), s.Goroutines))
	if c := s.Cache; c != nil {
		row("cache differences", fmt.Sprintf("%d (world compared field by field; %d restarts from snapshots, %d shards restored)", c.Differences, c.Restarts, c.RestoredShards))
		for _, ex := range c.DifferenceExamples {
			row("", "  "+printable(ex, maxPrintedError))
		}
		row("cache applied / replayed", fmt.Sprintf("%d / %d (%d guilds, %d members, %d users)", c.Applied, c.Replayed, c.Guilds, c.Members, c.Users))
	}
	if s.FatalError != "" {
		row("fatal", printable(s.FatalError, maxPrintedError))
	}
	return tw.Flush()
}

// millis writes a latency in milliseconds, or "n/a" when there is none.
func millis(ms *float64) string {
	if ms == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.2f ms", *ms)
}

func bytesHuman(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
