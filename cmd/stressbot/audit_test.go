package main

import (
	"math"
	"strings"
	"testing"
)

func TestAudit(t *testing.T) {
	cases := []struct {
		name string
		seqs []int64 // 0 = a READY with seq 1
		want AuditTotals
	}{
		{"in order", []int64{0, 2, 3, 4}, AuditTotals{Events: 4, Sessions: 1}},
		{"gap", []int64{0, 2, 5}, AuditTotals{Events: 3, Sessions: 1, Lost: 2}},
		{"repeat", []int64{0, 2, 3, 3, 2}, AuditTotals{Events: 5, Sessions: 1, Duplicated: 2}},
		{"reversal fills gap", []int64{0, 3, 2, 4}, AuditTotals{Events: 4, Sessions: 1, OutOfOrder: 1}},
		{"new session restarts", []int64{0, 2, 3, 0, 2, 3}, AuditTotals{Events: 6, Sessions: 2}},
		{"far jump", []int64{0, 10000, 10001}, AuditTotals{Events: 3, Sessions: 1, Lost: 9998}},
		{"too old to tell", []int64{0, 5000, 2}, AuditTotals{Events: 3, Sessions: 1, Lost: 4998, OutOfOrder: 1}},
	}
	for _, c := range cases {
		a := NewAudit()
		for _, s := range c.seqs {
			if s == 0 {
				a.Observe(7, 1, true)
			} else {
				a.Observe(7, s, false)
			}
		}
		if got := a.Totals(); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

// What no loss or reordering explains is a protocol deviation, counted
// apart: a server that numbers from 0 (an independent Discord-compatible
// server does) used to show one event out of order per session, and one
// huge s used to show 9.2e18 events lost.
func TestAuditProtocolDeviations(t *testing.T) {
	type obs struct {
		seq   int64
		ready bool
	}
	r := func(s int64) obs { return obs{s, true} }
	d := func(s int64) obs { return obs{s, false} }
	cases := []struct {
		name string
		obs  []obs
		want AuditTotals
		desc string // in the first example
	}{
		{"READY numbered 0", []obs{r(0), d(1), d(2), d(3)},
			AuditTotals{Events: 4, Sessions: 1, Deviations: 1}, "READY with s=0"},
		{"two sessions numbered from 0", []obs{r(0), d(1), r(0), d(1), d(2)},
			AuditTotals{Events: 5, Sessions: 2, Deviations: 2}, "READY with s=0"},
		{"READY numbered 5, then below it", []obs{r(5), d(6), d(3), d(7)},
			AuditTotals{Events: 4, Sessions: 1, Deviations: 1, OutOfOrder: 1}, "READY with s=5"},
		{"huge s", []obs{r(1), d(2), d(math.MaxInt64)},
			AuditTotals{Events: 3, Sessions: 1, Deviations: 1}, "s jumped from 2 to 9223372036854775807"},
		{"huge s, then back to normal", []obs{r(1), d(2), d(math.MaxInt64), d(3), d(4)},
			AuditTotals{Events: 5, Sessions: 1, Deviations: 2}, "s jumped"},
		{"huge s, then it goes on", []obs{r(1), d(math.MaxInt64 - 1), d(math.MaxInt64)},
			AuditTotals{Events: 3, Sessions: 1, Deviations: 1}, "s jumped"},
		{"zero and negative s", []obs{r(1), d(0), d(-5), d(math.MinInt64), d(2)},
			AuditTotals{Events: 5, Sessions: 1, Deviations: 3}, "dispatch with s=0"},
		{"READY with the lowest s", []obs{r(math.MinInt64), d(math.MaxInt64), d(1)},
			AuditTotals{Events: 3, Sessions: 1, Deviations: 3}, "READY with s=-9223372036854775808"},
		{"a plausible gap is still loss", []obs{r(1), d(maxPlausibleJump + 1)},
			AuditTotals{Events: 2, Sessions: 1, Lost: maxPlausibleJump - 1}, ""},
	}
	for _, c := range cases {
		a := NewAudit()
		for _, o := range c.obs {
			a.Observe(3, o.seq, o.ready)
		}
		if got := a.Totals(); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
		ex := a.DeviationExamples()
		if c.desc == "" {
			if len(ex) != 0 {
				t.Errorf("%s: examples %q, want none", c.name, ex)
			}
			continue
		}
		if len(ex) == 0 || !strings.HasPrefix(ex[0], "shard 3: ") || !strings.Contains(ex[0], c.desc) {
			t.Errorf("%s: examples %q, want the first to say %q", c.name, ex, c.desc)
		}
	}
}

func TestAuditKeepsFewExamples(t *testing.T) {
	a := NewAudit()
	for range 100 {
		a.Observe(0, 0, true)
	}
	if got := a.Totals().Deviations; got != 100 {
		t.Fatalf("deviations %d, want 100", got)
	}
	if got := len(a.DeviationExamples()); got != maxDeviationExamples {
		t.Fatalf("%d examples kept, want %d", got, maxDeviationExamples)
	}
}

func TestAuditShardsAreSeparate(t *testing.T) {
	a := NewAudit()
	a.Observe(0, 1, true)
	a.Observe(1, 1, true)
	a.Observe(0, 2, false)
	a.Observe(1, 2, false)
	if got := a.Totals(); got.Lost != 0 || got.Duplicated != 0 || got.OutOfOrder != 0 || got.Deviations != 0 {
		t.Fatalf("%+v", got)
	}
}

// FuzzAudit feeds the audit any sequence a server could send: it must not
// panic, lost never goes negative (every number taken back was counted as
// a gap before), and no event is counted twice over.
func FuzzAudit(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3})
	f.Add([]byte{0x80, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 3})
	f.Add([]byte{0x81, 5, 6, 3, 3, 7})
	f.Fuzz(func(t *testing.T, data []byte) {
		a := NewAudit()
		for len(data) > 0 {
			// A byte with the top bit set is a READY; 0xff starts a full
			// 8-byte number, anything else is a small number.
			b := data[0]
			data = data[1:]
			ready := b&0x80 != 0 && b != 0xff
			seq := int64(b & 0x7f)
			if b == 0xff && len(data) >= 8 {
				var u uint64
				for i := range 8 {
					u |= uint64(data[i]) << (8 * i)
				}
				seq, data = int64(u), data[8:]
			}
			a.Observe(int(b%3), seq, ready)
			got := a.Totals()
			if got.Lost < 0 {
				t.Fatalf("lost went negative: %+v", got)
			}
			if got.Duplicated+got.OutOfOrder+got.Deviations > got.Events {
				t.Fatalf("more verdicts than events: %+v", got)
			}
		}
	})
}
