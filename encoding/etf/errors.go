package etf

import (
	"errors"
	"fmt"
)

// ErrMalformed is matched (errors.Is) by every error decoding a term.
var ErrMalformed = errors.New("etf: malformed term")

// ErrInvalidJSON is matched by every error encoding JSON text into a term:
// the input is not valid JSON, or holds something a term cannot carry.
var ErrInvalidJSON = errors.New("etf: invalid JSON input")

// ErrLimit is matched, in addition to ErrMalformed or ErrInvalidJSON, by an
// error that comes from a [Limits] bound (depth, big integer size,
// decompressed size) rather than from broken input.
var ErrLimit = errors.New("etf: limit exceeded")

// SyntaxError says what is wrong with an input and at which byte offset.
// Decoding errors match [ErrMalformed]; encoding errors (bad JSON input)
// match [ErrInvalidJSON]; both match [ErrLimit] when a limit was hit.
type SyntaxError struct {
	// Offset is the byte offset into the input where the problem was found.
	// Inside a COMPRESSED term it counts from the start of the inflated
	// bytes, and Msg says so.
	Offset int
	// Msg says what was wrong.
	Msg string

	json  bool // input was JSON text (encoding), not a term
	limit bool // a Limits bound was hit
}

// Error implements error.
func (e *SyntaxError) Error() string {
	if e.json {
		return fmt.Sprintf("etf: invalid JSON input at offset %d: %s", e.Offset, e.Msg)
	}
	return fmt.Sprintf("etf: malformed term at offset %d: %s", e.Offset, e.Msg)
}

// Is makes errors.Is match ErrMalformed (decoding) or ErrInvalidJSON
// (encoding), and ErrLimit when a limit was exceeded.
func (e *SyntaxError) Is(target error) bool {
	switch target {
	case ErrMalformed:
		return !e.json
	case ErrInvalidJSON:
		return e.json
	case ErrLimit:
		return e.limit
	}
	return false
}

// termErr is a decoding error at off.
func termErr(off int, msg string) *SyntaxError { return &SyntaxError{Offset: off, Msg: msg} }

// limitErr is a decoding error at off caused by a Limits bound.
func limitErr(off int, msg string) *SyntaxError {
	return &SyntaxError{Offset: off, Msg: msg, limit: true}
}

// jsonErr is an encoding error at offset off of the JSON input.
func jsonErr(off int, msg string) *SyntaxError {
	return &SyntaxError{Offset: off, Msg: msg, json: true}
}

// truncated reports that a term of kind what starting at off needs more
// bytes than the input holds.
func truncated(off int, what string) *SyntaxError {
	return termErr(off, what+" runs past the end of the input")
}
