package etf

import (
	"math"
	"math/big"
	"strconv"
)

// MaxSafeInteger is the largest magnitude a big integer may have and still
// be written as a JSON number: 2^53-1, the bound within which every JSON
// implementation (a float64 in JavaScript) reads integers exactly
// (RFC 8259 §6). Larger big integers are written as JSON strings.
const MaxSafeInteger = 1<<53 - 1

// appendFloat appends f, finite, in the shortest form that reads back as
// the same float64. The text always has a fraction or an exponent ("1.0",
// "-0.0", "1e+21"), so it stays a float if it is encoded back into a term.
func appendFloat(dst []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// 1e-07 → 1e-7, as encoding/json writes it.
		if n := len(dst); n-start >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
		return dst
	}
	for _, c := range dst[start:] {
		if c == '.' {
			return dst
		}
	}
	return append(dst, '.', '0')
}

// trimBig drops the high zero bytes of a little-endian magnitude.
func trimBig(mag []byte) []byte {
	for len(mag) > 0 && mag[len(mag)-1] == 0 {
		mag = mag[:len(mag)-1]
	}
	return mag
}

// appendBig appends the integer with little-endian magnitude mag and sign
// neg as a JSON number when its magnitude is at most MaxSafeInteger, and as
// a JSON string of its decimal value otherwise.
func appendBig(dst, mag []byte, neg bool) []byte {
	mag = trimBig(mag)
	if len(mag) <= 8 {
		var u uint64
		for i := len(mag) - 1; i >= 0; i-- {
			u = u<<8 | uint64(mag[i])
		}
		if u <= MaxSafeInteger {
			if neg && u != 0 {
				dst = append(dst, '-')
			}
			return strconv.AppendUint(dst, u, 10)
		}
	}
	dst = append(dst, '"')
	dst = appendBigDecimal(dst, mag, neg)
	return append(dst, '"')
}

// appendBigDecimal appends the decimal text of the integer with
// little-endian magnitude mag and sign neg. Up to 64 bits it allocates
// nothing; beyond, it uses math/big.
func appendBigDecimal(dst, mag []byte, neg bool) []byte {
	mag = trimBig(mag)
	if neg && len(mag) > 0 {
		dst = append(dst, '-')
	}
	if len(mag) <= 8 {
		var u uint64
		for i := len(mag) - 1; i >= 0; i-- {
			u = u<<8 | uint64(mag[i])
		}
		return strconv.AppendUint(dst, u, 10)
	}
	be := make([]byte, len(mag))
	for i, c := range mag {
		be[len(mag)-1-i] = c
	}
	return new(big.Int).SetBytes(be).Append(dst, 10)
}
