package main

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// contentSecurityPolicy allows only this site's own scripts, styles,
// images and API: no inline script or style, nothing from elsewhere, no
// framing. The widget builds its DOM with textContent, and the policy is
// the second line of defence should a text ever reach innerHTML.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// securityHeaders sets the headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		next.ServeHTTP(w, r)
	})
}

// Request limits.
const (
	// maxBody bounds a JSON request body: a chat message is at most a few
	// thousand characters (the engine's maxAnswerLength), so 16 KiB is
	// plenty.
	maxBody = 16 << 10
	// maxURL bounds the page URL a widget reports.
	maxURL = 2048
	// maxMessageID bounds the widget's message IDs.
	maxMessageID = 64
)

// limiter is a token bucket per client address: burst requests at once,
// then one every interval. Buckets idle long enough to be full again are
// dropped when the map grows, so it cannot fill memory. The zero value is
// not usable; it is safe for concurrent use.
type limiter struct {
	mu       sync.Mutex
	burst    float64
	interval time.Duration
	now      func() time.Time
	buckets  map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxBuckets bounds the clients remembered before idle ones are dropped.
const maxBuckets = 10_000

func newLimiter(burst int, interval time.Duration) *limiter {
	return &limiter{burst: float64(burst), interval: interval, now: time.Now, buckets: map[string]*bucket{}}
}

// Allow takes a token from the client's bucket, reporting whether it had
// one.
func (l *limiter) Allow(client string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.now()
	b, ok := l.buckets[client]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.sweep(t)
		}
		b = &bucket{tokens: l.burst, last: t}
		l.buckets[client] = b
	}
	b.tokens = min(l.burst, b.tokens+float64(t.Sub(b.last))/float64(l.interval))
	b.last = t
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// sweep drops the buckets that are full again.
func (l *limiter) sweep(t time.Time) {
	full := time.Duration(l.burst) * l.interval
	for k, b := range l.buckets {
		if t.Sub(b.last) >= full {
			delete(l.buckets, k)
		}
	}
}

// clientAddr is the address a request came from. The example serves
// browsers directly; behind a proxy, use the address the proxy reports
// instead, and only from a proxy you trust.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// rateLimit answers 429 to a client over its limit.
func (a *app) rateLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.limiter.Allow(clientAddr(r)) {
			w.Header().Set("Retry-After", "1")
			jsonError(w, http.StatusTooManyRequests, "too many requests; try again in a moment")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// sameOrigin refuses state-changing requests from other sites: a browser
// sends Sec-Fetch-Site (or at least Origin) with a cross-site POST. The
// cookies are SameSite=Strict too, and JSON bodies need a preflight.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin" || site == "none"
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser's cross-site request
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

// visitorCookie names the cookie that says which conversations a browser
// owns. It holds a random token; the store keeps only its SHA-256, so a
// leaked database does not let anyone take over a conversation.
const visitorCookie = "chatflow_visitor"

// cookieMaxAge is how long a browser keeps its conversations once the
// visitor accepts chat cookies; until then the cookie lasts the browser
// session.
const cookieMaxAge = 30 * 24 * time.Hour

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func ownerOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// visitorOwner returns the owner hash of the request's visitor cookie, or
// "" without one.
func visitorOwner(r *http.Request) string {
	c, err := r.Cookie(visitorCookie)
	if err != nil || len(c.Value) < 32 || len(c.Value) > 64 {
		return ""
	}
	return ownerOf(c.Value)
}

// setVisitorCookie sets the visitor cookie: HttpOnly, so the page's
// scripts never see it, and SameSite=Strict.
func setVisitorCookie(w http.ResponseWriter, r *http.Request, token string, persistent bool) {
	c := &http.Cookie{Name: visitorCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil}
	if persistent {
		c.MaxAge = int(cookieMaxAge / time.Second)
	}
	http.SetCookie(w, c)
}

// owns reports whether the request's browser owns the conversation.
func owns(r *http.Request, c conversation) bool {
	o := visitorOwner(r)
	return o != "" && subtle.ConstantTimeCompare([]byte(o), []byte(c.Owner)) == 1
}

// agentCookie holds the agent console's key.
const agentCookie = "chatflow_agent"

// isAgent reports whether the request carries the agent console's key.
func (a *app) isAgent(r *http.Request) bool {
	c, err := r.Cookie(agentCookie)
	return err == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(a.agentKey)) == 1
}
