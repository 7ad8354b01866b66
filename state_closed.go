package gateway

import (
	"io"

	"github.com/gatewaykit/gateway/encoding"
)

// stateClosedT is final: a closed Client processes nothing.
type stateClosedT struct{}

func (stateClosedT) id() State { return StateClosed }

func (stateClosedT) handle(*Client, *encoding.Envelope, io.Writer) (Result, error) {
	return Result{}, ErrClosed
}
