package gatewaytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/gatewaykit/gateway/closecode"
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

// malformedPayload is the close code for a payload of a known op whose d
// has the wrong shape: not an object, a required field missing, a field of
// the wrong type or outside its documented range. Discord documents 4001
// (unknown opcode) for "an invalid opcode or an invalid payload for an
// opcode"; 4002 (decode error) is kept for bytes that do not decode at all,
// a payload over 4,096 bytes and ETF atom keys.
const malformedPayload = closecode.UnknownOpcode

// botToken returns the token an identify or resume carries without the
// "Bot " prefix of the HTTP Authorization header: Discord accepts both
// spellings on the gateway (discordgo, for one, sends the prefixed form),
// and both name the same bot.
func botToken(s string) string { return strings.TrimPrefix(s, "Bot ") }

// validatePresence checks an Update Presence command (op 3 d) where
// Discord is strict: since an integer or null, activities an array of
// objects (each with a string name and a documented type) or null, status
// one of the documented values, afk a boolean when present. Unknown fields
// are ignored. Discord has accepted null activities since 2021 (it used to
// answer op 9), and closed an op 3 without activities (discord.js hit it in
// 2020), so activities must be present here.
func validatePresence(d []byte) error { return checkPresence(d, false) }

// validateIdentifyPresence checks the presence an identify carries. Discord
// is more lenient there: discordgo, widely used, identifies with a legacy
// game object instead of activities and an empty status, and Discord
// accepts it. So activities may be absent and status empty; the rest is
// checked as for op 3.
func validateIdentifyPresence(d []byte) error { return checkPresence(d, true) }

// checkPresence checks a presence object; legacy allows the identify
// leniencies (no activities, empty status).
func checkPresence(d []byte, legacy bool) error {
	m, err := object(d)
	if err != nil {
		return fmt.Errorf("presence: %w", err)
	}
	if r, ok := m["since"]; ok && !isNull(r) {
		if _, ok := rawInt(r); !ok {
			return fmt.Errorf("presence: since is neither an integer nor null")
		}
	}
	r, ok := m["activities"]
	switch {
	case !ok && !legacy:
		return fmt.Errorf("presence: activities missing")
	case ok && !isNull(r):
		acts, ok := rawArray(r)
		if !ok {
			return fmt.Errorf("presence: activities is neither an array nor null")
		}
		for i, a := range acts {
			if err := validateActivity(a); err != nil {
				return fmt.Errorf("presence: activity %d: %w", i, err)
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
		if status != "" || !legacy {
			return fmt.Errorf("presence: unknown status %q", status)
		}
	}
	if r, ok := m["afk"]; ok && !isNull(r) {
		if _, ok := rawBool(r); !ok {
			return fmt.Errorf("presence: afk is not a boolean")
		}
	}
	return nil
}

// validateActivity checks one activity of a presence: a string name, a
// documented type (0 playing to 5 competing), and url and state strings or
// null when present. The other fields are ignored (bots may set only
// these).
func validateActivity(a json.RawMessage) error {
	am, err := object(a)
	if err != nil {
		return err
	}
	if _, ok := rawString(am["name"]); !ok {
		return fmt.Errorf("name is not a string")
	}
	t, ok := rawInt(am["type"])
	if !ok || t < 0 || t > 5 {
		return fmt.Errorf("type is not an integer 0-5")
	}
	for _, k := range []string{"url", "state"} {
		if r, ok := am[k]; ok && !isNull(r) {
			if _, ok := rawString(r); !ok {
				return fmt.Errorf("%s is neither a string nor null", k)
			}
		}
	}
	return nil
}
