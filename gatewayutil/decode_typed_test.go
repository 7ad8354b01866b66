package gatewayutil_test

import (
	"context"
	"errors"
	"testing"

	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// selfDecoding decodes itself and records that it did.
type selfDecoding struct {
	data  string
	calls int
}

var errSelfDecoding = errors.New("selfDecoding refuses")

func (s *selfDecoding) DecodeJSON(data []byte) error {
	s.calls++
	if string(data) == "bad" {
		return errSelfDecoding
	}
	s.data = string(data)
	return nil
}

func TestOnUsesTypesOwnDecoder(t *testing.T) {
	var hookErr error
	d := gatewayutil.NewDispatcher(gatewayutil.OnDecodeError(func(e *gatewayutil.Event, err error) { hookErr = err }))
	defer closeOK(t, d)
	var got []*selfDecoding
	gatewayutil.On(d, event.TypingStart, func(ctx context.Context, e *gatewayutil.Event, v *selfDecoding) {
		got = append(got, v)
	})
	ctx := context.Background()
	// Not JSON at all: encoding/json would refuse it, so only the type's own
	// decoder can have accepted it.
	_ = d.Dispatch(ctx, &gatewayutil.Event{Type: event.TypingStart, Seq: 1, Data: []byte("not json")})
	_ = d.Dispatch(ctx, &gatewayutil.Event{Type: event.TypingStart, Seq: 2, Data: []byte("bad")})
	if len(got) != 1 || got[0].data != "not json" || got[0].calls != 1 {
		t.Fatalf("handler got %+v, want one value decoded once by DecodeJSON", got)
	}
	if !errors.Is(hookErr, errSelfDecoding) {
		t.Errorf("decode error hook got %v, want the DecodeJSON error wrapped", hookErr)
	}
	if st := d.Stats().Events[event.TypingStart]; st.DecodeErrors != 1 {
		t.Errorf("stats %+v, want 1 decode error", st)
	}
}
