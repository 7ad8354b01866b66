package main

import "testing"

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

func TestAuditShardsAreSeparate(t *testing.T) {
	a := NewAudit()
	a.Observe(0, 1, true)
	a.Observe(1, 1, true)
	a.Observe(0, 2, false)
	a.Observe(1, 2, false)
	if got := a.Totals(); got.Lost != 0 || got.Duplicated != 0 || got.OutOfOrder != 0 {
		t.Fatalf("%+v", got)
	}
}
