package discord

import "encoding/json"

// Optional is a field that Discord may leave out, send as null, or send
// with a value, where those three mean different things: in
// GUILD_MEMBER_UPDATE a member's nick that is null was removed, while a
// missing one says nothing. The zero Optional is missing.
//
// A struct field of this type is written back exactly as it came: left out
// when missing, null when null.
type Optional[T any] struct {
	value T
	state optionalState
}

type optionalState uint8

const (
	optionalMissing optionalState = iota
	optionalNull
	optionalSet
)

// Some returns an Optional holding v.
func Some[T any](v T) Optional[T] { return Optional[T]{value: v, state: optionalSet} }

// Null returns an Optional that is present and null.
func Null[T any]() Optional[T] { return Optional[T]{state: optionalNull} }

// Get returns the value and whether there is one (false when missing or
// null).
func (o Optional[T]) Get() (T, bool) { return o.value, o.state == optionalSet }

// Value returns the value, or T's zero value when missing or null.
func (o Optional[T]) Value() T { return o.value }

// IsSet reports whether there is a value (neither missing nor null).
func (o Optional[T]) IsSet() bool { return o.state == optionalSet }

// IsNull reports whether the field was present and null.
func (o Optional[T]) IsNull() bool { return o.state == optionalNull }

// IsZero reports whether the field is missing. encoding/json's omitzero
// option uses it.
func (o Optional[T]) IsZero() bool { return o.state == optionalMissing }

// MarshalJSON writes the value, or null when null or missing (a struct
// field tagged omitzero is left out when missing).
func (o Optional[T]) MarshalJSON() ([]byte, error) {
	if o.state != optionalSet {
		return []byte("null"), nil
	}
	return json.Marshal(o.value)
}

// UnmarshalJSON reads null or a value.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		var zero T
		o.value, o.state = zero, optionalNull
		return nil
	}
	if err := json.Unmarshal(b, &o.value); err != nil {
		return err
	}
	o.state = optionalSet
	return nil
}
