package gatewaytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Helpers to validate client payloads. Client payloads are small (at most
// 4096 bytes) and rare, so they are decoded with encoding/json into raw
// fields and each field's type is checked by hand: the error says which
// field is wrong, which is what a test wants to read in a Violation.

// object decodes d as a JSON object of raw fields.
func object(d []byte) (map[string]json.RawMessage, error) {
	d = bytes.TrimSpace(d)
	if len(d) == 0 || d[0] != '{' {
		return nil, fmt.Errorf("d is not an object")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(d, &m); err != nil {
		return nil, fmt.Errorf("d is not a valid object: %w", err)
	}
	return m, nil
}

func isNull(r json.RawMessage) bool { return r == nil || string(bytes.TrimSpace(r)) == "null" }

// rawString reads a JSON string.
func rawString(r json.RawMessage) (string, bool) {
	r = bytes.TrimSpace(r)
	if len(r) == 0 || r[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(r, &s) != nil {
		return "", false
	}
	return s, true
}

// rawInt reads a JSON integer (no fraction, no exponent).
func rawInt(r json.RawMessage) (int64, bool) {
	r = bytes.TrimSpace(r)
	if len(r) == 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(r), 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// rawBool reads true or false.
func rawBool(r json.RawMessage) (bool, bool) {
	switch string(bytes.TrimSpace(r)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// rawSnowflake reads a snowflake sent as a string of digits or as an
// integer (ETF clients send integers).
func rawSnowflake(r json.RawMessage) (uint64, bool) {
	r = bytes.TrimSpace(r)
	if len(r) > 2 && r[0] == '"' && r[len(r)-1] == '"' {
		r = r[1 : len(r)-1]
	}
	if len(r) == 0 || r[0] == '-' || r[0] == '+' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(r), 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// rawArray reads a JSON array of raw elements.
func rawArray(r json.RawMessage) ([]json.RawMessage, bool) {
	r = bytes.TrimSpace(r)
	if len(r) == 0 || r[0] != '[' {
		return nil, false
	}
	var a []json.RawMessage
	if json.Unmarshal(r, &a) != nil {
		return nil, false
	}
	return a, true
}

// snowflake is an id that decodes from a JSON string or number and encodes
// as a string.
type snowflake uint64

// UnmarshalJSON accepts a string of digits, a number or null.
func (s *snowflake) UnmarshalJSON(b []byte) error {
	n, ok := rawSnowflake(b)
	if !ok {
		if isNull(b) {
			*s = 0
			return nil
		}
		return fmt.Errorf("gatewaytest: %s is not a snowflake", b)
	}
	*s = snowflake(n)
	return nil
}

// MarshalJSON writes the id as a string, as Discord does.
func (s snowflake) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, strconv.FormatUint(uint64(s), 10)), nil
}

// validatePresence checks an Update Presence object (op 3 d, or identify's
// presence): docs/protocol.md §3.6.
func validatePresence(d []byte) error {
	m, err := object(d)
	if err != nil {
		return fmt.Errorf("presence: %w", err)
	}
	if r, ok := m["since"]; ok && !isNull(r) {
		if _, ok := rawInt(r); !ok {
			return fmt.Errorf("presence: since is neither an integer nor null")
		}
	}
	acts, ok := rawArray(m["activities"])
	if !ok {
		return fmt.Errorf("presence: activities is not an array")
	}
	for i, a := range acts {
		am, err := object(a)
		if err != nil {
			return fmt.Errorf("presence: activity %d: %w", i, err)
		}
		if _, ok := rawString(am["name"]); !ok {
			return fmt.Errorf("presence: activity %d: name is not a string", i)
		}
		t, ok := rawInt(am["type"])
		if !ok || t < 0 || t > 5 {
			return fmt.Errorf("presence: activity %d: type is not 0-5", i)
		}
		for _, k := range []string{"url", "state"} {
			if r, ok := am[k]; ok && !isNull(r) {
				if _, ok := rawString(r); !ok {
					return fmt.Errorf("presence: activity %d: %s is not a string", i, k)
				}
			}
		}
	}
	status, ok := rawString(m["status"])
	if !ok {
		return fmt.Errorf("presence: status is not a string")
	}
	switch status {
	case "online", "dnd", "idle", "invisible", "offline":
	default:
		return fmt.Errorf("presence: unknown status %q", status)
	}
	if r, ok := m["afk"]; ok {
		if _, ok := rawBool(r); !ok {
			return fmt.Errorf("presence: afk is not a boolean")
		}
	}
	return nil
}
