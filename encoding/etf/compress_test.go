package etf

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"testing"
)

// compress wraps a whole message in COMPRESSED, as term_to_binary(T,
// [compressed]) does.
func compress(t testing.TB, msg []byte) []byte {
	t.Helper()
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	if _, err := w.Write(msg[1:]); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out := binary.BigEndian.AppendUint32([]byte{Version, TagCompressed}, uint32(len(msg)-1))
	return append(out, z.Bytes()...)
}

func TestCompressedSizeMustMatch(t *testing.T) {
	var e Encoder
	msg, err := e.AppendFromJSON(nil, []byte(`{"a":[1,2,3],"b":"some text to inflate"}`))
	if err != nil {
		t.Fatal(err)
	}
	c := compress(t, msg)
	want, err := decodeJSON(msg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeJSON(c)
	if err != nil || got != want {
		t.Fatalf("COMPRESSED: got %s, %v; want %s", got, err, want)
	}
	for _, delta := range []int{-1, 1} {
		bad := bytes.Clone(c)
		binary.BigEndian.PutUint32(bad[2:], uint32(len(msg)-1+delta))
		if _, err := decodeJSON(bad); err == nil {
			t.Errorf("declared size off by %d: no error", delta)
		}
	}
	bad := bytes.Clone(c)
	bad[len(bad)-1] ^= 1 // adler32 checksum
	if _, err := decodeJSON(bad); err == nil {
		t.Error("bad checksum: no error")
	}
	if _, err := decodeJSON(append(bytes.Clone(c), 0)); err == nil {
		t.Error("byte after the zlib stream: no error")
	}
	// The Decoder reuses its inflater: a second message decodes the same.
	var d Decoder
	for range 3 {
		got, err := d.AppendJSON(nil, c)
		if err != nil || string(got) != want {
			t.Fatalf("reused Decoder: got %s, %v", got, err)
		}
	}
}
