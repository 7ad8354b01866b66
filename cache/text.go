package cache

import (
	"unique"

	"github.com/vmihailenco/msgpack/v5"
)

// Text is an interned string: every Text made from equal strings shares one
// copy of the bytes, and a Text is 8 bytes where a string is 16. The cache
// uses it for what repeats across guilds (channel, role and emoji names,
// locales, features); the zero Text is "".
type Text struct{ h unique.Handle[string] }

// MakeText interns s.
func MakeText(s string) Text {
	if s == "" {
		return Text{}
	}
	return Text{h: unique.Make(s)}
}

// String returns the text.
func (t Text) String() string {
	if t.h == (unique.Handle[string]{}) {
		return ""
	}
	return t.h.Value()
}

// IsZero reports whether t is "".
func (t Text) IsZero() bool { return t.h == (unique.Handle[string]{}) }

// EncodeMsgpack writes t as a msgpack string.
func (t Text) EncodeMsgpack(enc *msgpack.Encoder) error { return enc.EncodeString(t.String()) }

// DecodeMsgpack reads a msgpack string into t.
func (t *Text) DecodeMsgpack(dec *msgpack.Decoder) error {
	s, err := dec.DecodeString()
	if err != nil {
		return err
	}
	*t = MakeText(s)
	return nil
}

// texts interns a list of strings (a guild's features).
func texts(ss []string) []Text {
	if len(ss) == 0 {
		return nil
	}
	out := make([]Text, len(ss))
	for i, s := range ss {
		out[i] = MakeText(s)
	}
	return out
}
