package main

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxPrintedError bounds an error message that carries text from the peer
// (a close reason, a REST body excerpt): a hostile server must not be able to
// flood the terminal.
const maxPrintedError = 512

// printable makes text that came from a peer safe for a terminal: control
// characters (escape sequences, carriage returns, NUL) and invalid UTF-8 are
// written as Go escapes, as strconv.Quote writes them, and the result is cut
// to at most limit bytes, ending in "…" when cut. Printable text, spaces and
// non-ASCII letters are kept as they are.
func printable(s string, limit int) string {
	var b strings.Builder
	cut := 0 // the longest escaped prefix that leaves room for "…"
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(`\x` + strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case r == ' ' || (unicode.IsPrint(r) && r != '\\'):
			b.WriteString(s[i : i+size])
		default:
			q := strconv.QuoteRune(r) // 'x' with x escaped
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
		if b.Len() > limit {
			return b.String()[:cut] + "…"
		}
		if b.Len() <= limit-len("…") {
			cut = b.Len()
		}
	}
	return b.String()
}
