package gatewayutil

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// testToken looks like a Discord token and would stand out in any error.
const testToken = "MTA5ODc2NTQzMjEwOTg3NjU0Mw.LEAKED-IF-YOU-SEE-THIS.abcdefghijklmnopqrstuvwxyz0123"

const gatewayBotJSON = `{"url":"wss://gateway.discord.gg","shards":9,
	"session_start_limit":{"total":1000,"remaining":999,"reset_after":14400000,"max_concurrency":16}}`

// restServer serves handler on 127.0.0.1 and counts the requests.
type restServer struct {
	*httptest.Server
	hits atomic.Int32
}

func newRESTServer(t *testing.T, handler func(w http.ResponseWriter, r *http.Request, hit int)) *restServer {
	t.Helper()
	s := &restServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler(w, r, int(s.hits.Add(1)))
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Listener = l
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *restServer) api() string { return s.URL + "/api/v10" }

func noLeak(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), "LEAKED") {
		t.Fatalf("the token leaked into an error: %v", err)
	}
}

func TestFetchGatewayBot(t *testing.T) {
	for _, token := range []string{testToken, "Bot " + testToken, "  bot " + testToken + "\n"} {
		s := newRESTServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			if r.Method != http.MethodGet || r.URL.Path != "/api/v10/gateway/bot" {
				http.Error(w, "wrong request "+r.Method+" "+r.URL.Path, http.StatusNotFound)
				return
			}
			if got := r.Header.Get("Authorization"); got != "Bot "+testToken {
				http.Error(w, `{"message": "401: Unauthorized", "code": 0}`, http.StatusUnauthorized)
				return
			}
			if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "DiscordBot (https://") || !strings.HasSuffix(ua, ")") {
				http.Error(w, "bad user agent "+ua, http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, gatewayBotJSON)
		})
		bot, err := FetchGatewayBot(t.Context(), s.Client(), s.api()+"/", token)
		if err != nil {
			t.Fatalf("token %q...: %v", token[:6], err)
		}
		want := GatewayBot{
			URL:    "wss://gateway.discord.gg",
			Shards: 9,
			SessionStartLimit: SessionStartLimit{
				Total: 1000, Remaining: 999, ResetAfter: 4 * time.Hour, MaxConcurrency: 16,
			},
		}
		if bot != want {
			t.Fatalf("got %+v, want %+v", bot, want)
		}
	}
}

func TestFetchGatewayNeedsNoToken(t *testing.T) {
	s := newRESTServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if r.URL.Path != "/api/v10/gateway" || r.Header.Get("Authorization") != "" {
			http.Error(w, "wrong request", http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, `{"url": "ws://127.0.0.1:1234"}`)
	})
	// A nil client means the package's default one.
	u, err := FetchGateway(t.Context(), nil, s.api())
	if err != nil || u != "ws://127.0.0.1:1234" {
		t.Fatalf("got %q, %v", u, err)
	}
}

func TestFetchGatewayBotRetriesRateLimit(t *testing.T) {
	cases := map[string]func(w http.ResponseWriter){
		"body retry_after": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"message": "You are being rate limited.", "retry_after": 0.01, "global": false}`)
		},
		"header only": func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		},
		"server error": func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "0")
			http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
		},
	}
	for name, refuse := range cases {
		s := newRESTServer(t, func(w http.ResponseWriter, r *http.Request, hit int) {
			if hit < 3 {
				refuse(w)
				return
			}
			fmt.Fprint(w, gatewayBotJSON)
		})
		bot, err := FetchGatewayBot(t.Context(), s.Client(), s.api(), testToken)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if bot.Shards != 9 || s.hits.Load() != 3 {
			t.Fatalf("%s: %+v after %d requests, want success on the 3rd", name, bot, s.hits.Load())
		}
	}
}

func TestFetchGatewayBotGivesUpOnRateLimit(t *testing.T) {
	// Always 429: bounded retries, then an error with the wait.
	s := newRESTServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"message": "You are being rate limited.", "retry_after": 0.002, "global": true}`)
	})
	_, err := FetchGatewayBot(t.Context(), s.Client(), s.api(), testToken)
	var he *HTTPError
	if !errors.Is(err, ErrRateLimited) || !errors.As(err, &he) {
		t.Fatalf("got %v, want a rate limit HTTPError", err)
	}
	if n := s.hits.Load(); n != restAttempts {
		t.Fatalf("%d requests, want %d", n, restAttempts)
	}
	if he.RetryAfter != 2*time.Millisecond || !strings.Contains(err.Error(), "retry after 2ms") {
		t.Fatalf("RetryAfter %v in %q", he.RetryAfter, err)
	}

	// A wait longer than is worth blocking for comes back at once.
	long := newRESTServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"retry_after": 3600}`)
	})
	_, err = FetchGatewayBot(t.Context(), long.Client(), long.api(), testToken)
	if !errors.As(err, &he) || he.RetryAfter != time.Hour || long.hits.Load() != 1 {
		t.Fatalf("got %v after %d requests, want one request and a 1h RetryAfter", err, long.hits.Load())
	}
}

// errStopWaiting is the cause TestFetchGatewayBotCancelledWhileWaiting
// cancels with.
var errStopWaiting = errors.New("test: stop waiting")

func TestFetchGatewayBotCancelledWhileWaiting(t *testing.T) {
	answered := make(chan struct{}, 1)
	s := newRESTServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"retry_after": 20}`)
		select {
		case answered <- struct{}{}:
		default:
		}
	})
	// Cancel once the server has answered the first request (not after a
	// fixed time, which a loaded machine can spend before the request is
	// even made): the client is then reading the 429 or waiting 20 s to
	// retry, and must stop without a second request.
	ctx, cancel := context.WithCancelCause(t.Context())
	defer cancel(nil)
	go func() {
		<-answered
		cancel(errStopWaiting)
	}()
	_, err := FetchGatewayBot(ctx, s.Client(), s.api(), testToken)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want Canceled", err)
	}
	if s.hits.Load() != 1 {
		t.Fatalf("%d requests, want 1", s.hits.Load())
	}
	noLeak(t, err)

	cancelled, cc := context.WithCancel(t.Context())
	cc()
	if _, err := FetchGateway(cancelled, s.Client(), s.api()); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled FetchGateway: %v", err)
	}
}

func TestFetchGatewayBotUnauthorized(t *testing.T) {
	for _, code := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		s := newRESTServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			w.WriteHeader(code)
			// A hostile or buggy server echoing the credentials.
			fmt.Fprintf(w, `{"message": "401: Unauthorized", "code": 0, "you_sent": %q}`, r.Header.Get("Authorization"))
		})
		_, err := FetchGatewayBot(t.Context(), s.Client(), s.api(), testToken)
		var he *HTTPError
		if !errors.Is(err, ErrUnauthorized) || !errors.As(err, &he) || he.StatusCode != code {
			t.Fatalf("%d: got %v", code, err)
		}
		if errors.Is(err, ErrRateLimited) {
			t.Fatalf("%d matches ErrRateLimited", code)
		}
		if s.hits.Load() != 1 {
			t.Fatalf("%d: %d requests; a refused token must not be retried", code, s.hits.Load())
		}
		noLeak(t, err)
		if !strings.Contains(he.Body, "401: Unauthorized") || !strings.Contains(he.Body, restRedacted) {
			t.Fatalf("body restExcerpt %q", he.Body)
		}
	}
}

func TestFetchGatewayBotRejectsBadTokens(t *testing.T) {
	s := newRESTServer(t, func(w http.ResponseWriter, r *http.Request, _ int) { fmt.Fprint(w, gatewayBotJSON) })
	for _, token := range []string{"", "   ", "Bot ", "LEAKED token with spaces", "LEAKED\r\nX-Evil: 1", "LEAKED-é"} {
		_, err := FetchGatewayBot(t.Context(), s.Client(), s.api(), token)
		if !errors.Is(err, ErrUnauthorized) {
			t.Errorf("token %q: got %v, want ErrUnauthorized", token, err)
		}
		noLeak(t, err)
	}
	if s.hits.Load() != 0 {
		t.Fatalf("%d requests sent with an unusable token", s.hits.Load())
	}
}

// TestFetchGatewayBotNeverLeaksToken drives every error path with a server
// that echoes the token back, and checks no error shows it.
func TestFetchGatewayBotNeverLeaksToken(t *testing.T) {
	defer func(d time.Duration) { restBackoff = d }(restBackoff)
	restBackoff = time.Millisecond // the dropped connection is retried
	echo := func(r *http.Request) string { return r.Header.Get("Authorization") }
	handlers := map[string]func(w http.ResponseWriter, r *http.Request){
		"400 echo": func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "bad request from "+echo(r), http.StatusBadRequest)
		},
		"429 echo": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprintf(w, `{"retry_after": 0, "who": %q}`, echo(r))
		},
		"500 echo": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "0")
			http.Error(w, echo(r), http.StatusInternalServerError)
		},
		"200 not json": func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, "hello "+echo(r))
		},
		"200 bad url": func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"url": %q, "shards": 1, "session_start_limit": {}}`, "https://"+echo(r))
		},
		"200 huge": func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, strings.Repeat(echo(r), 2*restMaxBody/len(testToken)))
		},
		"connection dropped": func(w http.ResponseWriter, r *http.Request) {
			c, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				c.Close()
			}
		},
	}
	for name, h := range handlers {
		s := newRESTServer(t, func(w http.ResponseWriter, r *http.Request, _ int) { h(w, r) })
		_, err := FetchGatewayBot(t.Context(), s.Client(), s.api(), testToken)
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		noLeak(t, err)
		if name == "connection dropped" && s.hits.Load() != restAttempts {
			t.Fatalf("%d tries after dropped connections, want %d", s.hits.Load(), restAttempts)
		}
		if strings.Contains(fmt.Sprintf("%+v %#v", err, err), "LEAKED") {
			t.Fatalf("%s: the token leaked into the formatted error", name)
		}
	}
}

func TestFetchGatewayBotBadResponses(t *testing.T) {
	cases := map[string]string{
		"not json":       `<html>`,
		"no url":         `{"shards": 1, "session_start_limit": {"total": 1, "remaining": 1, "reset_after": 0, "max_concurrency": 1}}`,
		"http url":       `{"url": "https://x", "shards": 1, "session_start_limit": {"total": 1, "remaining": 1, "reset_after": 0, "max_concurrency": 1}}`,
		"zero shards":    `{"url": "wss://x", "shards": 0, "session_start_limit": {"total": 1, "remaining": 1, "reset_after": 0, "max_concurrency": 1}}`,
		"no limit":       `{"url": "wss://x", "shards": 1}`,
		"negative limit": `{"url": "wss://x", "shards": 1, "session_start_limit": {"total": 1, "remaining": -1, "reset_after": 0, "max_concurrency": 1}}`,
		"wrong types":    `{"url": 5, "shards": "1"}`,
		"too large":      `{"url": "wss://x", "pad": "` + strings.Repeat("x", restMaxBody) + `"}`,
	}
	for name, body := range cases {
		s := newRESTServer(t, func(w http.ResponseWriter, r *http.Request, _ int) { fmt.Fprint(w, body) })
		_, err := FetchGatewayBot(t.Context(), s.Client(), s.api(), testToken)
		if !errors.Is(err, ErrBadResponse) {
			t.Errorf("%s: got %v, want ErrBadResponse", name, err)
			continue
		}
		if len(err.Error()) > 2*restBodyExcerpt {
			t.Errorf("%s: %d-byte error message: the body restExcerpt is not trimmed", name, len(err.Error()))
		}
	}

	// A missing max_concurrency is taken as 1, the safest value; a
	// fractional reset_after (a time-scaled emulator) is kept.
	s := newRESTServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		fmt.Fprint(w, `{"url": "ws://127.0.0.1:9", "shards": 2, "session_start_limit": {"total": 5, "remaining": 4, "reset_after": 1.5}}`)
	})
	bot, err := FetchGatewayBot(t.Context(), s.Client(), s.api(), testToken)
	if err != nil {
		t.Fatal(err)
	}
	if l := bot.SessionStartLimit; l.MaxConcurrency != 1 || l.ResetAfter != 1500*time.Microsecond {
		t.Fatalf("limit %+v", l)
	}
}

func TestFetchGatewayBotOtherStatus(t *testing.T) {
	long := strings.Repeat("oops ", 1000)
	s := newRESTServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		http.Error(w, long, http.StatusTeapot)
	})
	_, err := FetchGatewayBot(t.Context(), s.Client(), s.api(), testToken)
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != http.StatusTeapot {
		t.Fatalf("got %v", err)
	}
	if errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrRateLimited) || errors.Is(err, ErrBadResponse) {
		t.Fatalf("418 matches a sentinel it should not: %v", err)
	}
	if s.hits.Load() != 1 {
		t.Fatalf("%d requests; a 4xx is not retried", s.hits.Load())
	}
	if len(he.Body) > restBodyExcerpt+len("…") || !strings.HasPrefix(he.Body, "oops oops") {
		t.Fatalf("body restExcerpt of %d bytes: %q...", len(he.Body), he.Body[:min(len(he.Body), 40)])
	}
	if !strings.Contains(err.Error(), "418 I'm a teapot") {
		t.Fatalf("error %q does not name the status", err)
	}
}

func TestFetchGatewayBadAPIBase(t *testing.T) {
	for _, base := range []string{"ftp://127.0.0.1/api", "127.0.0.1:80", "http://", "http://user:pw@127.0.0.1", "%zz"} {
		if _, err := FetchGateway(t.Context(), nil, base); err == nil {
			t.Errorf("API base %q accepted", base)
		}
	}
}
