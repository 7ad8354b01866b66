package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gatewaykit/gateway/gatewayutil"
)

// progress prints a status line about once a second on stderr: rewritten
// in place on a terminal, as plain lines every plainEvery otherwise, not at
// all with -quiet. It never writes to stdout, which holds the summary only.
type progress struct {
	w      io.Writer
	tty    bool
	quiet  bool
	prev   gatewayutil.Status // totals at the previous line
	prevAt time.Duration
	wrote  bool
}

const plainEvery = 5 * time.Second

func newProgress(w io.Writer, quiet bool) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{w: w, tty: tty, quiet: quiet}
}

func (p *progress) update(elapsed time.Duration, st []gatewayutil.Status, a AuditTotals) {
	if p.quiet {
		return
	}
	if !p.tty && elapsed-p.prevAt < plainEvery {
		return
	}
	var tot gatewayutil.Status
	ready := 0
	var lat time.Duration
	acked := false
	for _, s := range st {
		if s.State == gatewayutil.ShardConnected {
			ready++
		}
		tot.BytesWire += s.BytesWire
		tot.BytesDecoded += s.BytesDecoded
		tot.Dispatches += s.Dispatches
		tot.Reconnects += s.Reconnects
		tot.Resumes += s.Resumes
		if s.HeartbeatAcks > 0 {
			acked = true
			lat = max(lat, s.Latency)
		}
	}
	hb := "n/a"
	if acked {
		hb = fmt.Sprintf("%.1f ms", float64(lat)/float64(time.Millisecond))
	}
	dt := (elapsed - p.prevAt).Seconds()
	if dt <= 0 {
		dt = 1
	}
	rate := func(now, before int64) float64 { return float64(now-before) / dt }
	line := fmt.Sprintf("%6.1fs  shards %d/%d ready  %8.0f ev/s  wire %6.2f MB/s  decoded %6.2f MB/s  reconnects %d  resumes %d  hb max %s  lost %d dup %d",
		elapsed.Seconds(), ready, len(st), rate(tot.Dispatches, p.prev.Dispatches),
		rate(tot.BytesWire, p.prev.BytesWire)/1e6, rate(tot.BytesDecoded, p.prev.BytesDecoded)/1e6,
		tot.Reconnects, tot.Resumes, hb, a.Lost, a.Duplicated)
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	} else {
		fmt.Fprintln(p.w, line)
	}
	p.wrote = true
	p.prev, p.prevAt = tot, elapsed
}

// done ends a rewritten line so the summary starts on its own.
func (p *progress) done() {
	if p.tty && p.wrote {
		fmt.Fprintln(p.w)
	}
}
