package gatewayutil

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/ratelimit"
)

// DefaultAPIBase is Discord's REST API base URL, version 10. The calls in
// this file append /gateway or /gateway/bot to it.
const DefaultAPIBase = "https://discord.com/api/v10"

// UserAgent is sent with every REST request, and in the WebSocket
// handshake unless Config.UserAgent says otherwise: Discord requires
// "DiscordBot ($url, $versionNumber)" (docs/protocol.md §1.1).
const UserAgent = "DiscordBot (https://github.com/gatewaykit/gateway, " + gateway.Version + ")"

// MaxShardCount bounds the shard count GET /gateway/bot may recommend:
// Discord recommends one shard per 1,000 guilds and caps a shard at 2,500,
// so 65,536 shards is some 65 million guilds, far beyond any bot. A larger
// answer is refused as [ErrBadResponse] before anything is allocated for it.
const MaxShardCount = 1 << 16

// SessionStartLimit is the session_start_limit object of GET /gateway/bot,
// the identify budget and concurrency that package ratelimit enforces.
type SessionStartLimit = ratelimit.SessionStartLimit

// GatewayBot is the answer of GET /gateway/bot (docs/protocol.md §1.3). Do not
// keep it for long: the values change per call and as the bot joins guilds.
type GatewayBot struct {
	// URL is the WebSocket URL to connect to, without query parameters.
	URL string
	// Shards is the recommended shard count.
	Shards int
	// SessionStartLimit is the daily identify budget and the identify
	// concurrency, ready for ratelimit.LocalIdentifyLimiter.
	SessionStartLimit SessionStartLimit
}

// REST errors. An error returned by [FetchGatewayBot] or [FetchGateway]
// matches at most one of these with errors.Is; a failed response is also a
// [*HTTPError] for errors.As.
var (
	// ErrUnauthorized: the token was refused (HTTP 401 or 403), or is
	// empty or malformed. Retrying will not help; every refused request
	// also counts towards Discord's invalid-request ban.
	ErrUnauthorized = errors.New("gatewayutil: unauthorized")
	// ErrRateLimited: HTTP 429 and the retries ran out, or Discord asked
	// for a longer wait than is worth blocking for.
	ErrRateLimited = errors.New("gatewayutil: rate limited")
	// ErrBadResponse: a 200 response whose body is too large, not JSON, or
	// lacks what the call needs.
	ErrBadResponse = errors.New("gatewayutil: bad REST response")
)

// HTTPError is a REST response with a status other than 200 OK. It never
// holds the token: the body excerpt is redacted before it is stored.
type HTTPError struct {
	// Method and URL are the request's; the URL holds no secret.
	Method, URL string
	// StatusCode is the HTTP status.
	StatusCode int
	// Body is the start of the response body, trimmed and redacted.
	Body string
	// RetryAfter is how long Discord asked to wait, for status 429.
	RetryAfter time.Duration
}

// Error gives the request, its HTTP status, when to retry after a 429,
// and the body Discord sent.
func (e *HTTPError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "gatewayutil: %s %s: %d %s", e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.StatusCode == http.StatusTooManyRequests {
		fmt.Fprintf(&b, " (retry after %v)", e.RetryAfter)
	}
	if e.Body != "" {
		b.WriteString(": ")
		b.WriteString(e.Body)
	}
	return b.String()
}

// Is makes errors.Is match ErrUnauthorized for 401 and 403 and
// ErrRateLimited for 429.
func (e *HTTPError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

// Limits of the REST calls.
const (
	restAttempts    = 4                // tries per call, for 429, 5xx and transport errors
	restMaxWait     = 30 * time.Second // a longer 429 wait is returned, not slept
	restMaxBody     = 64 << 10         // responses are ~150 bytes; anything past this is wrong
	restBodyExcerpt = 512              // bytes of a failed response kept in errors
	restRedacted    = "[REDACTED]"
)

// restBackoff is the first wait before retrying a 5xx without Retry-After
// or a transport error; it doubles per try. A variable so tests can shorten
// it.
var restBackoff = 500 * time.Millisecond

// defaultRESTClient bounds a call whose context has no deadline.
var defaultRESTClient = &http.Client{Timeout: 30 * time.Second}

// FetchGatewayBot calls GET {apiBase}/gateway/bot with the bot token: the
// gateway URL, the recommended shard count and the session start limit.
//
// client nil means a client with a 30 s timeout; apiBase "" means
// [DefaultAPIBase]; it must be https:// unless its host is loopback (an
// emulator). token may carry the "Bot " prefix or not. A 429 is
// retried after the retry_after Discord gives (body, else Retry-After
// header) if that is at most 30 s, and 5xx and transport errors after a
// short backoff, up to 4 tries in all; ctx bounds everything, waits
// included. 401 and 403 match [ErrUnauthorized] and are never retried.
// The token never appears in an error.
func FetchGatewayBot(ctx context.Context, client *http.Client, apiBase, token string) (GatewayBot, error) {
	return fetchGatewayBot(ctx, client, apiBase, token, false)
}

// fetchGatewayBot is FetchGatewayBot; allowPlain lets apiBase be http:// to
// a host that is not loopback (a Manager whose shards have AllowPlainWS).
func fetchGatewayBot(ctx context.Context, client *http.Client, apiBase, token string, allowPlain bool) (GatewayBot, error) {
	auth, err := botAuthorization(token)
	if err != nil {
		return GatewayBot{}, err
	}
	u, err := restEndpoint(apiBase, "/gateway/bot", allowPlain)
	if err != nil {
		return GatewayBot{}, err
	}
	body, err := restGet(ctx, client, u, auth, token)
	if err != nil {
		return GatewayBot{}, err
	}
	var w struct {
		URL               string `json:"url"`
		Shards            int    `json:"shards"`
		SessionStartLimit *struct {
			Total          int     `json:"total"`
			Remaining      int     `json:"remaining"`
			ResetAfter     float64 `json:"reset_after"` // milliseconds
			MaxConcurrency int     `json:"max_concurrency"`
		} `json:"session_start_limit"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return GatewayBot{}, restBadResponse(u, "not the JSON of a gateway bot object", body, token, err)
	}
	if err := restCheckGatewayURL(w.URL); err != nil {
		return GatewayBot{}, restBadResponse(u, err.Error(), body, token, nil)
	}
	ssl := w.SessionStartLimit
	switch {
	case w.Shards < 1:
		return GatewayBot{}, restBadResponse(u, fmt.Sprintf("shards %d, want at least 1", w.Shards), body, token, nil)
	case w.Shards > MaxShardCount:
		return GatewayBot{}, restBadResponse(u, fmt.Sprintf("shards %d, more than the %d this library runs", w.Shards, MaxShardCount), body, token, nil)
	case ssl == nil:
		return GatewayBot{}, restBadResponse(u, "no session_start_limit", body, token, nil)
	case ssl.Total < 0 || ssl.Remaining < 0 || ssl.MaxConcurrency < 0 || ssl.ResetAfter < 0 || math.IsNaN(ssl.ResetAfter):
		return GatewayBot{}, restBadResponse(u, "negative session_start_limit", body, token, nil)
	case ssl.MaxConcurrency > ratelimit.MaxIdentifyConcurrency:
		return GatewayBot{}, restBadResponse(u, fmt.Sprintf("session_start_limit.max_concurrency %d, more than %d", ssl.MaxConcurrency, ratelimit.MaxIdentifyConcurrency), body, token, nil)
	}
	bot := GatewayBot{
		URL:    w.URL,
		Shards: w.Shards,
		SessionStartLimit: SessionStartLimit{
			Total:          ssl.Total,
			Remaining:      ssl.Remaining,
			ResetAfter:     restDuration(ssl.ResetAfter, time.Millisecond),
			MaxConcurrency: max(ssl.MaxConcurrency, 1), // absent: the safest value
		},
	}
	return bot, nil
}

// FetchGateway calls GET {apiBase}/gateway, which needs no token, and
// returns the gateway URL. Cache it: Discord asks clients to call again
// only when connecting to the cached URL fails. client and apiBase are as
// for [FetchGatewayBot], and so are the retries.
func FetchGateway(ctx context.Context, client *http.Client, apiBase string) (string, error) {
	u, err := restEndpoint(apiBase, "/gateway", false)
	if err != nil {
		return "", err
	}
	body, err := restGet(ctx, client, u, "", "")
	if err != nil {
		return "", err
	}
	var w struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return "", restBadResponse(u, "not the JSON of a gateway object", body, "", err)
	}
	if err := restCheckGatewayURL(w.URL); err != nil {
		return "", restBadResponse(u, err.Error(), body, "", nil)
	}
	return w.URL, nil
}

// botAuthorization builds the Authorization header value from a token with
// or without its "Bot " prefix. Its errors never hold the token.
func botAuthorization(token string) (string, error) {
	t := bareBotToken(token)
	if t == "" {
		return "", fmt.Errorf("%w: empty bot token", ErrUnauthorized)
	}
	for i := range len(t) {
		if c := t[i]; c <= ' ' || c >= 0x7f {
			return "", fmt.Errorf("%w: malformed bot token (byte %d is a space, control or non-ASCII character)", ErrUnauthorized, i)
		}
	}
	return "Bot " + t, nil
}

// restEndpoint joins an API base URL, checked, and a path. http:// is
// refused unless the host is loopback (an emulator) or allowPlain is set:
// the token would cross the network in clear text, and an answer anyone on
// the path could forge names the gateway the token is sent to.
func restEndpoint(apiBase, path string, allowPlain bool) (string, error) {
	if apiBase == "" {
		apiBase = DefaultAPIBase
	}
	b, err := url.Parse(apiBase)
	if err != nil || (b.Scheme != "http" && b.Scheme != "https") || b.Host == "" || b.User != nil {
		return "", fmt.Errorf("gatewayutil: API base %q: want an http or https URL such as %s", redactURL(apiBase), DefaultAPIBase)
	}
	if b.Scheme == "http" && !allowPlain && !isLoopbackHost(b.Hostname()) {
		return "", fmt.Errorf("gatewayutil: API base %s: plain http:// is only for loopback hosts; use https://", redactURL(apiBase))
	}
	return strings.TrimRight(apiBase, "/") + path, nil
}

// restCheckGatewayURL accepts the WebSocket URLs Discord (wss) or an emulator
// (ws) can hand out.
func restCheckGatewayURL(s string) error {
	if s == "" {
		return errors.New("no url")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "wss" && u.Scheme != "ws") || u.Host == "" {
		return fmt.Errorf("url %q is not a ws:// or wss:// URL", s)
	}
	return nil
}

// restGet GETs u and returns the body of a 200 response, retrying as
// FetchGatewayBot describes. auth is the Authorization header ("" for
// none); token is only used to scrub it from anything that goes into an
// error.
func restGet(ctx context.Context, client *http.Client, u, auth, token string) ([]byte, error) {
	if client == nil {
		client = defaultRESTClient
	}
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, fmt.Errorf("gatewayutil: GET %s: %s", u, scrubToken(err.Error(), token))
		}
		req.Header.Set("User-Agent", UserAgent)
		req.Header.Set("Accept", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("gatewayutil: GET %s: %w", u, ctx.Err())
			}
			if attempt == restAttempts {
				return nil, &scrubbedError{msg: "gatewayutil: " + scrubToken(err.Error(), token), err: err}
			}
			if err := restSleep(ctx, u, restBackoffDelay(attempt)); err != nil {
				return nil, err
			}
			continue
		}
		body, tooLarge, readErr := restReadCapped(resp.Body, restMaxBody)
		resp.Body.Close()

		switch code := resp.StatusCode; {
		case code == http.StatusOK:
			if readErr != nil {
				return nil, fmt.Errorf("gatewayutil: GET %s: reading the response: %s", u, scrubToken(readErr.Error(), token))
			}
			if tooLarge {
				return nil, fmt.Errorf("%w: GET %s: response larger than %d bytes", ErrBadResponse, u, restMaxBody)
			}
			return body, nil

		case code == http.StatusTooManyRequests:
			wait := restRetryAfter(resp.Header, body)
			if wait > restMaxWait || attempt == restAttempts {
				return nil, newHTTPError(u, resp.StatusCode, body, token, wait)
			}
			if err := restSleep(ctx, u, wait); err != nil {
				return nil, err
			}

		case code == http.StatusInternalServerError || code == http.StatusBadGateway ||
			code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout:
			wait := restBackoffDelay(attempt)
			if d, ok := restRetryAfterHeader(resp.Header); ok {
				wait = min(d, restMaxWait)
			}
			if attempt == restAttempts {
				return nil, newHTTPError(u, resp.StatusCode, body, token, 0)
			}
			if err := restSleep(ctx, u, wait); err != nil {
				return nil, err
			}

		default:
			return nil, newHTTPError(u, resp.StatusCode, body, token, 0)
		}
	}
}

func restBackoffDelay(attempt int) time.Duration { return restBackoff << (attempt - 1) }

// restSleep waits d or until ctx ends.
func restSleep(ctx context.Context, u string, d time.Duration) error {
	if d <= 0 {
		if ctx.Err() != nil {
			return fmt.Errorf("gatewayutil: GET %s: waiting to retry: %w", u, ctx.Err())
		}
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("gatewayutil: GET %s: waiting to retry: %w", u, ctx.Err())
	case <-t.C:
		return nil
	}
}

// restRetryAfter reads how long a 429 asks to wait: retry_after in the
// JSON body (float seconds), else the Retry-After header, else one second.
func restRetryAfter(h http.Header, body []byte) time.Duration {
	var w struct {
		RetryAfter *float64 `json:"retry_after"`
	}
	if json.Unmarshal(body, &w) == nil && w.RetryAfter != nil && *w.RetryAfter >= 0 {
		return restDuration(*w.RetryAfter, time.Second)
	}
	if d, ok := restRetryAfterHeader(h); ok {
		return d
	}
	return time.Second
}

// restRetryAfterHeader reads a Retry-After header in seconds (Discord sends a
// number; the HTTP date form is not used by Discord).
func restRetryAfterHeader(h http.Header) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 {
		return 0, false
	}
	return restDuration(f, time.Second), true
}

// restDuration converts v units to a Duration, saturating instead of
// overflowing.
func restDuration(v float64, unit time.Duration) time.Duration {
	d := v * float64(unit)
	if math.IsNaN(d) || d <= 0 {
		return 0
	}
	if d >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(d)
}

// restReadCapped reads at most limit bytes of r and reports whether there was
// more.
func restReadCapped(r io.Reader, limit int) ([]byte, bool, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if len(b) > limit {
		return b[:limit], true, err
	}
	return b, false, err
}

func newHTTPError(u string, code int, body []byte, token string, wait time.Duration) *HTTPError {
	return &HTTPError{
		Method:     http.MethodGet,
		URL:        u,
		StatusCode: code,
		Body:       restExcerpt(body, token),
		RetryAfter: wait,
	}
}

func restBadResponse(u, what string, body []byte, token string, cause error) error {
	msg := fmt.Sprintf("GET %s: %s", u, what)
	if cause != nil {
		msg += " (" + cause.Error() + ")"
	}
	if ex := restExcerpt(body, token); ex != "" {
		msg += ": " + ex
	}
	return fmt.Errorf("%w: %s", ErrBadResponse, scrubToken(msg, token))
}

// restExcerpt is the start of a response body, fit for an error message:
// valid UTF-8, one line, at most restBodyExcerpt bytes, without the token.
func restExcerpt(body []byte, token string) string {
	s := scrubToken(strings.ToValidUTF8(string(bytes.TrimSpace(body)), "\uFFFD"), token)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > restBodyExcerpt {
		cut := restBodyExcerpt
		for cut > 0 && !restRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func restRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// scrubToken removes the token, with or without its "Bot " prefix, from s.
func scrubToken(s, token string) string {
	if t := bareBotToken(token); t != "" {
		return strings.ReplaceAll(s, t, restRedacted)
	}
	return s
}

// bareBotToken is token without surrounding space and its "Bot " prefix.
func bareBotToken(token string) string {
	t := strings.TrimSpace(token)
	if strings.EqualFold(t, "Bot") {
		return ""
	}
	if len(t) >= 4 && strings.EqualFold(t[:4], "Bot ") {
		t = strings.TrimSpace(t[4:])
	}
	return t
}

// scrubbedError carries an error whose message was scrubbed of the token,
// keeping the original for errors.Is and errors.As.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }
