package gatewaytest

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// The REST side (docs/protocol.md §1): GET /gateway and GET /gateway/bot, under
// /api/v10 and /api/v9. Errors use Discord's JSON error shape.

// GatewayBot is the body of GET /gateway/bot.
type GatewayBot struct {
	URL               string            `json:"url"`
	Shards            int               `json:"shards"`
	SessionStartLimit SessionStartLimit `json:"session_start_limit"`
}

// SessionStartLimit is the session_start_limit object.
type SessionStartLimit struct {
	Total          int   `json:"total"`
	Remaining      int   `json:"remaining"`
	ResetAfter     int64 `json:"reset_after"` // milliseconds
	MaxConcurrency int   `json:"max_concurrency"`
}

type apiError struct {
	Message string `json:"message"`
	Code    int    `json:"code"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(r.URL.Path, "/")
	var rest string
	switch {
	case strings.HasPrefix(path, "/api/v10/"):
		rest = path[len("/api/v10"):]
	case strings.HasPrefix(path, "/api/v9/"):
		rest = path[len("/api/v9"):]
	default:
		writeJSON(w, http.StatusNotFound, apiError{"404: Not Found", 0})
		return
	}
	if rest != "/gateway" && rest != "/gateway/bot" {
		writeJSON(w, http.StatusNotFound, apiError{"404: Not Found", 0})
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET")
		writeJSON(w, http.StatusMethodNotAllowed, apiError{"405: Method Not Allowed", 0})
		return
	}
	if rest == "/gateway" {
		writeJSON(w, http.StatusOK, map[string]string{"url": s.url})
		return
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bot ")
	if !ok || !s.tokenOK(token) {
		writeJSON(w, http.StatusUnauthorized, apiError{"401: Unauthorized", 0})
		return
	}
	remaining, resetAfter := s.bot(token).startLimit(s, time.Now())
	writeJSON(w, http.StatusOK, GatewayBot{
		URL:    s.url,
		Shards: s.cfg.Shards,
		SessionStartLimit: SessionStartLimit{
			Total:          s.cfg.SessionStartLimit,
			Remaining:      remaining,
			ResetAfter:     max(resetAfter.Milliseconds(), 0),
			MaxConcurrency: s.cfg.MaxConcurrency,
		},
	})
}
