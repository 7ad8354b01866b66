package gatewayutil

import "fmt"

// JSONDecoder is implemented by types that decode JSON themselves, without
// reflection: every type of package discord (discord.MessageCreate, ...).
// [On] uses it instead of encoding/json when *T implements it. DecodeJSON
// must not keep data, which is only valid during the handler call.
type JSONDecoder interface {
	DecodeJSON(data []byte) error
}

// decodeEventInto decodes e.Data into v with v's own decoder when it has
// one, and with encoding/json (Event.Decode) otherwise. Errors name the
// event as Event.Decode's do.
func decodeEventInto(e *Event, v any) error {
	dec, ok := v.(JSONDecoder)
	if !ok {
		return e.Decode(v)
	}
	if err := dec.DecodeJSON(e.Data); err != nil {
		return fmt.Errorf("gatewayutil: decoding %s #%d: %w", e.Type, e.Seq, err)
	}
	return nil
}
