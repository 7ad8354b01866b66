package cluster

import (
	"strconv"
	"testing"

	"github.com/nats-io/nats.go"
)

// Whatever headers a live partition receives, in whatever order, what it
// lets through is in order: per session strictly increasing seqs, a session
// never again once a newer one began, epochs never going back. Malformed
// headers are refused, never a panic.
func FuzzLiveGate(f *testing.F) {
	f.Add([]byte{0, 1, 1, 0, 0, 2, 1, 0, 0, 1, 1, 0, 1, 5, 2, 1})
	f.Add([]byte{2, 9, 3, 1, 2, 8, 3, 0, 1, 1, 4, 0, 2, 10, 3, 0})
	f.Add([]byte("\xff\xfe\x00\x01garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var g liveGate
		sessions := []string{"a", "b", "c"}
		last := map[string]int64{}
		var order []string
		var epoch uint64
		for len(b) >= 4 {
			h := nats.Header{}
			sess := sessions[int(b[0])%len(sessions)]
			h.Set(HeaderSession, sess)
			switch b[0] >> 6 {
			case 3:
				h.Set(HeaderSeq, "x"+strconv.Itoa(int(b[1])))
			default:
				h.Set(HeaderSeq, strconv.Itoa(int(b[1])))
			}
			if b[2] != 0 {
				h.Set(HeaderEpoch, strconv.Itoa(int(b[2])))
			}
			if b[3]&1 != 0 {
				h.Set(HeaderReplay, "1")
			}
			if b[3]&2 != 0 {
				h.Set(HeaderPrev, strconv.Itoa(int(b[3]>>2)))
			}
			b = b[4:]
			v, seq, _ := g.admit(h)
			if v != liveHandle {
				continue
			}
			if seq <= last[sess] {
				t.Fatalf("session %s: seq %d let through after %d", sess, seq, last[sess])
			}
			last[sess] = seq
			if n := len(order); n == 0 || order[n-1] != sess {
				for _, s := range order {
					if s == sess {
						t.Fatalf("session %s let through again after %v", sess, order)
					}
				}
				order = append(order, sess)
			}
			if e := h.Get(HeaderEpoch); e != "" {
				n, _ := strconv.ParseUint(e, 10, 64)
				if n < epoch {
					t.Fatalf("epoch %d let through after %d", n, epoch)
				}
				epoch = n
			}
		}
	})
}
