package gatewayutil

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway/encoding"
	"github.com/gatewaykit/gateway/event"
)

// lastTopLevelKey returns the last key of the JSON object msg, "" if msg is
// not a valid object.
func lastTopLevelKey(msg []byte) string {
	dec := json.NewDecoder(bytes.NewReader(msg))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	last := ""
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return ""
		}
		last, _ = t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return ""
		}
	}
	return last
}

// checkShardJSON decodes msg with the shard's codec and with encoding's
// validating one, and fails if they disagree on a valid message whose last
// key is d (the shard's codec reads every other valid message through the
// validating one).
func checkShardJSON(t *testing.T, msg []byte) (fast bool) {
	t.Helper()
	var want, got encoding.Envelope
	wantErr := encoding.JSON().Decode(msg, &want)
	c := newShardJSON().(*shardJSON)
	fast = c.decodeCanonical(msg, &got)
	if !fast {
		gotErr := c.Decode(msg, &got)
		require.Equal(t, wantErr == nil, gotErr == nil, "fallback agrees on %q", msg)
		if wantErr == nil {
			require.Equal(t, want, got)
		}
		return false
	}
	if wantErr != nil {
		// Only a malformed d may pass the fast path.
		return true
	}
	require.Equal(t, want.Op, got.Op, "op of %q", msg)
	require.Equal(t, want.HasS, got.HasS, "s of %q", msg)
	require.Equal(t, want.S, got.S, "s of %q", msg)
	require.Equal(t, want.T, got.T, "t of %q", msg)
	if lastTopLevelKey(msg) == "d" {
		require.Equal(t, string(want.D), string(got.D), "d of %q", msg)
	}
	return true
}

func TestShardJSONFastPath(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		fast bool
	}{
		{`{"t":"MESSAGE_CREATE","s":42,"op":0,"d":{"id":"1","content":"a } b"}}`, true},
		{`{"t":null,"s":null,"op":11,"d":null}`, true},
		{`{"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250}}`, true},
		{`{"t":null,"s":null,"op":9,"d":false}`, true},
		{`{"t":null,"s":null,"op":7,"d":null}`, true},
		{`{"op":0,"s":3,"t":"GUILD_CREATE","d":[1,2]}`, true},
		{" {\n \"t\" : \"READY\" ,\t\"s\":1 , \"op\":0 , \"d\" : {\"v\":10} } \n", true},
		{`{"t":"TYPING_START","s":9,"op":0,"d":"text"}`, true},
		{`{"t":"TYPING_START","s":9,"op":0,"d":12.5e3}`, true},
		// Fallbacks: other orders, escapes, unknown names, extra keys.
		{`{"d":{"id":"1"},"t":"MESSAGE_CREATE","s":42,"op":0}`, false},
		{`{"op":11}`, false},
		{`{"t":"MESSAGE_\u0043REATE","s":1,"op":0,"d":{}}`, false},
		{`{"t":"SOME_NEW_EVENT","s":1,"op":0,"d":{}}`, false},
		{`{"t":"READY","s":1,"op":0,"x":1,"d":{}}`, false},
		{`{"t":"READY","s":-1,"op":0,"d":{}}`, false},
		{`{"t":"READY","s":1.0,"op":0,"d":{}}`, false},
		{`{"t":"READY","s":1,"op":null,"d":{}}`, false},
		{`{"t":"READY","s":1,"op":0,"d":{}`, false},
		{`{"t":"READY","s":1,"op":0,"d":{"a":1}`, false},
		{`{"t":"READY","s":1,"op":0,"d":}`, false},
		{`[1,2]`, false},
		{``, false},
	} {
		require.Equal(t, tc.fast, checkShardJSON(t, []byte(tc.msg)), "fast path for %q", tc.msg)
	}
}

// The codec keeps nothing of a message once told to forget it.
func TestShardJSONForget(t *testing.T) {
	c := newShardJSON().(*shardJSON)
	var env encoding.Envelope
	require.NoError(t, c.Decode([]byte(`{"t":"MESSAGE_CREATE","s":1,"op":0,"d":{"a":1}}`), &env))
	require.Equal(t, event.MessageCreate, env.T)
	require.NotNil(t, env.D)
	c.forget()
	require.Equal(t, encoding.Envelope{}, env)
}

func FuzzShardJSON(f *testing.F) {
	for _, s := range []string{
		`{"t":"MESSAGE_CREATE","s":42,"op":0,"d":{"id":"1"}}`,
		`{"t":null,"s":null,"op":11,"d":null}`,
		`{"op":0,"s":3,"t":"GUILD_CREATE","d":[1,2]}`,
		`{"t":"READY","s":1,"op":0,"d":{},"x":{}}`,
		`{"d":{},"t":"READY","s":1,"op":0}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		checkShardJSON(t, msg)
	})
}
