package opcode

import "testing"

func TestDirections(t *testing.T) {
	send := map[Opcode]bool{1: true, 2: true, 3: true, 4: true, 6: true, 8: true, 31: true, 43: true}
	recv := map[Opcode]bool{0: true, 1: true, 7: true, 9: true, 10: true, 11: true}
	for op := Opcode(-1); op < 64; op++ {
		if got := op.Sendable(); got != send[op] {
			t.Errorf("%v.Sendable() = %v, want %v", op, got, send[op])
		}
		if got := op.Receivable(); got != recv[op] {
			t.Errorf("%v.Receivable() = %v, want %v", op, got, recv[op])
		}
		if got, want := op.Known(), send[op] || recv[op]; got != want {
			t.Errorf("%v.Known() = %v, want %v", op, got, want)
		}
	}
	if len(All) != len(table) {
		t.Fatalf("All has %d op codes, table %d", len(All), len(table))
	}
	for i := 1; i < len(All); i++ {
		if All[i-1] >= All[i] {
			t.Fatalf("All is not ascending at %d", i)
		}
	}
}

func TestCommand(t *testing.T) {
	for _, op := range All {
		want := op.Sendable() && op != Heartbeat && op != Identify && op != Resume
		if op.Command() != want {
			t.Errorf("%v.Command() = %v, want %v", op, op.Command(), want)
		}
	}
}
