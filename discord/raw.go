package discord

import "errors"

// Raw is a JSON value kept as it came, for fields whose shape depends on
// something else (an interaction's data, a message's components) or that
// this package does not model. nil means the field was missing; the four
// bytes "null" mean it was null.
//
// A Raw filled by DecodeJSON shares a block with the strings of this and
// other decoded values (it cannot grow into them): read it, or copy it
// before changing it.
type Raw []byte

// MarshalJSON returns r, or null when r is nil.
func (r Raw) MarshalJSON() ([]byte, error) {
	if r == nil {
		return []byte("null"), nil
	}
	return r, nil
}

// UnmarshalJSON keeps a copy of b.
func (r *Raw) UnmarshalJSON(b []byte) error {
	if r == nil {
		return errors.New("discord: UnmarshalJSON on nil *Raw")
	}
	*r = append((*r)[:0:0], b...)
	return nil
}

// IsZero reports whether r is missing (nil).
func (r Raw) IsZero() bool { return r == nil }

func (r Raw) appendJSON(dst []byte) []byte {
	if r == nil {
		return append(dst, "null"...)
	}
	return append(dst, r...)
}

func (r *Raw) decodeJSON(d *decoder) {
	if raw := d.r.Skip(); raw != nil {
		*r = Raw(d.keep(raw))
	}
}
