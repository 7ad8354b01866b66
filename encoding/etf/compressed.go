package etf

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
	"strconv"
)

// maxDeflateRatio bounds how much deflate can expand: a stored length code
// covers at most 258 bytes in one bit-minimal symbol pair, about 1032 output
// bytes per input byte. A COMPRESSED term that declares more than this
// many times its compressed size cannot be honest and fails before any
// allocation.
const maxDeflateRatio = 1032

// Body checks the version byte of a whole encoded message and returns the
// bytes that hold its top-level term and the term's offset in them: msg and
// 1, or, when the term is COMPRESSED, the inflated bytes (in d's own
// buffer, valid until the next call) and 0.
//
// The declared uncompressed size must be at most Limits.MaxInflated and
// plausible for the compressed size, and the zlib stream must inflate to
// exactly that size with a valid checksum and nothing after it.
func (d *Decoder) Body(msg []byte) ([]byte, int, error) {
	if len(msg) == 0 {
		return nil, 0, termErr(0, "empty message")
	}
	if msg[0] != Version {
		return nil, 0, termErr(0, "version byte is "+strconv.Itoa(int(msg[0]))+", not 131")
	}
	if len(msg) < 2 {
		return nil, 0, termErr(1, "no term after the version byte")
	}
	if msg[1] != TagCompressed {
		return msg, 1, nil
	}
	if len(msg) < 6 {
		return nil, 0, truncated(1, "COMPRESSED")
	}
	size := uint64(binary.BigEndian.Uint32(msg[2:]))
	zdata := msg[6:]
	lim := d.Limits.withDefaults()
	if size > uint64(lim.MaxInflated) {
		return nil, 0, limitErr(2, "COMPRESSED term declares "+strconv.FormatUint(size, 10)+
			" inflated bytes, over the limit of "+strconv.Itoa(lim.MaxInflated))
	}
	if size > uint64(len(zdata))*maxDeflateRatio {
		return nil, 0, termErr(2, "COMPRESSED term declares "+strconv.FormatUint(size, 10)+
			" inflated bytes, more than "+strconv.Itoa(len(zdata))+" compressed bytes can hold")
	}
	if size == 0 {
		return nil, 0, termErr(2, "COMPRESSED term declares 0 inflated bytes")
	}
	d.zsrc.Reset(zdata)
	if d.zr == nil {
		zr, err := zlib.NewReader(&d.zsrc)
		if err != nil {
			return nil, 0, termErr(6, "COMPRESSED data is not a zlib stream: "+err.Error())
		}
		d.zr = zr
	} else if err := d.zr.(zlib.Resetter).Reset(&d.zsrc, nil); err != nil {
		return nil, 0, termErr(6, "COMPRESSED data is not a zlib stream: "+err.Error())
	}
	if uint64(cap(d.inflated)) < size {
		d.inflated = make([]byte, size)
	}
	out := d.inflated[:size]
	if _, err := io.ReadFull(d.zr, out); err != nil {
		return nil, 0, termErr(6, "COMPRESSED data does not inflate to the declared "+
			strconv.FormatUint(size, 10)+" bytes: "+err.Error())
	}
	var one [1]byte
	if n, err := d.zr.Read(one[:]); n != 0 {
		return nil, 0, termErr(6, "COMPRESSED data inflates to more than the declared "+strconv.FormatUint(size, 10)+" bytes")
	} else if err != io.EOF {
		return nil, 0, termErr(6, "COMPRESSED data is corrupt: "+errText(err))
	}
	if d.zsrc.Len() != 0 {
		return nil, 0, termErr(len(msg)-d.zsrc.Len(), strconv.Itoa(d.zsrc.Len())+" bytes after the COMPRESSED zlib stream")
	}
	return out, 0, nil
}

// errText is err's text, or "no error" for nil.
func errText(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

// zlibState is the inflater a Decoder reuses for COMPRESSED terms.
type zlibState struct {
	zsrc bytes.Reader
	zr   io.ReadCloser
}
