package cache

import (
	"encoding/binary"
	"unique"
	"unsafe"

	"github.com/vmihailenco/msgpack/v5"
)

// RoleSet is a member's role ids, interned: the members of a guild mostly
// share a few combinations of roles, and every member with the same
// combination shares one copy. It is 8 bytes; the zero RoleSet is empty.
type RoleSet struct{ h unique.Handle[string] }

// MakeRoleSet interns a list of role ids (in the order given).
func MakeRoleSet(ids []Snowflake) RoleSet {
	if len(ids) == 0 {
		return RoleSet{}
	}
	var buf [16 * 8]byte
	b := buf[:0]
	for _, id := range ids {
		b = binary.LittleEndian.AppendUint64(b, uint64(id))
	}
	return RoleSet{h: unique.Make(unsafe.String(&b[0], len(b)))}
}

func (r RoleSet) raw() string {
	if r.h == (unique.Handle[string]{}) {
		return ""
	}
	return r.h.Value()
}

// Len returns the number of roles.
func (r RoleSet) Len() int { return len(r.raw()) / 8 }

// At returns the i-th role id.
func (r RoleSet) At(i int) Snowflake {
	return le64(r.raw(), i*8)
}

// Has reports whether the set holds role id.
func (r RoleSet) Has(id Snowflake) bool {
	s := r.raw()
	for i := 0; i+8 <= len(s); i += 8 {
		if le64(s, i) == id {
			return true
		}
	}
	return false
}

// IDs returns the role ids in a new slice.
func (r RoleSet) IDs() []Snowflake {
	n := r.Len()
	if n == 0 {
		return nil
	}
	out := make([]Snowflake, n)
	for i := range out {
		out[i] = r.At(i)
	}
	return out
}

// EncodeMsgpack writes the set as an array of ids.
func (r RoleSet) EncodeMsgpack(enc *msgpack.Encoder) error {
	ids := r.IDs()
	if err := enc.EncodeArrayLen(len(ids)); err != nil {
		return err
	}
	for _, id := range ids {
		if err := enc.EncodeUint(uint64(id)); err != nil {
			return err
		}
	}
	return nil
}

// DecodeMsgpack reads an array of ids (at most 1024).
func (r *RoleSet) DecodeMsgpack(dec *msgpack.Decoder) error {
	n, err := dec.DecodeArrayLen()
	if err != nil {
		return err
	}
	if n > 1024 {
		return ErrBadSnapshot
	}
	ids := make([]Snowflake, 0, max(n, 0))
	for range max(n, 0) {
		v, err := dec.DecodeUint64()
		if err != nil {
			return err
		}
		ids = append(ids, Snowflake(v))
	}
	*r = MakeRoleSet(ids)
	return nil
}

// le64 reads the little-endian id at s[i:i+8].
func le64(s string, i int) Snowflake {
	_ = s[i+7]
	return Snowflake(uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56)
}

// Without returns the set less role id (r itself when it lacks it).
func (r RoleSet) Without(id Snowflake) RoleSet {
	if !r.Has(id) {
		return r
	}
	ids := r.IDs()
	kept := ids[:0]
	for _, x := range ids {
		if x != id {
			kept = append(kept, x)
		}
	}
	return MakeRoleSet(kept)
}
