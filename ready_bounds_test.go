package gateway_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/intents"
)

// readyWith is a READY setting the given session id and resume URL.
func readyWith(t *testing.T, id, resumeURL string) []byte {
	t.Helper()
	d, err := json.Marshal(map[string]any{"v": 10, "session_id": id, "resume_gateway_url": resumeURL, "shard": []int{2, 4}})
	require.NoError(t, err)
	return msg(0, 1, "READY", string(d))
}

// TestReadyOutOfBoundsIsNotResumed feeds READYs whose session id or resume
// URL is out of bounds (a 5 KB session id made the next Resume too large to
// send, which stopped the shard for good; a 70 KB resume URL was saved and
// then refused at load). READY is still delivered and the connection works.
// A session id out of bounds is not kept, so after a resumable close the
// next Client identifies; a resume URL out of bounds is dropped, so the
// session resumes on the original URL.
func TestReadyOutOfBoundsIsNotResumed(t *testing.T) {
	long := strings.Repeat("a", gateway.MaxSessionIDLength+1)
	const okURL = "wss://resume.example/"
	cases := map[string]struct {
		id, url string
		resume  bool // the session is kept, without the URL
	}{
		"5 KB session id":              {strings.Repeat("s", 5000), okURL, false},
		"session id just over":         {long, okURL, false},
		"session id with a space":      {"abc def", okURL, false},
		"session id with a control":    {"abc\x01", okURL, false},
		"session id not ASCII":         {"sessión", okURL, false},
		"70 KB resume URL":             {"sess-1", "wss://resume.example/" + strings.Repeat("p", 70<<10), true},
		"resume URL just over":         {"sess-1", "wss://r.example/" + strings.Repeat("p", gateway.MaxResumeURLLength-15), true},
		"resume URL not a WebSocket":   {"sess-1", "https://resume.example/", true},
		"resume URL without a host":    {"sess-1", "wss:///path", true},
		"resume URL with userinfo":     {"sess-1", "wss://user:pw@resume.example/", true},
		"resume URL with a space":      {"sess-1", "wss://resume.example/a b", true},
		"resume URL with a newline":    {"sess-1", "wss://resume.example/\nX-Header: 1", true},
		"resume URL not even a URL":    {"sess-1", "::::", true},
		"resume URL with invalid UTF8": {"sess-1", "wss://resume.example/\xff", true},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			cl := newClient(t)
			w := &wire{}
			process(t, cl, w, hello)
			res := process(t, cl, w, readyWith(t, c.id, c.url))
			assert.Equal(t, gateway.KindReady, res.Kind, "READY is delivered")
			assert.Equal(t, gateway.StateConnected, cl.State())
			process(t, cl, w, mc(2))
			assert.Equal(t, int64(2), cl.Seq())
			_ = cl.HandleClose(closecode.Resumable, "")
			sess := cl.Session()
			assert.Empty(t, sess.ResumeURL, "no resume URL kept")
			assert.NoError(t, sess.Validate())

			next := newClient(t, gateway.WithSession(sess))
			w2 := &wire{}
			process(t, next, w2, hello)
			if c.resume {
				assert.Equal(t, "sess-1", sess.ID)
				assert.EqualValues(t, 6, w2.last(t)["op"], "the session resumes")
				assert.LessOrEqual(t, len(w2.payloads[len(w2.payloads)-1]), gateway.MaxPayloadSize)
			} else {
				assert.Empty(t, sess.ID, "no session kept")
				assert.EqualValues(t, 2, w2.last(t)["op"], "the next connection identifies")
			}
		})
	}

	// Within bounds, both are kept.
	id := strings.Repeat("a", gateway.MaxSessionIDLength)
	u := "wss://r.example/" + strings.Repeat("p", gateway.MaxResumeURLLength-16)
	cl := newClient(t)
	w := &wire{}
	process(t, cl, w, hello)
	process(t, cl, w, readyWith(t, id, u))
	sess := cl.Session()
	assert.Equal(t, id, sess.ID)
	assert.Equal(t, u, sess.ResumeURL)
	next := newClient(t, gateway.WithSession(sess))
	process(t, next, w, hello)
	assert.EqualValues(t, 6, w.last(t)["op"], "a session within bounds is resumed")
	assert.LessOrEqual(t, len(w.payloads[len(w.payloads)-1]), gateway.MaxPayloadSize)
}

// TestSessionOutOfBoundsRefused: a Client is not built to resume a session
// out of bounds, and Validate says why without quoting the values.
func TestSessionOutOfBoundsRefused(t *testing.T) {
	huge := gateway.Session{ID: strings.Repeat("s", 5000), ShardID: 2, ShardCount: 4}
	err := huge.Validate()
	require.ErrorIs(t, err, gateway.ErrBadSession)
	assert.NotContains(t, err.Error(), "sssss", "the error does not quote the id")
	assert.False(t, huge.CanResume(2, 4))
	_, err = gateway.NewClient(gateway.WithToken(testToken), gateway.WithIntents(intents.Guilds), gateway.WithShard(2, 4), gateway.WithSession(huge))
	assert.ErrorIs(t, err, gateway.ErrConfig)
	assert.ErrorIs(t, err, gateway.ErrBadSession)

	badURL := gateway.Session{ID: "s", ResumeURL: "wss://h/" + strings.Repeat("u", 70<<10)}
	assert.ErrorIs(t, badURL.Validate(), gateway.ErrBadSession)
	assert.NoError(t, gateway.Session{}.Validate(), "an empty session is within bounds")
	assert.NoError(t, gateway.Session{ID: "0123456789abcdef0123456789abcdef", ResumeURL: "wss://gateway-us-east1-b.discord.gg"}.Validate())
	assert.NoError(t, gateway.Session{ID: "s", ResumeURL: "ws://127.0.0.1:8080/resume"}.Validate())
}
