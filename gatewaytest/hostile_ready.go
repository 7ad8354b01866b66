package gatewaytest

import "strings"

// HostileReady makes READY carry session values a broken or hostile
// gateway might send, to test that a client bounds what READY may set
// instead of trusting it. The zero value changes nothing.
type HostileReady struct {
	// SessionIDBytes, if positive, pads every new session id with 'x' to
	// this length. The emulator still resumes such a session.
	SessionIDBytes int
	// ResumeURL, if not empty, is sent as resume_gateway_url instead of
	// [Server.ResumeURL]; it need not be a URL, nor lead anywhere.
	ResumeURL string
}

// sessionID returns id as the configuration wants it.
func (h HostileReady) sessionID(id string) string {
	if h.SessionIDBytes > len(id) {
		return id + strings.Repeat("x", h.SessionIDBytes-len(id))
	}
	return id
}

// resumeURL returns what READY says instead of def.
func (h HostileReady) resumeURL(def string) string {
	if h.ResumeURL != "" {
		return h.ResumeURL
	}
	return def
}
