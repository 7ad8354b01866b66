package gatewaytest

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Clients must send ETF maps with string (binary) keys; atom keys close the
// connection with 4002 (docs/protocol.md §11.1). The codec turns both into JSON
// keys, so the check walks the term itself.

var errETFTruncated = errors.New("ETF term runs past the end of the message")

// ETF tags the walker needs (docs/protocol.md §11.2).
const (
	etfVersion     = 131
	etfNewFloat    = 70
	etfCompressed  = 80
	etfSmallInt    = 97
	etfInt         = 98
	etfFloat       = 99
	etfAtom        = 100
	etfSmallTuple  = 104
	etfLargeTuple  = 105
	etfNil         = 106
	etfString      = 107
	etfList        = 108
	etfBinary      = 109
	etfSmallBig    = 110
	etfLargeBig    = 111
	etfSmallAtom   = 115
	etfMap         = 116
	etfAtomUTF8    = 118
	etfSmallAtomU8 = 119
)

func etfIsAtom(tag byte) bool {
	return tag == etfAtom || tag == etfSmallAtom || tag == etfAtomUTF8 || tag == etfSmallAtomU8
}

// etfCheckKeys returns an error if any map in the message has an atom key,
// or if the message is compressed (clients must not send COMPRESSED terms).
func etfCheckKeys(msg []byte) error {
	if len(msg) == 0 || msg[0] != etfVersion {
		return nil // the codec already accepted it
	}
	_, err := etfWalk(msg, 1, 0)
	return err
}

// etfWalk checks the term at b[i] and returns the index past it.
func etfWalk(b []byte, i, depth int) (int, error) {
	if depth > 64 {
		return 0, errors.New("ETF term nested too deeply")
	}
	if i >= len(b) {
		return 0, errETFTruncated
	}
	tag := b[i]
	i++
	need := func(n int) (int, error) {
		if n < 0 || len(b)-i < n {
			return 0, errETFTruncated
		}
		return i + n, nil
	}
	u16 := func() (int, error) {
		if len(b)-i < 2 {
			return 0, errETFTruncated
		}
		n := int(binary.BigEndian.Uint16(b[i:]))
		i += 2
		return n, nil
	}
	u32 := func() (int, error) {
		if len(b)-i < 4 {
			return 0, errETFTruncated
		}
		n := binary.BigEndian.Uint32(b[i:])
		i += 4
		if n > uint32(len(b)) {
			return 0, errETFTruncated
		}
		return int(n), nil
	}
	switch tag {
	case etfSmallInt:
		return need(1)
	case etfInt:
		return need(4)
	case etfNewFloat:
		return need(8)
	case etfFloat:
		return need(31)
	case etfNil:
		return i, nil
	case etfAtom, etfAtomUTF8, etfString:
		n, err := u16()
		if err != nil {
			return 0, err
		}
		return need(n)
	case etfSmallAtom, etfSmallAtomU8:
		if i >= len(b) {
			return 0, errETFTruncated
		}
		n := int(b[i])
		i++
		return need(n)
	case etfBinary:
		n, err := u32()
		if err != nil {
			return 0, err
		}
		return need(n)
	case etfSmallBig:
		if i >= len(b) {
			return 0, errETFTruncated
		}
		n := int(b[i])
		i++
		return need(n + 1)
	case etfLargeBig:
		n, err := u32()
		if err != nil {
			return 0, err
		}
		return need(n + 1)
	case etfSmallTuple, etfLargeTuple, etfList:
		var n int
		var err error
		if tag == etfSmallTuple {
			if i >= len(b) {
				return 0, errETFTruncated
			}
			n = int(b[i])
			i++
		} else if n, err = u32(); err != nil {
			return 0, err
		}
		for k := 0; k < n; k++ {
			if i, err = etfWalk(b, i, depth+1); err != nil {
				return 0, err
			}
		}
		if tag == etfList {
			return etfWalk(b, i, depth+1) // the tail
		}
		return i, nil
	case etfMap:
		n, err := u32()
		if err != nil {
			return 0, err
		}
		for k := 0; k < n; k++ {
			if i < len(b) && etfIsAtom(b[i]) {
				return 0, fmt.Errorf("ETF map key at offset %d is an atom; keys must be strings", i)
			}
			if i, err = etfWalk(b, i, depth+1); err != nil {
				return 0, err
			}
			if i, err = etfWalk(b, i, depth+1); err != nil {
				return 0, err
			}
		}
		return i, nil
	case etfCompressed:
		return 0, errors.New("ETF COMPRESSED term: clients must not send compressed messages")
	}
	return 0, fmt.Errorf("ETF tag %d at offset %d is not accepted", tag, i-1)
}
